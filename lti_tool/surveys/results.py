"""What leaders and exports see of a round: counts and levels per unit, never one person's answers.

Every number goes through the organisation's suppression policy (``lti_tool.privacy``): a unit's
row is one row of a table whose totals the policy computes, so a hidden count cannot be recomputed
from the total and the other rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.leadership.services import Reach
from lti_tool.leadership.staff import unit_staff_counts
from lti_tool.privacy import Cell, SuppressionPolicy
from lti_tool.surveys.models import SurveyAnswer, SurveyResponse, SurveyRound
from lti_tool.surveys.services import survey_items, top_level
from lti_tool.tenancy.models import Unit


@dataclass(frozen=True)
class UnitCount:
    """A unit's responses (``unit`` None: people whose courses belong to no unit)."""

    unit: Unit | None
    responses: Cell[int]
    staff: int | None


@dataclass(frozen=True)
class RoundCounts:
    rows: list[UnitCount]
    total: Cell[int]


def _units(session: Session, organization_id: int, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Unit).where(Unit.organization_id == organization_id, Unit.id.in_(ids))
    )
    return {u.id: u for u in rows}


def _visible_unit_ids(
    session: Session, reach: Reach, survey_round: SurveyRound, answered: set[int | None]
) -> list[int | None]:
    survey = survey_round.survey
    if survey.unit_id is not None:
        return [survey.unit_id]
    if reach.whole_organization:
        every = set(
            session.scalars(select(Unit.id).where(Unit.organization_id == reach.organization_id))
        )
        ids: list[int | None] = [*sorted(every)]
        return [*ids, None] if None in answered else ids
    led: list[int | None] = [*sorted(reach.unit_ids)]
    return led


def round_counts(
    session: Session, reach: Reach, survey_round: SurveyRound, policy: SuppressionPolicy
) -> RoundCounts:
    """Responses per unit the leader sees, with the staff of each unit for comparison."""
    counted = {
        unit_id: int(n)
        for unit_id, n in session.execute(
            select(SurveyResponse.unit_id, func.count(func.distinct(SurveyResponse.person_id)))
            .where(
                SurveyResponse.round_id == survey_round.id,
                SurveyResponse.organization_id == reach.organization_id,
            )
            .group_by(SurveyResponse.unit_id)
        )
    }
    visible = _visible_unit_ids(session, reach, survey_round, set(counted))
    if not visible:
        return RoundCounts([], policy.count(0))
    units = _units(session, reach.organization_id, {u for u in visible if u is not None})
    staff = unit_staff_counts(session, reach.organization_id)
    table = policy.table([[counted.get(unit_id, 0)] for unit_id in visible])
    rows = [
        UnitCount(
            unit=units.get(unit_id) if unit_id is not None else None,
            responses=table.cells[i][0],
            staff=staff.get(unit_id, 0) if unit_id is not None else None,
        )
        for i, unit_id in enumerate(visible)
    ]
    return RoundCounts(rows, table.total)


@dataclass(frozen=True)
class CompetenceRow:
    """One unit's (or, ``unit`` None and ``whole`` set, the organisation's) levels in one
    competence: how many answered, the mean, and how many at each level (0..top)."""

    competence_iri: str
    competence_code: str
    unit: Unit | None
    whole: bool
    responses: Cell[int]
    mean: Cell[float]
    levels: tuple[Cell[int], ...]


def competence_rows(
    session: Session, organization_id: int, survey_round: SurveyRound, policy: SuppressionPolicy
) -> list[CompetenceRow]:
    """Per competence: a row per unit with responses, then the organisation's row."""
    survey = survey_round.survey
    top = top_level(survey.framework)
    answers: dict[int, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    for competence_id, unit_id, level in session.execute(
        select(SurveyAnswer.competence_id, SurveyResponse.unit_id, SurveyAnswer.level)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.round_id == survey_round.id,
            SurveyResponse.organization_id == organization_id,
        )
    ):
        answers[competence_id][unit_id].append(min(int(level), top))
    unit_ids = sorted({u for per in answers.values() for u in per if u is not None})
    order: list[int | None] = [*unit_ids]
    if any(None in per for per in answers.values()):
        order.append(None)
    units = _units(session, organization_id, set(unit_ids))
    rows: list[CompetenceRow] = []
    for competence in survey_items(session, survey):
        per_unit = answers.get(competence.id, {})
        if not order:
            break
        counts = [
            [sum(1 for level in per_unit.get(unit_id, []) if level == n) for n in range(top + 1)]
            for unit_id in order
        ]
        table = policy.table(counts)
        for i, unit_id in enumerate(order):
            ratings = per_unit.get(unit_id, [])
            total = table.row_totals[i]
            rows.append(
                CompetenceRow(
                    competence.iri,
                    competence.code,
                    units.get(unit_id) if unit_id is not None else None,
                    False,
                    total,
                    _mean(policy, ratings, top, total),
                    table.cells[i],
                )
            )
        everyone = [level for levels in per_unit.values() for level in levels]
        rows.append(
            CompetenceRow(
                competence.iri,
                competence.code,
                None,
                True,
                table.total,
                _mean(policy, everyone, top, table.total),
                table.column_totals,
            )
        )
    return rows


def _mean(policy: SuppressionPolicy, ratings: list[int], top: int, count: Cell[int]) -> Cell[float]:
    # A mean beside a hidden count would tell that the group is small; both are hidden then.
    if count.suppressed:
        return Cell.hidden(count.reason, policy.min_group)  # type: ignore[arg-type]
    return policy.mean([float(r) for r in ratings], scale=(0.0, float(top)))
