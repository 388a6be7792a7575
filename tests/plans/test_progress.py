"""Plan progress: agreement state, goal progress from journeys, and overdue goals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.journeys.models import Enrollment, Journey
from lti_tool.plans import services
from lti_tool.plans.drafts import GoalDraft
from lti_tool.plans.models import PlanVersion
from lti_tool.plans.progress import PlanProgress, PlanState, plan_progress, state_of
from lti_tool.recording import get_recording
from tests.plans.conftest import World, employee_choices, sample_draft, units_a

TODAY = date(2027, 3, 1)


def _create(app: Flask, world: World, **overrides: object) -> str:
    with get_database(app).session() as session:
        plan = services.create_plan(
            session,
            world.organization_id,
            world.manager_id,
            world.employee_id,
            sample_draft(world, **overrides),
            employee_choices(session, world),
            units_a(session, world),
            recording=get_recording(app),
        )
        return plan.key


def _progress(session: Session, world: World, key: str) -> PlanProgress:
    session.expire_all()
    plan = services.get_plan(session, world.organization_id, key)
    return plan_progress(session, plan, today=TODAY)


def test_state_of_a_version_agreed_by_the_manager_waits_for_the_employee() -> None:
    version = PlanVersion(manager_agreed_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert state_of(version) == PlanState.WAITING_FOR_EMPLOYEE


def test_state_of_a_version_agreed_by_the_employee_waits_for_the_manager() -> None:
    version = PlanVersion(employee_agreed_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert state_of(version) == PlanState.WAITING_FOR_MANAGER


def test_goal_past_its_due_date_and_not_done_is_overdue(
    app: Flask, world: World, session: Session
) -> None:
    goal = GoalDraft(title="Sent", due_on=date(2027, 2, 1))
    key = _create(app, world, goals=(goal,))
    assert _progress(session, world, key).overdue == 1


def test_goal_without_a_due_date_is_overdue_after_the_plans_deadline(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world, goals=(GoalDraft(title="Mål"),), deadline=date(2027, 2, 1))
    assert _progress(session, world, key).overdue == 1


def test_goal_due_in_the_future_is_not_overdue(app: Flask, world: World, session: Session) -> None:
    goal = GoalDraft(title="I tid", due_on=date(2027, 6, 1))
    key = _create(app, world, goals=(goal,), deadline=date(2027, 2, 1))
    assert _progress(session, world, key).overdue == 0


def test_goal_marked_done_is_not_overdue(app: Flask, world: World, session: Session) -> None:
    key = _create(app, world, goals=(GoalDraft(title="Klart", due_on=date(2027, 2, 1)),))
    with get_database(app).session() as own:
        plan = services.get_plan(own, world.organization_id, key)
        services.mark_goal(own, plan, plan.current.goals[0].key, True, [], get_recording(app))
    progress = _progress(session, world, key)
    assert (progress.overdue, progress.goals[0].percent) == (0, 100)


def test_goal_progress_is_the_share_of_its_journeys_completed(
    app: Flask, world: World, session: Session
) -> None:
    # The sample goal serves the unit goal, which names the plan's journey.
    key = _create(app, world)
    assert _progress(session, world, key).goals[0].percent == 0
    journey = session.get_one(Journey, world.journey_id)
    session.add(
        Enrollment(
            organization_id=world.organization_id,
            person_id=world.employee_id,
            journey_id=journey.id,
            version_id=journey.versions[-1].id,
            completed_at=datetime(2027, 2, 1, tzinfo=UTC),
        )
    )
    session.commit()
    assert _progress(session, world, key).goals[0].percent == 100


def test_goal_serving_no_goal_of_the_journeys_has_no_journey(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world, goals=(GoalDraft(title="Eget mål"),))
    assert _progress(session, world, key).goals[0].journeys == []
