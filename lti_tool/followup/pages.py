"""What the leader's unit and organisation pages show, gathered for the views.

Each page is built from the same suppressed tables (measurement per round and competence,
participation per journey and goal, overdue plan goals, all by unit), whatever the filters: a
filter only chooses which rows and rounds of those tables appear.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from lti_tool.followup.measurement import (
    GoalMeasurement,
    RoundInfo,
    RoundTable,
    UnitRow,
    goal_measurement,
    round_tables_of,
)
from lti_tool.followup.participation import (
    OverduePerson,
    OverdueRow,
    ParticipationRow,
    ParticipationTable,
    RatingRow,
    UnitStaff,
    overdue_people,
    overdue_table,
    participation_tables,
    rating_means,
)
from lti_tool.frameworks.models import Competence
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.errors import JourneyNotFoundError
from lti_tool.privacy import SuppressionPolicy
from lti_tool.tenancy.models import Unit

__all__ = [
    "GoalBlock",
    "OrganisationFilters",
    "OrganisationPage",
    "UnitPage",
    "organisation_page",
    "unit_page",
]


@dataclass(frozen=True, slots=True)
class GoalBlock:
    """One goal on a page: its measurement, the organisation's beside it (unit pages), the
    round's table by unit (organisation page), and the journeys assigned for it."""

    goal: CompetenceGoal
    measurement: GoalMeasurement
    organisation: GoalMeasurement | None
    round_table: RoundTable | None
    round_rows: tuple[UnitRow, ...]
    participation: ParticipationTable | None
    participation_rows: tuple[ParticipationRow, ...]
    serving: tuple[CompetenceGoal, ...]


@dataclass(frozen=True, slots=True)
class UnitPage:
    unit: Unit
    unit_goals: tuple[GoalBlock, ...]
    organisation_goals: tuple[GoalBlock, ...]
    journeys: tuple[tuple[ParticipationTable, ParticipationRow], ...]
    overdue: OverdueRow | None
    overdue_people: tuple[OverduePerson, ...]
    ratings: tuple[RatingRow, ...]
    min_group: int

    @property
    def journey_rows(self) -> list[tuple[str, ParticipationRow]]:
        """The unit's row of each journey's table, labelled with the journey."""
        return [(table.title, row) for table, row in self.journeys]


@dataclass(frozen=True, slots=True)
class OrganisationFilters:
    """The chosen round, goal and unit (None: all; the round None: each goal's latest)."""

    round_id: int | None = None
    goal_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrganisationPage:
    filters: OrganisationFilters
    rounds: tuple[RoundInfo, ...]
    goals: tuple[CompetenceGoal, ...]
    units: tuple[tuple[int, str], ...]
    blocks: tuple[GoalBlock, ...]
    journeys: tuple[tuple[ParticipationTable, tuple[ParticipationRow, ...]], ...]
    overdue: tuple[OverdueRow, ...]
    ratings: tuple[RatingRow, ...]
    min_group: int


def _goals(
    session: Session, organization_id: int, *where: ColumnElement[bool]
) -> list[CompetenceGoal]:
    return list(
        session.scalars(
            select(CompetenceGoal)
            .where(CompetenceGoal.organization_id == organization_id, *where)
            .options(
                selectinload(CompetenceGoal.target_competence).selectinload(Competence.framework)
            )
            .order_by(
                CompetenceGoal.parent_id.is_not(None), CompetenceGoal.position, CompetenceGoal.id
            )
        )
    )


def _competence_titles(
    goals: Sequence[CompetenceGoal], title: Callable[[Competence], str]
) -> dict[str, str]:
    return {
        g.target_competence.iri: title(g.target_competence) for g in goals if g.target_competence
    }


