"""How far a goal has come: the share of answers at or above its target level, round by round.

Every number comes from one table per survey round and competence: a row per school unit that
answered (and one for answers without a unit), columns "at or above the level" and "below",
suppressed by the organisation's policy with complementary suppression. An organisation goal
reads the table's totals, a unit goal its unit's row; the organisation view shows the rows. As
every view shows parts of the same suppressed table, no view, filter or difference of two views
gives a hidden number away.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.models import CompetenceGoal
from lti_tool.privacy import Cell, SuppressionPolicy
from lti_tool.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRound,
    survey_competences,
)
from lti_tool.tenancy.models import Unit

__all__ = [
    "GoalMeasurement",
    "RoundInfo",
    "RoundMeasurement",
    "RoundTable",
    "UnitRow",
    "goal_measurement",
    "goal_round_tables",
    "level_code",
    "round_tables_of",
    "rounds_asking",
]


@dataclass(frozen=True, slots=True)
class RoundInfo:
    """A survey round that asked about a competence."""

    id: int
    survey_id: int
    survey_title: str
    number: int
    opens_on: date
    closes_on: date


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One school unit's answers in a round (``unit_id`` None: answers given without a unit)."""

    unit_id: int | None
    unit_name: str | None
    answered: Cell[int]
    at_or_above: Cell[int]
    below: Cell[int]
    share: Cell[float]


@dataclass(frozen=True, slots=True)
class RoundTable:
    """A round's answers by unit, with the organisation's totals, each shown or hidden."""

    round: RoundInfo
    rows: tuple[UnitRow, ...]
    answered: Cell[int]
    at_or_above: Cell[int]
    below: Cell[int]
    share: Cell[float]

    def row_of(self, unit_id: int) -> UnitRow | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)


@dataclass(frozen=True, slots=True)
class RoundMeasurement:
    """A goal's measurement in one round."""

    round: RoundInfo
    answered: Cell[int]
    share: Cell[float]
    # None when the share is hidden or the goal has no target share.
    meets_target: bool | None


@dataclass(frozen=True, slots=True)
class GoalMeasurement:
    """A goal measured over the rounds that asked about its competence, oldest first."""

    goal_id: int
    unit_id: int | None
    competence: Competence | None
    target_level: int | None
    target_level_code: str | None
    target_share: float | None
    rounds: tuple[RoundMeasurement, ...]
    min_group: int

    @property
    def measurable(self) -> bool:
        return self.competence is not None and self.target_level is not None

    @property
    def latest(self) -> RoundMeasurement | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def latest_meets_target(self) -> bool | None:
        latest = self.latest
        return latest.meets_target if latest else None


def level_code(framework: Framework, level: int | None) -> str | None:
    """A 1-based level's code in the framework (DigCompEdu 3 → "B1"), or its number."""
    if level is None:
        return None
    if 1 <= level <= len(framework.levels):
        return str(framework.levels[level - 1].get("code") or level)
    return str(level)


def rounds_asking(
    session: Session, organization_id: int, competence: Competence
) -> list[RoundInfo]:
    """The organisation's survey rounds that asked about the competence, oldest first: surveys
    that list it, and surveys of its framework that list no competence (they ask every one)."""
    lists_it = exists().where(
        survey_competences.c.survey_id == Survey.id,
        survey_competences.c.competence_id == competence.id,
    )
    lists_any = exists().where(survey_competences.c.survey_id == Survey.id)
    rows = session.execute(
        select(
            SurveyRound.id,
            Survey.id,
            Survey.title,
            SurveyRound.number,
            SurveyRound.opens_on,
            SurveyRound.closes_on,
        )
        .join(Survey, Survey.id == SurveyRound.survey_id)
        .where(
            Survey.organization_id == organization_id,
            SurveyRound.organization_id == organization_id,
            or_(lists_it, (Survey.framework_id == competence.framework_id) & not_(lists_any)),
        )
        .order_by(SurveyRound.opens_on, Survey.id, SurveyRound.number)
    ).all()
    return [RoundInfo(*row) for row in rows]


