"""Plan services: versions, agreement, history, progress marks and assigned journeys."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.journeys.models import Assignment, AssignmentLevel
from lti_tool.plans import services
from lti_tool.plans.drafts import GoalDraft
from lti_tool.plans.errors import PlanConflictError, PlanError, PlanNotFoundError
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.plans.services import Party
from lti_tool.recording import get_recording
from tests.plans.conftest import World, employee_choices, sample_draft, units_a


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


def _agree(app: Flask, world: World, key: str, party: Party, based_on: int | None = None) -> None:
    with get_database(app).session() as session:
        plan = services.get_plan(session, world.organization_id, key)
        person = world.employee_id if party == Party.EMPLOYEE else world.manager_id
        services.agree(
            session,
            plan,
            party,
            person,
            units_a(session, world),
            based_on=based_on,
            recording=get_recording(app),
        )


def _change(app: Flask, world: World, key: str, by: int, **overrides: object) -> int:
    with get_database(app).session() as session:
        plan = services.get_plan(session, world.organization_id, key)
        current = plan.current
        draft = sample_draft(
            world,
            goals=tuple(
                GoalDraft(
                    key=g.key,
                    title=g.title,
                    description=g.description,
                    serves_id=g.serves_id,
                    competence_id=g.competence_id,
                    target_level=g.target_level,
                    due_on=g.due_on,
                )
                for g in current.goals
            ),
            notes=current.notes,
        )
        draft = replace(draft, **overrides)  # type: ignore[arg-type]
        version = services.change_plan(
            session,
            plan,
            by,
            draft,
            employee_choices(session, world),
            units_a(session, world),
            recording=get_recording(app),
        )
        return version.number


def _plan(session: Session, world: World, key: str) -> DevelopmentPlan:
    session.expire_all()
    return services.get_plan(session, world.organization_id, key)


def test_create_plan_makes_a_first_version_nobody_has_agreed_to(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    plan = _plan(session, world, key)
    assert [v.number for v in plan.versions] == [1]
    assert plan.current.employee_agreed_at is None
    assert plan.current.manager_agreed_at is None
    assert [g.title for g in plan.current.goals] == ["Använda AI i planeringen"]


def test_create_plan_refuses_a_plan_for_oneself(app: Flask, world: World) -> None:
    with get_database(app).session() as session, pytest.raises(PlanError) as caught:
        services.create_plan(
            session,
            world.organization_id,
            world.manager_id,
            world.manager_id,
            sample_draft(world),
            employee_choices(session, world),
            [],
            recording=get_recording(app),
        )
    assert caught.value.code == "own_plan"


def test_create_plan_refuses_a_goal_serving_another_units_goal(app: Flask, world: World) -> None:
    goal = GoalDraft(title="Fel skola", serves_id=world.unit_b_goal_id)
    with pytest.raises(PlanError) as caught:
        _create(app, world, goals=(goal,))
    assert caught.value.code == "served_goal_unknown"


def test_create_plan_refuses_a_target_level_beyond_the_framework(app: Flask, world: World) -> None:
    goal = GoalDraft(title="För högt", competence_id=world.competence_id, target_level=7)
    with pytest.raises(PlanError) as caught:
        _create(app, world, goals=(goal,))
    assert caught.value.code == "level_invalid"


def test_get_plan_of_another_organisation_is_not_found(app: Flask, world: World) -> None:
    key = _create(app, world)
    with get_database(app).session() as session, pytest.raises(PlanNotFoundError):
        services.get_plan(session, world.organization_id + 1000, key)


def test_agree_by_both_makes_the_version_agreed(app: Flask, world: World, session: Session) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    assert _plan(session, world, key).current.agreed


def test_agree_twice_by_the_same_party_is_a_conflict(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.EMPLOYEE)
    with pytest.raises(PlanConflictError):
        _agree(app, world, key, Party.EMPLOYEE)


def test_agree_to_a_version_that_was_replaced_is_a_conflict(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    _change(app, world, key, world.employee_id, notes="Ändrat.")
    with pytest.raises(PlanConflictError) as caught:
        _agree(app, world, key, Party.MANAGER, based_on=1)
    assert caught.value.code == "plan_changed"


def test_change_of_a_draft_nobody_agreed_to_stays_in_the_same_version(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    number = _change(app, world, key, world.employee_id, notes="Nya anteckningar.")
    plan = _plan(session, world, key)
    assert number == 1
    assert plan.current.notes == "Nya anteckningar."


def test_change_after_an_agreement_makes_a_new_version_and_keeps_the_old(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world, deadline=date(2027, 6, 30))
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    number = _change(app, world, key, world.manager_id, deadline=date(2027, 12, 31))
    plan = _plan(session, world, key)
    assert number == 2
    assert [v.deadline for v in plan.versions] == [date(2027, 6, 30), date(2027, 12, 31)]
    assert plan.versions[0].agreed


def test_change_after_an_agreement_resets_the_agreement(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    _change(app, world, key, world.employee_id, notes="Jag vill ändra.")
    current = _plan(session, world, key).current
    assert (current.employee_agreed_at, current.manager_agreed_at) == (None, None)


def test_change_keeps_the_goal_keys_across_versions(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    _change(app, world, key, world.employee_id, notes="Ändrat.")
    first, second = _plan(session, world, key).versions
    assert [g.key for g in first.goals] == [g.key for g in second.goals]


def test_change_refuses_a_goal_key_the_plan_does_not_have(app: Flask, world: World) -> None:
    key = _create(app, world)
    with pytest.raises(PlanError) as caught:
        _change(app, world, key, world.employee_id, goals=(GoalDraft(title="x", key="forged"),))
    assert caught.value.code == "goal_unknown"


def test_change_without_any_difference_is_refused(app: Flask, world: World) -> None:
    key = _create(app, world)
    with pytest.raises(PlanError) as caught:
        _change(app, world, key, world.employee_id)
    assert caught.value.code == "unchanged"


def test_mark_goal_done_keeps_the_version_and_its_agreement(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as own:
        plan = services.get_plan(own, world.organization_id, key)
        goal_key = plan.current.goals[0].key
        services.mark_goal(own, plan, goal_key, True, units_a(own, world), get_recording(app))
    plan = _plan(session, world, key)
    assert len(plan.versions) == 1
    assert plan.current.agreed
    assert plan.current.goals[0].done_at is not None


def test_mark_goal_done_is_carried_to_the_next_version(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as own:
        plan = services.get_plan(own, world.organization_id, key)
        services.mark_goal(own, plan, plan.current.goals[0].key, True, [], get_recording(app))
    _change(app, world, key, world.manager_id, notes="Ny version.")
    assert _plan(session, world, key).current.goals[0].done_at is not None


def test_agreement_assigns_the_chosen_journeys_to_the_employee(app: Flask, world: World) -> None:
    key = _create(app, world, deadline=date(2027, 6, 30))
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as session:
        assignment = session.scalars(
            select(Assignment).where(Assignment.person_id == world.employee_id)
        ).one()
    assert assignment.journey_id == world.journey_id
    assert assignment.level == AssignmentLevel.INDIVIDUAL
    assert assignment.due_at is not None and assignment.due_at.date() == date(2027, 6, 30)


def test_one_agreement_assigns_nothing_yet(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as session:
        assert session.scalars(select(Assignment)).all() == []


def test_agreement_again_after_a_change_keeps_the_one_assignment(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    _change(
        app, world, key, world.manager_id, journey_ids=(world.journey_id, world.other_journey_id)
    )
    _agree(app, world, key, Party.EMPLOYEE)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as session:
        journeys = session.scalars(
            select(Assignment.journey_id).where(Assignment.person_id == world.employee_id)
        ).all()
    assert sorted(journeys) == sorted([world.journey_id, world.other_journey_id])


def test_plans_of_lists_only_the_named_people(app: Flask, world: World) -> None:
    _create(app, world)
    with get_database(app).session() as session:
        assert services.plans_of(session, world.organization_id, [world.colleague_id]) == []
        assert len(services.plans_of(session, world.organization_id, [world.employee_id])) == 1


def test_change_by_another_leader_makes_them_the_plans_manager(
    app: Flask, world: World, session: Session
) -> None:
    key = _create(app, world)
    _change(app, world, key, world.colleague_id, notes="Ny rektor.")
    assert _plan(session, world, key).manager_id == world.colleague_id
