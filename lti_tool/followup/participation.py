"""Who takes part: journeys and goals by school unit, overdue plan goals, and ratings.

The people of a unit are its staff (:class:`UnitStaff`: the denominator from the leadership
staff counts, and the launched people of the unit). A journey assigned to the whole
organisation or to a unit is assigned to every one of the unit's staff, so each journey (and
each goal, through the journeys assigned for it) is one table over the units it is assigned to,
with disjoint columns that add up to the unit's staff (not started, in progress, completed),
suppressed by the organisation's policy: the unit view (one row) and the organisation view
(every row) show parts of the same table. Journeys chosen by or assigned to single people are
followed up in their development plans, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from lti_tool.journeys.models import (
    Assignment,
    AssignmentLevel,
    Enrollment,
    Goal,
    GoalRating,
    JourneyVersion,
    RatingSource,
    VersionStatus,
)
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion
from lti_tool.privacy import Cell, SuppressionPolicy, SuppressionReason
from lti_tool.tenancy.models import Person

__all__ = [
    "RATING_SCALE",
    "OverduePerson",
    "OverdueRow",
    "ParticipationRow",
    "ParticipationTable",
    "RatingRow",
    "UnitStaff",
    "goal_participation",
    "journey_participation",
    "overdue_people",
    "overdue_table",
    "participation_tables",
    "rating_means",
]

# Goal ratings use the journeys' four-level scale.
RATING_SCALE = (1.0, 4.0)


@dataclass(frozen=True, slots=True)
class UnitStaff:
    """The units followed up, in order, with their staff: the count (the denominator) and the
    launched people (whose work can be counted)."""

    units: tuple[tuple[int, str], ...]
    counts: Mapping[int, int]
    people: Mapping[int, frozenset[int]]

    def with_staff(self) -> list[tuple[int, str]]:
        return [(uid, name) for uid, name in self.units if self.counts.get(uid, 0) > 0]


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """One unit's staff, all assigned, split into not started, in progress and completed
    (``unit_id`` None: the totals of the units it is assigned to)."""

    unit_id: int | None
    unit_name: str | None
    staff: Cell[int]
    not_started: Cell[int]
    in_progress: Cell[int]
    completed: Cell[int]
    completed_share: Cell[float]


@dataclass(frozen=True, slots=True)
class ParticipationTable:
    """A journey's or a goal's participation by unit."""

    subject_id: int
    title: str
    rows: tuple[ParticipationRow, ...]
    total: ParticipationRow
    organisation_wide: bool = False

    def row_of(self, unit_id: int) -> ParticipationRow | None:
        return next((row for row in self.rows if row.unit_id == unit_id), None)


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """How many of a unit's staff (``unit_id`` None: the organisation's) have a plan goal
    past its date."""

    unit_id: int | None
    unit_name: str | None
    staff: Cell[int]
    overdue: Cell[int]
    share: Cell[float]


@dataclass(frozen=True, slots=True)
class OverduePerson:
    """A person the viewer manages, with their overdue plan goals."""

    person_id: int
    name: str
    goals: tuple[str, ...]
    earliest_due: date


@dataclass(frozen=True, slots=True)
class RatingRow:
    """Mean ratings of one competence: learners' own and instructors', never mixed."""

    competence_iri: str
    title: str
    self_mean: Cell[float]
    instructor_mean: Cell[float]


@dataclass
class _Subject:
    """What one journey or goal needs counted: who it is assigned to and who took part."""

    subject_id: int
    title: str
    organisation_wide: bool = False
    units: set[int] = field(default_factory=set)
    started: set[int] = field(default_factory=set)
    completed: set[int] = field(default_factory=set)


def _share(part: Cell[int], whole: Cell[int]) -> Cell[float]:
    for cell in (whole, part):
        if cell.reason is not None:
            return Cell[float].hidden(cell.reason, cell.min_group)
    assert whole.value is not None and part.value is not None  # noqa: S101 (shown cells)
    if whole.value == 0:
        return Cell[float].hidden(SuppressionReason.SMALL_GROUP, whole.min_group)
    return Cell.shown(part.value / whole.value, whole.min_group)


def _row(
    unit: int | None, name: str | None, cells: tuple[Cell[int], ...], staff: Cell[int]
) -> ParticipationRow:
    not_started, in_progress, completed = cells
    return ParticipationRow(
        unit, name, staff, not_started, in_progress, completed, _share(completed, staff)
    )


def _counts(subject: _Subject, staff_count: int, people: frozenset[int]) -> list[int]:
    started = people & subject.started
    completed = started & subject.completed
    return [
        max(0, staff_count - len(started)),
        len(started) - len(completed),
        len(completed),
    ]


def _table(subject: _Subject, staff: UnitStaff, policy: SuppressionPolicy) -> ParticipationTable:
    units = [
        (uid, name)
        for uid, name in staff.with_staff()
        if subject.organisation_wide or uid in subject.units
    ]
    if not units:
        nobody = policy.count(0)
        total = _row(None, None, (nobody,) * 3, nobody)
        return ParticipationTable(subject.subject_id, subject.title, (), total)
    counts = [
        _counts(subject, staff.counts[uid], staff.people.get(uid, frozenset())) for uid, _ in units
    ]
    table = policy.table(counts)
    rows = tuple(
        _row(uid, name, table.cells[i], table.row_totals[i]) for i, (uid, name) in enumerate(units)
    )
    total = _row(None, None, table.column_totals, table.total)
    return ParticipationTable(
        subject.subject_id, subject.title, rows, total, subject.organisation_wide
    )


def _journey_titles(
    session: Session, organization_id: int, journey_ids: Collection[int]
) -> dict[int, str]:
    """The title of each journey's latest published version."""
    if not journey_ids:
        return {}
    latest = (
        select(JourneyVersion.journey_id, func.max(JourneyVersion.number).label("number"))
        .where(
            JourneyVersion.journey_id.in_(journey_ids),
            JourneyVersion.status == VersionStatus.PUBLISHED,
        )
        .group_by(JourneyVersion.journey_id)
        .subquery()
    )
    rows = session.execute(
        select(JourneyVersion.journey_id, JourneyVersion.title).join(
            latest,
            and_(
                latest.c.journey_id == JourneyVersion.journey_id,
                latest.c.number == JourneyVersion.number,
            ),
        )
    )
    return {journey_id: title for journey_id, title in rows}


