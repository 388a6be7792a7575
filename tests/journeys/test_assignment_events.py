"""Every assignment of a journey records one ``assigned`` statement in its transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys import assignments
from lti_tool.journeys.authoring import copy_journey, create_journey, publish
from lti_tool.journeys.errors import JourneyConflictError
from lti_tool.journeys.models import Assignment, AssignmentLevel, Journey
from lti_tool.lti.models import Registration
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Organization, Person, Unit
from lti_tool.tenancy.services import add_unit
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.journeys.conftest import sample_document
from xapi.lrs.models import Statement

ASSIGN = "http://activitystrea.ms/schema/1.0/assign"
EXT = "https://w3id.org/xapi/lti-journeys/extensions/"
TYPES = "https://w3id.org/xapi/lti-journeys/activity-types/"


def _assigned(app: Flask) -> list[dict[str, Any]]:
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement).order_by(Statement.seq))
        return [row.full for row in rows if row.full["verb"]["id"] == ASSIGN]


def _assign(app: Flask, journey_id: int, level: AssignmentLevel, **values: Any) -> int:
    with get_database(app).session() as session:
        journey = session.get_one(Journey, journey_id)
        assignment = assignments.assign(
            session, journey, level, recording=get_recording(app), **values
        )
        return assignment.id


def _unit(app: Flask, organization_id: int, name: str = "Norrskolan") -> Unit:
    with get_database(app).session() as session:
        unit = add_unit(session, session.get_one(Organization, organization_id), name)
        session.expunge(unit)
        return unit


def test_organisation_assignment_is_assigned_to_a_group_standing_for_the_organisation(
    app: Flask, published_journey: Journey
) -> None:
    org_id = published_journey.organization_id
    assignment_id = _assign(app, published_journey.id, AssignmentLevel.ORGANIZATION)
    [statement] = _assigned(app)
    assert statement["actor"] == {
        "objectType": "Group",
        "account": {"homePage": TOOL_URL, "name": f"organizations/{org_id}"},
    }
    assert statement["object"]["id"] == (
        f"{TOOL_URL}/xapi/activities/journeys/{published_journey.key}"
    )
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    extensions = statement["context"]["extensions"]
    assert extensions[EXT + "assignment"] == {
        "level": "organization",
        "due": None,
        "id": assignment_id,
    }
    assert extensions[EXT + "organization"] == {
        "id": org_id,
        "slug": "org-a",
        "name": "Organisation A",
    }
    assert extensions[EXT + "journey"] == {
        "slug": "digital-kompetens",
        "key": published_journey.key,
        "origin": None,
        "origin_slug": None,
    }


def test_organisation_assignment_is_grouped_under_the_organisation_activity(
    app: Flask, published_journey: Journey
) -> None:
    org_id = published_journey.organization_id
    _assign(app, published_journey.id, AssignmentLevel.ORGANIZATION)
    [statement] = _assigned(app)
    [grouping] = statement["context"]["contextActivities"]["grouping"]
    assert grouping["id"] == f"{TOOL_URL}/xapi/activities/organizations/{org_id}"
    assert grouping["definition"]["type"] == TYPES + "organization"


def test_unit_assignment_names_the_unit_as_actor_and_grouping(
    app: Flask, published_journey: Journey
) -> None:
    unit = _unit(app, published_journey.organization_id)
    _assign(app, published_journey.id, AssignmentLevel.UNIT, unit=unit)
    [statement] = _assigned(app)
    assert statement["actor"]["account"] == {"homePage": TOOL_URL, "name": f"units/{unit.id}"}
    groupings = statement["context"]["contextActivities"]["grouping"]
    assert [(g["id"], g["definition"]["type"]) for g in groupings][1] == (
        f"{TOOL_URL}/xapi/activities/units/{unit.id}",
        TYPES + "school-unit",
    )
    assert statement["context"]["extensions"][EXT + "assignment"]["level"] == "unit"


def test_unit_with_a_school_unit_code_is_identified_by_it(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        org = session.get_one(Organization, published_journey.organization_id)
        unit = add_unit(session, org, "Norrskolan")
        # The code's column comes with the school-unit register; read as an attribute.
        unit.school_unit_code = "12345678"
        journey = session.get_one(Journey, published_journey.id)
        assignments.assign(
            session, journey, AssignmentLevel.UNIT, unit=unit, recording=get_recording(app)
        )
    [statement] = _assigned(app)
    school_unit = statement["context"]["contextActivities"]["grouping"][1]
    assert school_unit["id"] == "https://w3id.org/xapi/lti-journeys/school-units/12345678"
    assert school_unit["definition"]["extensions"] == {EXT + "school-unit-code": "12345678"}


def test_assignment_with_a_due_date_carries_it(app: Flask, published_journey: Journey) -> None:
    due = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)
    _assign(app, published_journey.id, AssignmentLevel.ORGANIZATION, due_at=due)
    [statement] = _assigned(app)
    recorded = statement["context"]["extensions"][EXT + "assignment"]["due"]
    assert datetime.fromisoformat(recorded) == due


def test_individual_assignment_has_the_person_as_actor(
    app: Flask, launcher: Launcher, published_journey: Journey
) -> None:
    session_token(launcher.launch(sub="learner-5"))
    with get_database(app).session() as session:
        person_id = session.scalars(select(Person.id).where(Person.sub == "learner-5")).one()
    _assign(app, published_journey.id, AssignmentLevel.INDIVIDUAL, person_id=person_id)
    [statement] = _assigned(app)
    assert statement["actor"]["account"] == {
        "homePage": launcher.platform.issuer,
        "name": "learner-5",
    }
    assert statement["context"]["extensions"][EXT + "assignment"]["level"] == "individual"


def test_choosing_a_journey_records_a_self_chosen_assignment_by_the_person(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = session_token(launcher.launch(sub="learner-6"))
    client.post("/journeys/digital-kompetens/choose", data={"lt": token})
    client.post("/journeys/digital-kompetens/choose", data={"lt": token})  # chosen already
    [statement] = _assigned(app)
    with get_database(app).session() as session:
        assignment_id = session.scalars(select(Assignment.id)).one()
    assert statement["actor"]["account"]["name"] == "learner-6"
    assert statement["context"]["extensions"][EXT + "assignment"] == {
        "level": "self-chosen",
        "due": None,
        "id": assignment_id,
    }


def test_self_chosen_assignment_follows_the_organisations_pseudonyms(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        org = session.get_one(Organization, published_journey.organization_id)
        org.xapi_pseudonymise = True
        session.commit()
    token = session_token(launcher.launch(sub="learner-7"))
    client.post("/journeys/digital-kompetens/choose", data={"lt": token})
    [statement] = _assigned(app)
    name = statement["actor"]["account"]["name"]
    assert name != "learner-7" and len(name) == 64


def test_copied_journey_names_its_origin(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        source = create_journey(session, registration.organization_id, sample_document())
        publish(session, source)
        copy = copy_journey(session, source, registration.organization_id, slug="min-kopia")
        publish(session, copy)
        source_key, copy_id = source.key, copy.id
    _assign(app, copy_id, AssignmentLevel.ORGANIZATION)
    [statement] = _assigned(app)
    journey = statement["context"]["extensions"][EXT + "journey"]
    assert journey["slug"] == "min-kopia"
    assert journey["origin"] == f"{TOOL_URL}/xapi/activities/journeys/{source_key}"
    assert journey["origin_slug"] == "digital-kompetens"


def test_a_refused_assignment_records_nothing(app: Flask, published_journey: Journey) -> None:
    _assign(app, published_journey.id, AssignmentLevel.ORGANIZATION)
    with pytest.raises(JourneyConflictError):
        _assign(app, published_journey.id, AssignmentLevel.ORGANIZATION)
    assert len(_assigned(app)) == 1
