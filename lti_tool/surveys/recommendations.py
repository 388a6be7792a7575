"""A personal path: the organisation's published journeys that serve a person's weakest competences.

A competence's *gap* is the target level of the goals that apply to the person (their
organisation's goals and their units' goals that target the competence; the highest target wins)
minus the person's latest self-assessed level; without a goal naming a level, the target is the
next level. A journey *serves* a competence when one of its goals names the competence's IRI, or
when an applicable goal targeting the competence links the journey. Journeys are ranked by the
largest gap they serve, then by the sum of their gaps; journeys the person completed are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from lti_tool.frameworks.models import Competence
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.models import (
    Enrollment,
    Goal,
    Journey,
    JourneyVersion,
    VersionStatus,
)
from lti_tool.leadership.services import units_of_person
from lti_tool.surveys.profile import CompetenceProfile

MAX_RECOMMENDATIONS = 5


@dataclass(frozen=True)
class Need:
    """How far a person is from where the goals (or the next level) ask them to be."""

    competence: Competence
    level: int
    target: int
    goal: CompetenceGoal | None

    @property
    def gap(self) -> int:
        return self.target - self.level


@dataclass(frozen=True)
class Recommendation:
    rank: int
    journey: Journey
    version: JourneyVersion
    needs: tuple[Need, ...]

    @property
    def gap(self) -> int:
        return max(n.gap for n in self.needs)


def applicable_goals(
    session: Session, organization_id: int, person_id: int
) -> list[CompetenceGoal]:
    """The organisation's goals and the goals of the person's units."""
    unit_ids = [u.id for u in units_of_person(session, organization_id, person_id)]
    return list(
        session.scalars(
            select(CompetenceGoal)
            .where(
                CompetenceGoal.organization_id == organization_id,
                or_(
                    CompetenceGoal.level == GoalLevel.ORGANIZATION,
                    CompetenceGoal.unit_id.in_(unit_ids),
                ),
            )
            .options(
                selectinload(CompetenceGoal.competences), selectinload(CompetenceGoal.journeys)
            )
            .order_by(CompetenceGoal.id)
        )
    )


def _targets(goal: CompetenceGoal) -> set[int]:
    ids = {c.id for c in goal.competences}
    if goal.target_competence_id is not None:
        ids.add(goal.target_competence_id)
    return ids


def needs_of(profile: CompetenceProfile, goals: list[CompetenceGoal]) -> list[Need]:
    """The competences where the person is below their target, the largest gap first."""
    needs: list[Need] = []
    for entry in profile.entries:
        top = len(entry.framework.levels)
        best: tuple[int, CompetenceGoal | None] = (min(entry.level + 1, top), None)
        for goal in goals:
            if entry.competence.id in _targets(goal):
                target = goal.target_level or entry.level + 1
                if best[1] is None or target > best[0]:
                    best = (min(target, top), goal)
        if best[0] > entry.level:
            needs.append(Need(entry.competence, entry.level, best[0], best[1]))
    needs.sort(key=lambda n: (-n.gap, n.competence.position, n.competence.id))
    return needs


def _latest_published(session: Session, organization_id: int) -> dict[int, JourneyVersion]:
    rows = session.scalars(
        select(JourneyVersion)
        .join(Journey, Journey.id == JourneyVersion.journey_id)
        .where(
            Journey.organization_id == organization_id,
            JourneyVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(JourneyVersion.number.desc())
    )
    latest: dict[int, JourneyVersion] = {}
    for version in rows:
        latest.setdefault(version.journey_id, version)
    return latest


def recommend(
    session: Session,
    organization_id: int,
    profile: CompetenceProfile,
    limit: int = MAX_RECOMMENDATIONS,
) -> list[Recommendation]:
    """The person's personal path: journeys for their largest gaps, best first."""
    goals = applicable_goals(session, organization_id, profile.person.id)
    needs = needs_of(profile, goals)
    if not needs:
        return []
    versions = _latest_published(session, organization_id)
    by_iri = {n.competence.iri: n for n in needs}
    serves: dict[int, dict[int, Need]] = {}
    for version_id, journey_id, iri in session.execute(
        select(Goal.version_id, JourneyVersion.journey_id, Goal.competency_iri)
        .join(JourneyVersion, JourneyVersion.id == Goal.version_id)
        .where(
            Goal.version_id.in_([v.id for v in versions.values()]),
            Goal.competency_iri.in_(list(by_iri)),
        )
    ):
        if iri is not None and versions.get(journey_id) and versions[journey_id].id == version_id:
            need = by_iri[iri]
            serves.setdefault(journey_id, {})[need.competence.id] = need
    by_id = {n.competence.id: n for n in needs}
    for goal in goals:
        for competence_id in _targets(goal) & set(by_id):
            for journey in goal.journeys:
                if journey.id in versions and journey.organization_id == organization_id:
                    serves.setdefault(journey.id, {})[competence_id] = by_id[competence_id]
    completed = set(
        session.scalars(
            select(Enrollment.journey_id).where(
                Enrollment.person_id == profile.person.id,
                Enrollment.organization_id == organization_id,
                Enrollment.completed_at.is_not(None),
            )
        )
    )
    journeys = {
        j.id: j for j in session.scalars(select(Journey).where(Journey.id.in_(list(serves))))
    }
    ranked = sorted(
        (
            (journey_id, tuple(sorted(served.values(), key=lambda n: (-n.gap, n.competence.id))))
            for journey_id, served in serves.items()
            if journey_id not in completed
        ),
        key=lambda item: (
            -max(n.gap for n in item[1]),
            -sum(n.gap for n in item[1]),
            versions[item[0]].title.casefold(),
        ),
    )
    return [
        Recommendation(rank, journeys[journey_id], versions[journey_id], served)
        for rank, (journey_id, served) in enumerate(ranked[:limit], start=1)
    ]