def _assignments(session: Session, organization_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.organization_id == organization_id)
            .order_by(Assignment.created_at, Assignment.id)
        )
    )


def _taking_part(
    session: Session, organization_id: int, journey_ids: Collection[int]
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Per journey: the people who started it, and those who completed it."""
    started: dict[int, set[int]] = {j: set() for j in journey_ids}
    completed: dict[int, set[int]] = {j: set() for j in journey_ids}
    if not journey_ids:
        return started, completed
    rows = session.execute(
        select(Enrollment.journey_id, Enrollment.person_id, Enrollment.completed_at.is_not(None))
        .where(
            Enrollment.organization_id == organization_id,
            Enrollment.journey_id.in_(journey_ids),
        )
        .distinct()
    )
    for journey_id, person_id, done in rows:
        started[journey_id].add(person_id)
        if done:
            completed[journey_id].add(person_id)
    return started, completed


def _apply(subject: _Subject, assignment: Assignment) -> None:
    if assignment.level == AssignmentLevel.ORGANIZATION:
        subject.organisation_wide = True
    elif assignment.level == AssignmentLevel.UNIT and assignment.unit_id is not None:
        subject.units.add(assignment.unit_id)


def participation_tables(
    session: Session,
    organization_id: int,
    goals: Iterable[tuple[int, str]],
    staff: UnitStaff,
    policy: SuppressionPolicy,
) -> tuple[list[ParticipationTable], dict[int, ParticipationTable]]:
    """Every journey assigned to the organisation or a unit (in assignment order), and per goal
    (id, title) the journeys assigned for it (``Assignment.goal_id``), each by unit: for a
    goal, started is having started one of its journeys, completed is having completed all.
    Assignments and enrollments are read once for both."""
    goal_titles = dict(goals)
    assignments = [
        a for a in _assignments(session, organization_id) if a.level != AssignmentLevel.INDIVIDUAL
    ]
    journey_ids = list(dict.fromkeys(a.journey_id for a in assignments))
    titles = _journey_titles(session, organization_id, journey_ids)
    started, completed = _taking_part(session, organization_id, journey_ids)
    journeys = {
        j: _Subject(j, titles.get(j, ""), started=started[j], completed=completed[j])
        for j in journey_ids
    }
    by_goal: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        _apply(journeys[assignment.journey_id], assignment)
        if assignment.goal_id in goal_titles:
            by_goal.setdefault(assignment.goal_id, []).append(assignment)
    goal_tables = {}
    for goal_id, goal_assignments in by_goal.items():
        ids = {a.journey_id for a in goal_assignments}
        subject = _Subject(
            goal_id,
            goal_titles[goal_id],
            started=set().union(*(started[j] for j in ids)),
            completed=set.intersection(*(completed[j] for j in ids)),
        )
        for assignment in goal_assignments:
            _apply(subject, assignment)
        goal_tables[goal_id] = _table(subject, staff, policy)
    return [_table(journeys[j], staff, policy) for j in journey_ids], goal_tables


def journey_participation(
    session: Session, organization_id: int, staff: UnitStaff, policy: SuppressionPolicy
) -> list[ParticipationTable]:
    """Every journey assigned to the organisation or a unit, by unit, in assignment order."""
    return participation_tables(session, organization_id, (), staff, policy)[0]


def goal_participation(
    session: Session,
    organization_id: int,
    goals: Iterable[tuple[int, str]],
    staff: UnitStaff,
    policy: SuppressionPolicy,
) -> dict[int, ParticipationTable]:
    """Per goal (id, title), the journeys assigned for it by unit (see
    :func:`participation_tables`)."""
    return participation_tables(session, organization_id, goals, staff, policy)[1]


def _overdue_goals(
    session: Session, organization_id: int, today: date
) -> list[tuple[int, str, date]]:
    """(person, goal title, due date) of every goal of a current plan version that is past
    its date (its own, else the plan's deadline) and not done."""
    current = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanVersion.plan_id)
        .where(DevelopmentPlan.organization_id == organization_id)
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    due = func.coalesce(PlanGoal.due_on, PlanVersion.deadline)
    rows = session.execute(
        select(DevelopmentPlan.person_id, PlanGoal.title, due)
        .join(PlanVersion, PlanVersion.plan_id == DevelopmentPlan.id)
        .join(
            current,
            and_(current.c.plan_id == PlanVersion.plan_id, current.c.number == PlanVersion.number),
        )
        .join(PlanGoal, PlanGoal.version_id == PlanVersion.id)
        .where(
            DevelopmentPlan.organization_id == organization_id,
            PlanGoal.done_at.is_(None),
            due < today,
        )
        .order_by(due, PlanGoal.position)
    ).all()
    return [(person, title, _as_date(when)) for person, title, when in rows]


def _as_date(value: date | datetime | str) -> date:
    # SQLite gives COALESCE of two dates back as text.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def overdue_table(
    session: Session,
    organization_id: int,
    staff: UnitStaff,
    policy: SuppressionPolicy,
    today: date,
) -> tuple[OverdueRow, ...]:
    """Per unit, how many of the staff have an overdue plan goal; the totals last."""
    people = {person for person, _, _ in _overdue_goals(session, organization_id, today)}
    units = staff.with_staff()
    if not units:
        return ()
    counts = []
    for uid, _ in units:
        late = len(staff.people.get(uid, frozenset()) & people)
        counts.append([late, max(0, staff.counts[uid] - late)])
    table = policy.table(counts)
    rows = [
        OverdueRow(
            uid,
            name,
            table.row_totals[i],
            table.cells[i][0],
            _share(table.cells[i][0], table.row_totals[i]),
        )
        for i, (uid, name) in enumerate(units)
    ]
    late_total = table.column_totals[0]
    rows.append(OverdueRow(None, None, table.total, late_total, _share(late_total, table.total)))
    return tuple(rows)


