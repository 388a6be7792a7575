"""What a person asks a plan to be: the draft a form sends, checked against the organisation.

A draft is the whole of a version (deadline, notes, goals, journeys): the services compare it with
the current version to tell what changed. Every check here says what to fix, in the reader's
language; nothing of the organisation is trusted because the form offered it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.markdown import markdown_problem
from lti_tool.journeys.models import Journey, JourneyVersion, VersionStatus
from lti_tool.plans.errors import PlanError
from lti_tool.validation import CONTROL, CONTROL_IN_TEXT

TITLE_LENGTH = 300
DESCRIPTION_LENGTH = 5_000
MAX_GOALS = 20
MAX_JOURNEYS = 20
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class GoalDraft:
    """One individual goal as asked; ``key`` names the goal of the current version it changes."""

    title: str
    description: str = ""
    key: str | None = None
    serves_id: int | None = None
    competence_id: int | None = None
    target_level: int | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class PlanDraft:
    """A whole version as asked; ``title`` is the plan's and only read when it is created."""

    deadline: date | None = None
    notes: str = ""
    goals: tuple[GoalDraft, ...] = ()
    journey_ids: tuple[int, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class Choices:
    """What a plan of one employee may name: served goals, competences, published journeys."""

    goals: list[CompetenceGoal] = field(default_factory=list)
    competences: list[Competence] = field(default_factory=list)
    journeys: list[tuple[Journey, JourneyVersion]] = field(default_factory=list)

    def level_count(self, competence_id: int) -> int:
        competence = next((c for c in self.competences if c.id == competence_id), None)
        return len(competence.framework.levels) if competence is not None else 0


def choices_for(session: Session, organization_id: int, unit_ids: frozenset[int]) -> Choices:
    """The organisation's goals and the goals of the employee's units, its frameworks'
    competences, and its published journeys (latest version of each)."""
    goals = session.scalars(
        select(CompetenceGoal)
        .where(CompetenceGoal.organization_id == organization_id)
        .order_by(CompetenceGoal.level, CompetenceGoal.unit_id, CompetenceGoal.position)
    ).all()
    servable = [
        g
        for g in goals
        if g.level == GoalLevel.ORGANIZATION or (g.unit_id is not None and g.unit_id in unit_ids)
    ]
    competences = session.scalars(
        select(Competence)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.organization_id == organization_id)
        .order_by(Framework.id, Competence.position)
    ).all()
    rows = session.execute(
        select(Journey, JourneyVersion)
        .join(JourneyVersion, JourneyVersion.journey_id == Journey.id)
        .where(
            Journey.organization_id == organization_id,
            JourneyVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(Journey.slug, JourneyVersion.number.desc())
    )
    latest: dict[int, tuple[Journey, JourneyVersion]] = {}
    for journey, version in rows:
        latest.setdefault(journey.id, (journey, version))
    return Choices(servable, list(competences), list(latest.values()))


def check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise PlanError("title_missing", _l("Give the plan a title."))
    if len(title) > TITLE_LENGTH or CONTROL.search(title):
        raise PlanError(
            "title_invalid",
            _l("A title has at most %(limit)d characters on one line.", limit=TITLE_LENGTH),
        )
    return title


def check_draft(draft: PlanDraft, choices: Choices, known_keys: frozenset[str]) -> PlanDraft:
    """``draft`` with its texts trimmed, or a ``PlanError`` that says what to fix.

    ``known_keys`` are the goal keys of the version being changed: a goal may only keep a key
    the plan already has.
    """
    problem = markdown_problem(draft.notes)
    if problem is not None:
        raise PlanError("notes_invalid", problem)
    if CONTROL_IN_TEXT.search(draft.notes):
        raise PlanError("notes_invalid", _l("The notes hold a character that is not allowed."))
    _check_date(draft.deadline)
    if len(draft.goals) > MAX_GOALS:
        raise PlanError("too_many_goals", _l("A plan has at most %(n)d goals.", n=MAX_GOALS))
    if len(set(draft.journey_ids)) > MAX_JOURNEYS:
        raise PlanError(
            "too_many_journeys", _l("A plan names at most %(n)d journeys.", n=MAX_JOURNEYS)
        )
    offered = {journey.id for journey, _ in choices.journeys}
    if any(journey_id not in offered for journey_id in draft.journey_ids):
        raise PlanError("journey_unknown", _l("Choose journeys your organisation has published."))
    goals = tuple(_check_goal(goal, choices, known_keys) for goal in draft.goals)
    keys = [g.key for g in goals if g.key is not None]
    if len(keys) != len(set(keys)):
        raise PlanError("goal_unknown", _l("Each goal of the plan can be changed once."))
    return PlanDraft(
        deadline=draft.deadline,
        notes=draft.notes.strip(),
        goals=goals,
        journey_ids=tuple(dict.fromkeys(draft.journey_ids)),
        title=draft.title,
    )


def _check_date(value: date | None) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise PlanError("date_invalid", _l("Give dates between the years 2000 and 2100."))


def _check_goal(goal: GoalDraft, choices: Choices, known_keys: frozenset[str]) -> GoalDraft:
    title = goal.title.strip()
    if not title:
        raise PlanError("goal_title_missing", _l("Give every goal a title."))
    if len(title) > TITLE_LENGTH or CONTROL.search(title):
        raise PlanError(
            "goal_title_invalid",
            _l("A goal's title has at most %(limit)d characters on one line.", limit=TITLE_LENGTH),
        )
    description = goal.description.strip()
    if len(description) > DESCRIPTION_LENGTH or CONTROL_IN_TEXT.search(description):
        raise PlanError(
            "goal_description_invalid",
            _l("A goal's description has at most %(limit)d characters.", limit=DESCRIPTION_LENGTH),
        )
    if goal.key is not None and goal.key not in known_keys:
        raise PlanError("goal_unknown", _l("That goal is not in the plan; reload the page."))
    if goal.serves_id is not None and goal.serves_id not in {g.id for g in choices.goals}:
        raise PlanError(
            "served_goal_unknown",
            _l("A goal serves a goal of the organisation or of the employee's school unit."),
        )
    if goal.competence_id is not None and goal.competence_id not in {
        c.id for c in choices.competences
    }:
        raise PlanError(
            "competence_unknown",
            _l("Choose a competence of your organisation's competency frameworks."),
        )
    if goal.target_level is not None:
        if goal.competence_id is None:
            raise PlanError(
                "level_without_competence", _l("Choose the competence the target level is of.")
            )
        levels = choices.level_count(goal.competence_id)
        if not 1 <= goal.target_level <= levels:
            raise PlanError(
                "level_invalid",
                _l("The competence's framework has levels 1 to %(n)d.", n=levels),
            )
    _check_date(goal.due_on)
    return GoalDraft(
        title=title,
        description=description,
        key=goal.key,
        serves_id=goal.serves_id,
        competence_id=goal.competence_id,
        target_level=goal.target_level,
        due_on=goal.due_on,
    )
