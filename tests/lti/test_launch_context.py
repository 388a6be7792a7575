"""The launch statement's context: the school unit grouping, its code, and the person's role."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.tenancy.models import Context, Unit
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.lti.test_launch_recording import _statements

NS = "https://w3id.org/xapi/lti-journeys"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"


def _launched(app: Flask) -> dict[str, Any]:
    full: dict[str, Any] = _statements(app)[-1].full
    return full


def _ext(statement: dict[str, Any], key: str) -> Any:
    return statement["context"]["extensions"].get(f"{NS}/extensions/{key}")


def _ids(app: Flask) -> tuple[int, int]:
    with get_database(app).session() as session:
        return session.scalars(select(Context.id)).one(), session.scalars(select(Unit.id)).one()


def test_launch_groups_by_course_then_unit_by_id_without_code(
    launcher: Launcher, app: Flask
) -> None:
    session_token(launcher.launch(custom={"unit": "Norrskolan"}))
    statement = _launched(app)
    course_id, unit_id = _ids(app)
    groupings = statement["context"]["contextActivities"]["grouping"]
    assert [g["id"] for g in groupings] == [
        f"{TOOL_URL}/xapi/activities/lms-contexts/{course_id}",
        f"{TOOL_URL}/xapi/activities/units/{unit_id}",
    ]
    assert groupings[1]["definition"] == {
        "type": f"{NS}/activity-types/school-unit",
        "name": {"sv-SE": "Norrskolan"},
    }
    assert _ext(statement, "unit") == {"id": unit_id, "name": "Norrskolan", "code": None}


def test_launch_groups_by_the_school_unit_code_when_set(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch(custom={"unit": "Norrskolan", "unit_code": "12345678"}))
    statement = _launched(app)
    unit = statement["context"]["contextActivities"]["grouping"][-1]
    assert unit["id"] == f"{NS}/school-units/12345678"
    assert unit["definition"]["extensions"] == {f"{NS}/extensions/school-unit-code": "12345678"}
    assert _ext(statement, "unit")["code"] == "12345678"


def test_launch_without_unit_has_no_unit_grouping(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch())
    statement = _launched(app)
    types = [g["definition"]["type"] for g in statement["context"]["contextActivities"]["grouping"]]
    assert types == [f"{NS}/activity-types/lms-context"]
    assert _ext(statement, "unit") is None


def test_launch_carries_a_learners_role(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch())
    assert _ext(_launched(app), "role") == {
        "role": "learner",
        "lis": [LIS + "membership#Learner"],
        "preview": False,
    }


def test_launch_by_an_instructor_names_the_highest_role_and_is_a_preview(
    launcher: Launcher, app: Flask
) -> None:
    roles = [LIS + "membership#Instructor", LIS + "membership#ContentDeveloper"]
    session_token(launcher.launch(roles=roles))
    assert _ext(_launched(app), "role") == {"role": "instructor", "lis": roles, "preview": True}


def test_launch_by_a_test_student_is_a_preview(launcher: Launcher, app: Flask) -> None:
    roles = [LIS + "membership#Learner", TEST_USER]
    session_token(launcher.launch(roles=roles))
    assert _ext(_launched(app), "role") == {"role": "learner", "lis": roles, "preview": True}
