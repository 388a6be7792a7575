"""Development plans: made by a manager, agreed by both parties, changed in new versions.

A version nobody has agreed to yet is a draft and changes in place. Once either party has agreed,
any change (by either) makes a new version: a copy with the change, whose goals keep their keys,
and which needs both agreements again; earlier versions stay as they were, for the history.

Marking an individual goal done is progress, not a change of the agreement: it is kept on the
goal of the current version (and carried to later versions with the goal's key), never makes a
new version and never resets an agreement.

Journeys named by a plan are assigned to the employee (individual level) when a version becomes
agreed: the agreement is what makes them the employee's assignments.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.assignments import assign
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.models import AssignmentLevel, Journey
from lti_tool.plans.drafts import Choices, GoalDraft, PlanDraft, check_draft, check_title
from lti_tool.plans.errors import PlanConflictError, PlanError, PlanNotFoundError
from lti_tool.plans.events import ADDED, CHANGED, PlanEvents
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Organization, Person, Unit

log = logging.getLogger(__name__)

# What makes two goals the same goal, as the agreement reads them.
GOAL_FIELDS = ("title", "description", "serves_id", "competence_id", "target_level", "due_on")


class Party(StrEnum):
    """The two sides of a plan."""

    EMPLOYEE = "employee"
    MANAGER = "manager"


def get_plan(session: Session, organization_id: int, key: str) -> DevelopmentPlan:
    """The organisation's plan with this key; another organisation's plan is not found."""
    plan = session.scalars(
        select(DevelopmentPlan).where(
            DevelopmentPlan.organization_id == organization_id, DevelopmentPlan.key == key
        )
    ).first()
    if plan is None:
        raise PlanNotFoundError("plan_not_found", _l("That development plan does not exist."))
    return plan


def plans_of(
    session: Session, organization_id: int, person_ids: Sequence[int] | None = None
) -> list[DevelopmentPlan]:
    """Plans of these people (of everyone when ``None``), newest first."""
    query = select(DevelopmentPlan).where(DevelopmentPlan.organization_id == organization_id)
    if person_ids is not None:
        query = query.where(DevelopmentPlan.person_id.in_(person_ids))
    return list(
        session.scalars(
            query.order_by(DevelopmentPlan.created_at.desc(), DevelopmentPlan.id.desc())
        )
    )


def create_plan(
    session: Session,
    organization_id: int,
    manager_id: int,
    person_id: int,
    draft: PlanDraft,
    choices: Choices,
    units: list[Unit],
    recording: Recording | None = None,
) -> DevelopmentPlan:
    """A new plan with its first version (a draft to agree to); records each goal set."""
    if manager_id == person_id:
        raise PlanError(
            "own_plan",
            _l("A plan is agreed between an employee and their manager; ask your own manager."),
        )
    person = session.get(Person, person_id)
    if person is None or person.organization_id != organization_id:
        raise PlanNotFoundError("person_not_found", _l("That person does not exist."))
    title = check_title(draft.title)
    draft = check_draft(draft, choices, frozenset())
    plan = DevelopmentPlan(
        organization_id=organization_id, person_id=person_id, manager_id=manager_id, title=title
    )
    version = PlanVersion(number=1, changed_by_id=manager_id)
    plan.versions.append(version)
    session.add(plan)
    _fill(session, version, draft, {})
    events = _events(session, organization_id, recording)
    events.record(
        [events.goal_set(plan, version, g, ADDED, manager_id, units) for g in version.goals]
    )
    session.commit()
    return plan


def change_plan(
    session: Session,
    plan: DevelopmentPlan,
    changed_by_id: int,
    draft: PlanDraft,
    choices: Choices,
    units: list[Unit],
    based_on: int | None = None,
    recording: Recording | None = None,
) -> PlanVersion:
    """Change the plan as ``draft`` says: a new version once anyone has agreed, else in place.

    ``based_on`` is the version number the person saw; a plan changed since is a conflict.
    """
    current = plan.current
    _check_current(current, based_on)
    before = {g.key: g for g in current.goals}
    draft = check_draft(draft, choices, frozenset(before))
    if _same(current, draft):
        raise PlanError("unchanged", _l("Nothing was changed; change something and save again."))
    snapshot = {key: _goal_values(goal) for key, goal in before.items()}
    done = {key: goal.done_at for key, goal in before.items()}
    if current.employee_agreed_at is None and current.manager_agreed_at is None:
        version = current
        version.goals.clear()
        session.flush()
    else:
        version = PlanVersion(number=current.number + 1)
        plan.versions.append(version)
    version.changed_by_id = changed_by_id
    if changed_by_id != plan.person_id:
        # Whoever changes the plan for the manager's side is the plan's manager from now on.
        plan.manager_id = changed_by_id
    _fill(session, version, draft, done)
    session.flush()
    events = _events(session, plan.organization_id, recording)
    statements = []
    for goal in version.goals:
        previous = snapshot.get(goal.key)
        if previous is None or previous != _goal_values(goal):
            change = ADDED if previous is None else CHANGED
            statements.append(events.goal_set(plan, version, goal, change, changed_by_id, units))
    events.record(statements)
    session.commit()
    return version


def agree(
    session: Session,
    plan: DevelopmentPlan,
    party: Party,
    person_id: int,
    units: list[Unit],
    based_on: int | None = None,
    recording: Recording | None = None,
) -> PlanVersion:
    """``person_id`` agrees to the current version for ``party``; the second agreement records
    ``agreed`` and assigns the version's journeys to the employee."""
    version = plan.current
    _check_current(version, based_on)
    now = utcnow()
    if party == Party.EMPLOYEE:
        if version.employee_agreed_at is not None:
            raise PlanConflictError(
                "already_agreed", _l("You have already agreed to this version.")
            )
        version.employee_agreed_at = now
    else:
        if version.manager_agreed_at is not None:
            raise PlanConflictError("already_agreed", _l("A manager has already agreed to it."))
        version.manager_agreed_at = now
        # Whoever agrees for the manager's side is the plan's manager from now on.
        plan.manager_id = person_id
    events = _events(session, plan.organization_id, recording)
    if version.agreed:
        events.record([events.agreed(plan, version, units)])
    session.commit()
    if version.agreed:
        _assign_journeys(session, plan, version, recording)
    return version


