"""Who, where and which journey in every journey statement: unit, role, preview and journey."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from lti_tool.db import get_database
from lti_tool.journeys.authoring import copy_journey, create_journey, journey_by_slug, publish
from lti_tool.journeys.events import Scene
from lti_tool.journeys.models import Enrollment, Journey, Visibility
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Context, Person, Unit
from lti_tool.tenancy.services import add_organization
from tests.conftest import TOOL_URL, Launcher
from tests.journeys.conftest import INSTRUCTOR, LIS, launch_token, sample_document
from tests.journeys.test_player_views import recorded

BASE = "/journeys/digital-kompetens"
NS = "https://w3id.org/xapi/lti-journeys"
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"


def _ext(statement: dict[str, Any], key: str) -> Any:
    return statement["context"]["extensions"].get(f"{NS}/extensions/{key}")


def _open(client: FlaskClient, token: str) -> None:
    client.get(BASE, query_string={"lt": token})


def _first_journey_statement(app: Flask) -> dict[str, Any]:
    return next(s for s in recorded(app) if not s["verb"]["id"].endswith("/launched"))


def _verbs(app: Flask) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in recorded(app)]


def _set_code(app: Flask, code: str | None) -> None:
    with get_database(app).session() as session:
        session.scalars(select(Unit)).one().school_unit_code = code
        session.commit()


def test_journey_statement_groups_by_journey_course_and_unit_without_code(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher, custom={"journey": "digital-kompetens", "unit": "Ek"}))
    statement = _first_journey_statement(app)
    with get_database(app).session() as session:
        unit_id = session.scalars(select(Unit.id)).one()
        course_id = session.scalars(select(Context.id)).one()
    groupings = statement["context"]["contextActivities"]["grouping"]
    assert [g["id"] for g in groupings] == [
        f"{TOOL_URL}/xapi/activities/journeys/{published_journey.key}",
        f"{TOOL_URL}/xapi/activities/lms-contexts/{course_id}",
        f"{TOOL_URL}/xapi/activities/units/{unit_id}",
    ]
    assert groupings[2]["definition"]["type"] == f"{NS}/activity-types/school-unit"
    assert "extensions" not in groupings[2]["definition"]
    assert _ext(statement, "unit") == {"id": unit_id, "name": "Ek", "code": None}


def test_journey_statement_names_the_unit_by_its_school_unit_code(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    custom = {"journey": "digital-kompetens", "unit": "Ek"}
    launch_token(launcher, custom=custom, sub="someone-else")
    _set_code(app, "12345678")
    _open(client, launch_token(launcher, custom=custom))
    statement = _first_journey_statement(app)
    unit = statement["context"]["contextActivities"]["grouping"][-1]
    assert unit["id"] == f"{NS}/school-units/12345678"
    assert unit["definition"]["name"] == {"sv-SE": "Ek"}
    assert unit["definition"]["extensions"] == {f"{NS}/extensions/school-unit-code": "12345678"}
    assert _ext(statement, "unit")["code"] == "12345678"


def test_journey_statement_carries_the_learners_role(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher))
    assert _ext(_first_journey_statement(app), "role") == {
        "role": "learner",
        "lis": [LIS + "membership#Learner"],
        "preview": False,
    }


def test_journey_statement_language_is_the_versions(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher, launch_presentation={"locale": "en-GB"}))
    statements = recorded(app)
    assert statements[0]["context"]["language"] == "en-US"  # the launch: the interface's
    assert statements[1]["context"]["language"] == "sv-SE"  # the journey: its version's


def test_instructor_rating_carries_the_instructors_role(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher, sub="learner-1"))
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    with get_database(app).session() as session:
        enrollment_id = session.scalars(select(Enrollment.id)).one()
        course_id = session.scalars(select(Context.id)).one()
    response = client.post(
        f"/courses/{course_id}/journeys/digital-kompetens/learners/{enrollment_id}/ratings",
        data={"lt": teacher, "goal-goal-ai": "3"},
    )
    assert response.status_code == 303
    rated = [s for s in recorded(app) if s["verb"]["id"].endswith("/rated")]
    assert _ext(rated[-1], "role") == {"role": "instructor", "lis": INSTRUCTOR, "preview": False}


def test_staff_opening_a_journey_records_previewed_not_initialized(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher, roles=INSTRUCTOR))
    assert _verbs(app) == ["launched", "previewed"]
    statement = _first_journey_statement(app)
    assert statement["object"]["id"] == (
        f"{TOOL_URL}/xapi/activities/journeys/{published_journey.key}"
    )
    assert _ext(statement, "role") == {"role": "instructor", "lis": INSTRUCTOR, "preview": True}


def test_a_test_student_is_a_preview(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, roles=[LIS + "membership#Learner", TEST_USER])
    _open(client, token)
    client.get(BASE + "/steps/step-read", query_string={"lt": token, "skip": "1"})
    assert _verbs(app)[:2] == ["launched", "previewed"]
    later = recorded(app)[2:]
    assert later and all(_ext(s, "role")["preview"] is True for s in later)
    assert all(_ext(s, "role")["role"] == "learner" for s in later)


def test_a_learner_opening_a_journey_records_initialized(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher))
    assert _verbs(app) == ["launched", "initialized"]


def test_journey_extension_of_an_own_journey_has_no_origin(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _open(client, launch_token(launcher))
    assert _ext(_first_journey_statement(app), "journey") == {
        "slug": "digital-kompetens",
        "key": published_journey.key,
        "origin": None,
        "origin_slug": None,
    }


@pytest.fixture
def copied_journey(app: Flask, registration: Registration) -> tuple[Journey, Journey]:
    """``digital-kompetens`` of org-a, copied from the shared ``bibliotek-resa`` of org-b."""
    with get_database(app).session() as session:
        library = add_organization(session, "org-b", "Organisation B")
        source = create_journey(session, library.id, sample_document(slug="bibliotek-resa"))
        source.visibility = Visibility.SHARED
        publish(session, source)
        copy = copy_journey(session, source, registration.organization_id, "digital-kompetens")
        publish(session, copy)
        copy = journey_by_slug(session, registration.organization_id, "digital-kompetens")
        assert copy is not None
        session.expunge_all()
        return source, copy


def test_journey_extension_names_the_library_journey_it_was_copied_from(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    copied_journey: tuple[Journey, Journey],
) -> None:
    source, copy = copied_journey
    _open(client, launch_token(launcher))
    assert _ext(_first_journey_statement(app), "journey") == {
        "slug": "digital-kompetens",
        "key": copy.key,
        "origin": f"{TOOL_URL}/xapi/activities/journeys/{source.key}",
        "origin_slug": "bibliotek-resa",
    }


def test_scene_loads_roles_of_learner_and_instructor_and_the_origin_in_one_query(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    copied_journey: tuple[Journey, Journey],
) -> None:
    _open(client, launch_token(launcher, sub="learner-1"))
    launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    engine = get_database(app).engine
    queries: list[str] = []

    def count(*args: Any) -> None:
        queries.append(args[2])

    with get_database(app).session() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        teacher = session.scalars(select(Person).where(Person.sub == "teacher-1")).one()
        event.listen(engine, "before_cursor_execute", count)
        try:
            scene = Scene.load(session, enrollment, actor=teacher)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(queries) == 1, queries
    assert scene.membership is not None and scene.membership.tool_roles == ["learner"]
    assert scene.actor_membership is not None
    assert scene.actor_membership.tool_roles == ["instructor"]
    assert scene.origin is not None and scene.origin.slug == "bibliotek-resa"