def _level_counts(
    session: Session,
    organization_id: int,
    competence_ids: Collection[int],
    round_ids: Collection[int],
) -> dict[tuple[int, int], dict[int | None, dict[int, int]]]:
    """Per (round, competence) and unit: how many people answered at each level (one response
    per person and round, one answer per competence), in one grouped query."""
    if not competence_ids or not round_ids:
        return {}
    rows = session.execute(
        select(
            SurveyResponse.round_id,
            SurveyAnswer.competence_id,
            SurveyResponse.unit_id,
            SurveyAnswer.level,
            func.count(),
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(
            SurveyResponse.organization_id == organization_id,
            SurveyResponse.round_id.in_(round_ids),
            SurveyAnswer.competence_id.in_(competence_ids),
        )
        .group_by(
            SurveyResponse.round_id,
            SurveyAnswer.competence_id,
            SurveyResponse.unit_id,
            SurveyAnswer.level,
        )
    ).all()
    result: dict[tuple[int, int], dict[int | None, dict[int, int]]] = {}
    for round_id, competence_id, unit_id, level, count in rows:
        per_unit = result.setdefault((round_id, competence_id), {})
        per_unit.setdefault(unit_id, {})[level] = int(count)
    return result


def _at_level(
    levels: dict[int | None, dict[int, int]], target: int
) -> dict[int | None, tuple[int, int]]:
    """Per unit: (answered, at or above ``target``)."""
    return {
        unit: (sum(counts.values()), sum(n for level, n in counts.items() if level >= target))
        for unit, counts in levels.items()
    }


def _share(at: Cell[int], below: Cell[int], total: Cell[int]) -> Cell[float]:
    """A share shown only when its part, the rest and the whole are all shown: the table has
    already made each of them at least the threshold."""
    for cell in (total, at, below):
        if cell.reason is not None:
            return Cell[float].hidden(cell.reason, cell.min_group)
    assert at.value is not None and total.value is not None  # noqa: S101 (shown cells)
    return Cell.shown(at.value / total.value, total.min_group)


def _round_table(
    info: RoundInfo,
    counts: dict[int | None, tuple[int, int]],
    unit_names: dict[int, str],
    policy: SuppressionPolicy,
) -> RoundTable:
    keys = sorted(counts, key=lambda u: (u is None, unit_names.get(u, "") if u else "", u or 0))
    if not keys:
        nobody = policy.count(0)
        return RoundTable(info, (), nobody, nobody, nobody, _share(nobody, nobody, nobody))
    table = policy.table([[counts[u][1], counts[u][0] - counts[u][1]] for u in keys])
    rows = tuple(
        UnitRow(
            unit_id=unit,
            unit_name=unit_names.get(unit) if unit is not None else None,
            answered=table.row_totals[i],
            at_or_above=table.cells[i][0],
            below=table.cells[i][1],
            share=_share(table.cells[i][0], table.cells[i][1], table.row_totals[i]),
        )
        for i, unit in enumerate(keys)
    )
    at, below = table.column_totals
    return RoundTable(info, rows, table.total, at, below, _share(at, below, table.total))


def goal_round_tables(
    session: Session, goal: CompetenceGoal, policy: SuppressionPolicy
) -> list[RoundTable]:
    """The goal's rounds (oldest first), each as its table by unit."""
    return round_tables_of(session, [goal], policy)[goal.id]


def round_tables_of(
    session: Session, goals: Sequence[CompetenceGoal], policy: SuppressionPolicy
) -> dict[int, list[RoundTable]]:
    """Per goal (of one organisation), its rounds as tables by unit: the answers of every
    goal's competence counted in one query."""
    if not goals:
        return {}
    organization_id = goals[0].organization_id
    if any(g.organization_id != organization_id for g in goals):
        raise ValueError("The goals must belong to one organisation.")
    competences = {
        g.target_competence.id: g.target_competence
        for g in goals
        if g.target_competence is not None and g.target_level is not None
    }
    rounds = {cid: rounds_asking(session, organization_id, c) for cid, c in competences.items()}
    counts = _level_counts(
        session,
        organization_id,
        list(competences),
        {r.id for per_competence in rounds.values() for r in per_competence},
    )
    unit_ids = {u for per_unit in counts.values() for u in per_unit if u is not None}
    names: dict[int, str] = {}
    if unit_ids:
        names = {
            unit: name
            for unit, name in session.execute(
                select(Unit.id, Unit.name).where(
                    Unit.organization_id == organization_id, Unit.id.in_(unit_ids)
                )
            )
        }
    result: dict[int, list[RoundTable]] = {}
    for goal in goals:
        competence_id = goal.target_competence_id
        if competence_id not in competences or goal.target_level is None:
            result[goal.id] = []
            continue
        result[goal.id] = [
            _round_table(
                r,
                _at_level(counts.get((r.id, competence_id), {}), goal.target_level),
                names,
                policy,
            )
            for r in rounds[competence_id]
        ]
    return result


def _meets(share: Cell[float], target_share: float | None) -> bool | None:
    if share.value is None or target_share is None:
        return None
    return share.value >= target_share


def goal_measurement(
    session: Session,
    goal: CompetenceGoal,
    policy: SuppressionPolicy,
    unit_id: int | None = None,
    tables: Sequence[RoundTable] | None = None,
) -> GoalMeasurement:
    """The goal measured in every round that asked about its target competence, oldest first.

    An organisation goal counts every response, a unit goal only its unit's; ``unit_id`` reads
    an organisation goal as seen in one unit. ``tables`` reuses tables already computed.
    """
    if tables is None:
        tables = goal_round_tables(session, goal, policy)
    scope = unit_id if unit_id is not None else goal.unit_id
    target_share = goal.target_share / 100 if goal.target_share is not None else None
    rounds = []
    for table in tables:
        if scope is None:
            answered, share = table.answered, table.share
        else:
            row = table.row_of(scope)
            nobody = policy.count(0)
            answered = row.answered if row else nobody
            share = row.share if row else _share(nobody, nobody, nobody)
        rounds.append(RoundMeasurement(table.round, answered, share, _meets(share, target_share)))
    competence = goal.target_competence
    return GoalMeasurement(
        goal_id=goal.id,
        unit_id=scope,
        competence=competence,
        target_level=goal.target_level,
        target_level_code=(
            level_code(competence.framework, goal.target_level) if competence else None
        ),
        target_share=target_share,
        rounds=tuple(rounds),
        min_group=policy.min_group,
    )