def overdue_people(
    session: Session,
    organization_id: int,
    people: Collection[int],
    may_name: Callable[[int], bool],
    today: date,
) -> list[OverduePerson]:
    """The overdue plan goals of those of ``people`` the viewer may name (the people they
    manage), by name."""
    goals: dict[int, list[tuple[str, date]]] = {}
    for person, title, due in _overdue_goals(session, organization_id, today):
        if person in people:
            goals.setdefault(person, []).append((title, due))
    named = [p for p in goals if may_name(p)]
    if not named:
        return []
    persons = {
        p.id: p
        for p in session.scalars(
            select(Person).where(Person.organization_id == organization_id, Person.id.in_(named))
        )
    }
    result = [
        OverduePerson(
            person_id=p,
            name=persons[p].display_name if p in persons else "",
            goals=tuple(title for title, _ in goals[p]),
            earliest_due=min(due for _, due in goals[p]),
        )
        for p in named
    ]
    return sorted(result, key=lambda item: (item.earliest_due, item.name))


def rating_means(
    session: Session,
    organization_id: int,
    journey_ids: Collection[int],
    people: Collection[int] | None,
    policy: SuppressionPolicy,
    titles: Mapping[str, str] | None = None,
) -> list[RatingRow]:
    """Per competence of the journeys' goals, the mean of each person's latest self-rating
    and, apart, of their latest instructor rating (``people`` None: everyone)."""
    if not journey_ids:
        return []
    where = [
        Enrollment.organization_id == organization_id,
        Enrollment.journey_id.in_(journey_ids),
        Goal.competency_iri.is_not(None),
    ]
    if people is not None:
        where.append(Enrollment.person_id.in_(list(people)))
    latest = (
        select(func.max(GoalRating.id))
        .join(Enrollment, Enrollment.id == GoalRating.enrollment_id)
        .join(Goal, Goal.id == GoalRating.goal_id)
        .where(*where)
        .group_by(Enrollment.person_id, Goal.competency_iri, GoalRating.source)
    )
    rows = session.execute(
        select(
            Goal.competency_iri,
            func.min(Goal.title),
            GoalRating.source,
            GoalRating.level,
            func.count(),
        )
        .join(Goal, Goal.id == GoalRating.goal_id)
        .where(GoalRating.id.in_(latest))
        .group_by(Goal.competency_iri, GoalRating.source, GoalRating.level)
        .order_by(Goal.competency_iri)
    ).all()
    levels: dict[tuple[str, RatingSource], list[float]] = {}
    names: dict[str, str] = dict(titles or {})
    order: list[str] = []
    for iri, title, source, level, count in rows:
        if iri is None:
            continue
        names.setdefault(iri, title)
        if iri not in order:
            order.append(iri)
        levels.setdefault((iri, source), []).extend([float(level)] * int(count))
    return [
        RatingRow(
            competence_iri=iri,
            title=names[iri],
            self_mean=_mean(levels.get((iri, RatingSource.SELF), []), policy),
            instructor_mean=_mean(levels.get((iri, RatingSource.INSTRUCTOR), []), policy),
        )
        for iri in order
    ]


def _mean(ratings: Sequence[float], policy: SuppressionPolicy) -> Cell[float]:
    if not ratings:
        return Cell[float].hidden(SuppressionReason.SMALL_GROUP, policy.min_group)
    return policy.mean(ratings, scale=RATING_SCALE)
