"""Plan statements: one ``agreed`` per agreed version, ``set`` per goal added or changed."""

from __future__ import annotations

from datetime import date

from flask import Flask

from lti_tool.db import get_database
from lti_tool.plans import services
from lti_tool.plans.drafts import GoalDraft
from lti_tool.plans.services import Party
from lti_tool.recording import get_recording
from tests.conftest import TOOL_URL
from tests.plans.conftest import (
    AGREE,
    COMPETENCE_IRI,
    COMPLETED,
    EXT,
    SET,
    TYPES,
    World,
    employee_choices,
    sample_draft,
    statements,
    units_a,
)


def _create(app: Flask, world: World) -> str:
    with get_database(app).session() as session:
        plan = services.create_plan(
            session,
            world.organization_id,
            world.manager_id,
            world.employee_id,
            sample_draft(world, deadline=date(2027, 6, 30)),
            employee_choices(session, world),
            units_a(session, world),
            recording=get_recording(app),
        )
        return plan.key


def _agree(app: Flask, world: World, key: str, party: Party) -> None:
    with get_database(app).session() as session:
        plan = services.get_plan(session, world.organization_id, key)
        person = world.employee_id if party == Party.EMPLOYEE else world.manager_id
        services.agree(
            session, plan, party, person, units_a(session, world), recording=get_recording(app)
        )


def test_agreed_is_recorded_once_when_the_second_party_agrees(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    assert statements(app, AGREE) == []
    _agree(app, world, key, Party.EMPLOYEE)
    assert len(statements(app, AGREE)) == 1


def test_agreed_names_the_employee_and_groups_by_their_unit(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    _agree(app, world, key, Party.EMPLOYEE)
    [statement] = statements(app, AGREE)
    assert statement["actor"]["account"]["name"] == "employee"
    assert statement["object"]["id"] == f"{TOOL_URL}/xapi/activities/development-plans/{key}"
    groupings = {a["id"] for a in statement["context"]["contextActivities"]["grouping"]}
    assert f"{TOOL_URL}/xapi/activities/units/{world.unit_a_id}" in groupings
    plan = statement["context"]["extensions"][EXT + "plan"]
    assert (plan["key"], plan["version"], plan["deadline"]) == (key, 1, "2027-06-30")


def test_goal_set_carries_the_served_goal_and_the_competence(app: Flask, world: World) -> None:
    _create(app, world)
    [statement] = statements(app, SET)
    others = {
        a["definition"]["type"]: a["id"] for a in statement["context"]["contextActivities"]["other"]
    }
    assert others[TYPES + "competence"] == COMPETENCE_IRI
    assert others[TYPES + "competence-goal"].startswith(f"{TOOL_URL}/xapi/activities/goals/")
    assert statement["context"]["extensions"][EXT + "plan-goal"] == {
        "change": "added",
        "target_level": 3,
        "due": None,
    }


def test_goal_set_is_recorded_for_a_changed_goal_only(app: Flask, world: World) -> None:
    key = _create(app, world)
    _agree(app, world, key, Party.MANAGER)
    with get_database(app).session() as session:
        plan = services.get_plan(session, world.organization_id, key)
        kept = plan.current.goals[0]
        changed = GoalDraft(
            key=kept.key,
            title=kept.title,
            description=kept.description,
            serves_id=kept.serves_id,
            competence_id=kept.competence_id,
            target_level=4,
        )
        services.change_plan(
            session,
            plan,
            world.employee_id,
            sample_draft(world, deadline=date(2027, 6, 30), goals=(changed,)),
            employee_choices(session, world),
            units_a(session, world),
            recording=get_recording(app),
        )
    latest = statements(app, SET)[-1]
    assert len(statements(app, SET)) == 2
    assert latest["actor"]["account"]["name"] == "employee"
    assert latest["context"]["extensions"][EXT + "plan-goal"]["change"] == "changed"


def test_goal_marked_done_records_completed(app: Flask, world: World) -> None:
    key = _create(app, world)
    with get_database(app).session() as session:
        plan = services.get_plan(session, world.organization_id, key)
        services.mark_goal(
            session,
            plan,
            plan.current.goals[0].key,
            True,
            units_a(session, world),
            get_recording(app),
        )
    [statement] = statements(app, COMPLETED)
    assert statement["result"]["completion"] is True
    assert statement["object"]["definition"]["type"] == TYPES + "individual-goal"