def mark_goal(
    session: Session,
    plan: DevelopmentPlan,
    goal_key: str,
    done: bool,
    units: list[Unit],
    recording: Recording | None = None,
) -> PlanGoal:
    """The employee marks a goal of the current version done (or not done after all)."""
    version = plan.current
    goal = next((g for g in version.goals if g.key == goal_key), None)
    if goal is None:
        raise PlanNotFoundError("goal_not_found", _l("That goal is not in the plan."))
    if done and goal.done_at is None:
        goal.done_at = utcnow()
        events = _events(session, plan.organization_id, recording)
        events.record([events.goal_done(plan, version, goal, units)])
    elif not done:
        goal.done_at = None
    session.commit()
    return goal


def _events(session: Session, organization_id: int, recording: Recording | None) -> PlanEvents:
    return PlanEvents(
        session, recording or get_recording(), session.get_one(Organization, organization_id)
    )


def _check_current(version: PlanVersion, based_on: int | None) -> None:
    if based_on is not None and based_on != version.number:
        raise PlanConflictError(
            "plan_changed",
            _l("The plan has changed since you opened it; read the new version and try again."),
        )


def _goal_values(goal: PlanGoal | GoalDraft) -> tuple[object, ...]:
    return tuple(getattr(goal, name) for name in GOAL_FIELDS)


def _same(version: PlanVersion, draft: PlanDraft) -> bool:
    return (
        version.deadline == draft.deadline
        and version.notes == draft.notes
        and [(g.key, *_goal_values(g)) for g in version.goals]
        == [(g.key, *_goal_values(g)) for g in draft.goals]
        and {j.id for j in version.journeys} == set(draft.journey_ids)
    )


def _fill(
    session: Session, version: PlanVersion, draft: PlanDraft, done: dict[str, datetime | None]
) -> None:
    version.deadline = draft.deadline
    version.notes = draft.notes
    for position, goal in enumerate(draft.goals):
        row = PlanGoal(
            position=position,
            title=goal.title,
            description=goal.description,
            serves_id=goal.serves_id,
            competence_id=goal.competence_id,
            target_level=goal.target_level,
            due_on=goal.due_on,
        )
        if goal.key is not None:
            row.key = goal.key
            row.done_at = done.get(goal.key)
        version.goals.append(row)
    journeys = session.scalars(select(Journey).where(Journey.id.in_(draft.journey_ids))).all()
    order = {journey_id: n for n, journey_id in enumerate(draft.journey_ids)}
    version.journeys = sorted(journeys, key=lambda j: order[j.id])
    session.flush()
    for goal_row in version.goals:
        # Loaded afresh from the ids just set, for the statements and the pages that follow.
        session.expire(goal_row, ["serves", "competence"])


def _assign_journeys(
    session: Session, plan: DevelopmentPlan, version: PlanVersion, recording: Recording | None
) -> None:
    """Assign each journey of the agreed version to the employee, unless they have it already."""
    due = datetime.combine(version.deadline, time(0), tzinfo=UTC) if version.deadline else None
    for journey in list(version.journeys):
        try:
            assign(
                session,
                journey,
                AssignmentLevel.INDIVIDUAL,
                person_id=plan.person_id,
                due_at=due,
                recording=recording,
            )
        except JourneyError as exc:
            # Already assigned (or chosen) to the person: the plan names what they have.
            session.rollback()
            log.info("plan %s: journey %s not assigned (%s)", plan.id, journey.id, exc.code)