def unit_page(
    session: Session,
    unit: Unit,
    staff: UnitStaff,
    policy: SuppressionPolicy,
    may_name: Callable[[int], bool],
    today: date,
    competence_title: Callable[[Competence], str],
) -> UnitPage:
    """A unit's goals and the organisation's, measured in the unit; its journeys, overdue plan
    goals (names only of people ``may_name`` allows) and ratings."""
    org_id = unit.organization_id
    unit_goals = _goals(
        session, org_id, CompetenceGoal.level == GoalLevel.UNIT, CompetenceGoal.unit_id == unit.id
    )
    org_goals = _goals(session, org_id, CompetenceGoal.level == GoalLevel.ORGANIZATION)
    journey_tables, goal_tables = participation_tables(
        session, org_id, [(g.id, g.title) for g in [*unit_goals, *org_goals]], staff, policy
    )
    round_tables = round_tables_of(session, [*unit_goals, *org_goals], policy)

    def block(goal: CompetenceGoal) -> GoalBlock:
        tables = round_tables[goal.id]
        participation = goal_tables.get(goal.id)
        row = participation.row_of(unit.id) if participation else None
        return GoalBlock(
            goal=goal,
            measurement=goal_measurement(session, goal, policy, unit_id=unit.id, tables=tables),
            organisation=goal_measurement(session, goal, policy, unit_id=None, tables=tables)
            if goal.level == GoalLevel.ORGANIZATION
            else None,
            round_table=None,
            round_rows=(),
            participation=participation,
            participation_rows=(row,) if row else (),
            serving=(),
        )

    journeys = []
    for table in journey_tables:
        row = table.row_of(unit.id)
        if row is not None:
            journeys.append((table, row))
    overdue = next(
        (
            row
            for row in overdue_table(session, org_id, staff, policy, today)
            if row.unit_id == unit.id
        ),
        None,
    )
    people = staff.people.get(unit.id, frozenset())
    return UnitPage(
        unit=unit,
        unit_goals=tuple(block(g) for g in unit_goals),
        organisation_goals=tuple(block(g) for g in org_goals),
        journeys=tuple(journeys),
        overdue=overdue,
        overdue_people=tuple(overdue_people(session, org_id, people, may_name, today)),
        ratings=tuple(
            rating_means(
                session,
                org_id,
                [table.subject_id for table, _ in journeys],
                people,
                policy,
                _competence_titles([*unit_goals, *org_goals], competence_title),
            )
        ),
        min_group=policy.min_group,
    )


def _all_rounds(tables: dict[int, list[RoundTable]]) -> tuple[RoundInfo, ...]:
    seen: dict[int, RoundInfo] = {}
    for per_goal in tables.values():
        for table in per_goal:
            seen.setdefault(table.round.id, table.round)
    return tuple(sorted(seen.values(), key=lambda r: (r.opens_on, r.survey_id, r.number)))


def organisation_page(
    session: Session,
    organization_id: int,
    filters: OrganisationFilters,
    staff: UnitStaff,
    policy: SuppressionPolicy,
    today: date,
    competence_title: Callable[[Competence], str],
) -> OrganisationPage:
    """The organisation's goals with their tables by unit, and participation, overdue plan
    goals and ratings by unit, narrowed by the filters; a filter naming something of another
    organisation is not found."""
    org_goals = _goals(session, organization_id, CompetenceGoal.level == GoalLevel.ORGANIZATION)
    units = tuple(staff.units)
    if filters.goal_id is not None and filters.goal_id not in {g.id for g in org_goals}:
        raise JourneyNotFoundError("goal_not_found", "That goal does not exist.")
    if filters.unit_id is not None and filters.unit_id not in {uid for uid, _ in units}:
        raise JourneyNotFoundError("unit_not_found", "That school unit does not exist.")
    tables = round_tables_of(session, org_goals, policy)
    rounds = _all_rounds(tables)
    if filters.round_id is not None and filters.round_id not in {r.id for r in rounds}:
        raise JourneyNotFoundError("round_not_found", "That survey round does not exist.")
    shown = [g for g in org_goals if filters.goal_id in (None, g.id)]
    unit_goals = _goals(session, organization_id, CompetenceGoal.level == GoalLevel.UNIT)
    journey_tables, goal_tables = participation_tables(
        session, organization_id, [(g.id, g.title) for g in shown], staff, policy
    )

    def in_filter(unit_id: int | None) -> bool:
        return filters.unit_id in (None, unit_id)

    def block(goal: CompetenceGoal) -> GoalBlock:
        per_round = tables[goal.id]
        chosen = (
            next((t for t in per_round if t.round.id == filters.round_id), None)
            if filters.round_id is not None
            else (per_round[-1] if per_round else None)
        )
        participation = goal_tables.get(goal.id)
        return GoalBlock(
            goal=goal,
            measurement=goal_measurement(session, goal, policy, tables=per_round),
            organisation=None,
            round_table=chosen,
            round_rows=tuple(r for r in chosen.rows if in_filter(r.unit_id)) if chosen else (),
            participation=participation,
            participation_rows=tuple(r for r in participation.rows if in_filter(r.unit_id))
            if participation
            else (),
            serving=tuple(g for g in unit_goals if g.serves_id == goal.id and in_filter(g.unit_id)),
        )

    journeys = tuple(
        (table, tuple(r for r in table.rows if in_filter(r.unit_id))) for table in journey_tables
    )
    people = staff.people.get(filters.unit_id) if filters.unit_id is not None else None
    return OrganisationPage(
        filters=filters,
        rounds=rounds,
        goals=tuple(org_goals),
        units=units,
        blocks=tuple(block(g) for g in shown),
        journeys=journeys,
        overdue=tuple(
            r
            for r in overdue_table(session, organization_id, staff, policy, today)
            if r.unit_id is None or in_filter(r.unit_id)
        ),
        ratings=tuple(
            rating_means(
                session,
                organization_id,
                [table.subject_id for table, _ in journeys],
                people,
                policy,
                _competence_titles(org_goals, competence_title),
            )
        ),
        min_group=policy.min_group,
    )
