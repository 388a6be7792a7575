"""Plan fixtures: an organisation with two school units, people, goals, a framework, journeys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.lti.models import Registration
from lti_tool.plans.drafts import Choices, GoalDraft, PlanDraft, choices_for
from lti_tool.tenancy.models import Context, Membership, Person, Unit
from tests.conftest import Launcher
from tests.journeys.conftest import sample_document
from tests.leadership.conftest import ADMINISTRATOR, Launches
from xapi.lrs.models import Statement

COMPETENCE_IRI = "https://example.org/frameworks/digcompedu/2.1"
EXT = "https://w3id.org/xapi/lti-journeys/extensions/"
TYPES = "https://w3id.org/xapi/lti-journeys/activity-types/"
AGREE = "http://activitystrea.ms/schema/1.0/agree"
SET = "https://w3id.org/xapi/lti-journeys/verbs/set"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@dataclass(frozen=True)
class World:
    """Ids of what the tests of one organisation work with."""

    organization_id: int
    employee_id: int
    colleague_id: int
    manager_id: int
    unit_a_id: int
    unit_b_id: int
    org_goal_id: int
    unit_goal_id: int
    unit_b_goal_id: int
    competence_id: int
    journey_id: int
    other_journey_id: int


def _person(session: Any, registration: Registration, sub: str, name: str) -> Person:
    person = Person(
        organization_id=registration.organization_id,
        registration_id=registration.id,
        sub=sub,
        name=name,
    )
    session.add(person)
    return person


def _course(session: Any, registration: Registration, unit: Unit, key: str) -> Context:
    deployment = registration.deployments[0]
    context = Context(
        organization_id=registration.organization_id,
        registration_id=registration.id,
        deployment_id=deployment.id,
        context_id=key,
        title=key,
        unit=unit,
    )
    session.add(context)
    return context


@pytest.fixture
def world(app: Flask, registration: Registration) -> World:
    with get_database(app).session() as session:
        registration = session.get_one(Registration, registration.id)
        org_id = registration.organization_id
        unit_a = Unit(organization_id=org_id, name="Norrskolan")
        unit_b = Unit(organization_id=org_id, name="Björkskolan")
        session.add_all([unit_a, unit_b])
        employee = _person(session, registration, "employee", "Alva Lind")
        colleague = _person(session, registration, "colleague", "Bo Ek")
        manager = _person(session, registration, "manager", "Sara Holm")
        course_a = _course(session, registration, unit_a, "course-a")
        course_b = _course(session, registration, unit_b, "course-b")
        session.flush()
        session.add_all(
            [
                Membership(organization_id=org_id, person_id=employee.id, context_id=course_a.id),
                Membership(organization_id=org_id, person_id=colleague.id, context_id=course_b.id),
            ]
        )
        framework = Framework(
            organization_id=org_id,
            iri="https://example.org/frameworks/digcompedu",
            title_sv="DigCompEdu",
            levels=[{"code": c} for c in ("A1", "A2", "B1", "B2", "C1", "C2")],
        )
        competence = Competence(
            framework=framework, iri=COMPETENCE_IRI, code="2.1", title_sv="Välja digitala resurser"
        )
        session.add_all([framework, competence])
        journey = create_journey(session, org_id, sample_document())
        publish(session, journey)
        other = create_journey(session, org_id, sample_document("kollegialt-larande"))
        publish(session, other)
        org_goal = CompetenceGoal(
            organization_id=org_id, level=GoalLevel.ORGANIZATION, title="Digital kompetens"
        )
        unit_goal = CompetenceGoal(
            organization_id=org_id,
            level=GoalLevel.UNIT,
            unit_id=unit_a.id,
            title="AI i undervisningen",
            serves=org_goal,
            journeys=[journey],
        )
        unit_b_goal = CompetenceGoal(
            organization_id=org_id, level=GoalLevel.UNIT, unit_id=unit_b.id, title="Björkmål"
        )
        session.add_all([org_goal, unit_goal, unit_b_goal])
        session.commit()
        return World(
            organization_id=org_id,
            employee_id=employee.id,
            colleague_id=colleague.id,
            manager_id=manager.id,
            unit_a_id=unit_a.id,
            unit_b_id=unit_b.id,
            org_goal_id=org_goal.id,
            unit_goal_id=unit_goal.id,
            unit_b_goal_id=unit_b_goal.id,
            competence_id=competence.id,
            journey_id=journey.id,
            other_journey_id=other.id,
        )


def employee_choices(session: Any, world: World) -> Choices:
    return choices_for(session, world.organization_id, frozenset({world.unit_a_id}))


def units_a(session: Any, world: World) -> list[Unit]:
    return [session.get_one(Unit, world.unit_a_id)]


def sample_draft(world: World, **overrides: Any) -> PlanDraft:
    """A plan with one goal serving the unit goal, with a competence and a target level."""
    values: dict[str, Any] = {
        "title": "Utvecklingsplan 2027",
        "notes": "Vi talade om **AI** i undervisningen.",
        "goals": (
            GoalDraft(
                title="Använda AI i planeringen",
                description="Pröva två verktyg.",
                serves_id=world.unit_goal_id,
                competence_id=world.competence_id,
                target_level=3,
            ),
        ),
        "journey_ids": (world.journey_id,),
    }
    values.update(overrides)
    return PlanDraft(**values)


def statements(app: Flask, verb: str | None = None) -> list[dict[str, Any]]:
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement).order_by(Statement.seq))
        return [r.full for r in rows if verb is None or r.full["verb"]["id"] == verb]


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of the test's own, to read what the services left (expire before reading)."""
    with get_database(app).session() as opened:
        yield opened


@dataclass(frozen=True)
class Staff:
    """Session tokens and person ids of launches into the courses of Skola A and Skola B."""

    teacher: str
    colleague: str
    rektor_a: str
    rektor_b: str
    teacher_id: int
    colleague_id: int


@pytest.fixture
def staff(app: Flask, launcher: Launcher) -> Staff:
    launches = Launches(app, launcher)
    tokens = {
        "teacher": launches.launch("teacher"),
        "colleague": launches.launch("colleague"),
        "rektor_a": launches.launch("rektor-a", roles=ADMINISTRATOR),
        "rektor_b": launches.launch("rektor-b", unit="Skola B", roles=ADMINISTRATOR),
    }
    return Staff(
        **tokens,
        teacher_id=launches.person_id("teacher"),
        colleague_id=launches.person_id("colleague"),
    )


def plan_form(person_id: int, token: str, **fields: str) -> dict[str, str]:
    return {
        "lt": token,
        "person": str(person_id),
        "title": "Utvecklingsplan 2027",
        "deadline": "2027-06-30",
        "notes": "Vi talade om *AI*.",
        "goal-0-title": "Använda AI i planeringen",
        **fields,
    }


def create_by_form(client: FlaskClient, staff: Staff, **fields: str) -> str:
    """The key of a plan the rektor of Skola A made for the teacher through the form."""
    response = client.post("/plans/new", data=plan_form(staff.teacher_id, staff.rektor_a, **fields))
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"/plans/([0-9a-f-]{36})", response.headers["Location"])
    assert match
    return match.group(1)
