"""A roster refresh records who joined (``registered``) and who left (``left``) the course."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.cli.lti import roster_worker
from lti_tool.db import get_database
from lti_tool.tenancy.models import Context, Organization
from lti_tool.tenancy.roster import request_refresh
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.support.platform import LIS, TestPlatform
from xapi.lrs.models import Statement

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
LEFT = "http://activitystrea.ms/schema/1.0/leave"
EXT = "https://w3id.org/xapi/lti-journeys/extensions/"
LEARNER = [LIS + "membership#Learner"]
INSTRUCTOR = [LIS + "membership#Instructor"]


@pytest.fixture
def roster_platform(services_platform: TestPlatform) -> TestPlatform:
    """The test platform with two active members and one listed as inactive."""
    services_platform.roster = [
        {"user_id": "teacher-1", "name": "Tove Lärare", "roles": INSTRUCTOR},
        {"user_id": "learner-1", "name": "Lo Första", "roles": LEARNER},
        {"user_id": "gone-1", "name": "Gunnar Borta", "roles": LEARNER, "status": "Inactive"},
    ]
    return services_platform


@pytest.fixture
def course(app: Flask, launcher: Launcher, roster_platform: TestPlatform) -> int:
    """The course the teacher launched from, with its roster service; its id."""
    service = {
        "context_memberships_url": roster_platform.base_url + "/nrps",
        "service_versions": ["2.0"],
    }
    session_token(launcher.launch(roles=INSTRUCTOR, sub="teacher-1", **{NRPS: service}))
    with get_database(app).session() as session:
        return session.scalars(select(Context.id)).one()


def _refresh(app: Flask, context_id: int) -> None:
    with get_database(app).session() as session:
        request_refresh(session, session.get_one(Context, context_id))
        session.commit()
    assert roster_worker(app).drain().fetched == 1


def _statements(app: Flask, *verbs: str) -> list[dict[str, Any]]:
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement).order_by(Statement.seq))
        return [row.full for row in rows if row.full["verb"]["id"] in verbs]


def _by_member(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["actor"]["account"]["name"]: s for s in statements}


def test_first_refresh_registers_each_active_member_in_the_course(
    app: Flask, course: int, roster_platform: TestPlatform
) -> None:
    _refresh(app, course)
    registered = _by_member(_statements(app, REGISTERED))
    assert sorted(registered) == ["learner-1", "teacher-1"]
    statement = registered["learner-1"]
    assert statement["actor"]["account"]["homePage"] == roster_platform.issuer
    assert statement["object"]["id"] == f"{TOOL_URL}/xapi/activities/lms-contexts/{course}"
    assert statement["object"]["definition"]["name"] == {"sv-SE": "Digital kompetens"}
    assert statement["context"]["extensions"][EXT + "role"] == {
        "role": "learner",
        "lis": LEARNER,
        "preview": False,
    }


def test_registered_carries_organisation_and_platform(
    app: Flask, course: int, roster_platform: TestPlatform
) -> None:
    _refresh(app, course)
    extensions = _by_member(_statements(app, REGISTERED))["teacher-1"]["context"]["extensions"]
    assert extensions[EXT + "organization"]["slug"] == "org-a"
    assert extensions[EXT + "platform"] == {
        "issuer": roster_platform.issuer,
        "client_id": roster_platform.client_id,
        "deployment_id": roster_platform.deployment_id,
    }
    assert extensions[EXT + "role"]["role"] == "instructor"


def test_a_refresh_that_finds_the_same_roster_records_nothing(app: Flask, course: int) -> None:
    _refresh(app, course)
    before = len(_statements(app, REGISTERED, LEFT))
    _refresh(app, course)
    assert len(_statements(app, REGISTERED, LEFT)) == before == 2


def test_members_gone_or_inactive_have_left_and_newcomers_are_registered(
    app: Flask, course: int, roster_platform: TestPlatform
) -> None:
    _refresh(app, course)
    roster_platform.roster = [
        {"user_id": "teacher-1", "name": "Tove Lärare", "roles": INSTRUCTOR},
        {"user_id": "learner-1", "name": "Lo Första", "roles": LEARNER, "status": "Deleted"},
        {"user_id": "learner-2", "name": "Lo Andra", "roles": LEARNER},
    ]
    _refresh(app, course)
    left = _by_member(_statements(app, LEFT))
    assert sorted(left) == ["learner-1"]
    assert left["learner-1"]["context"]["extensions"][EXT + "role"]["lis"] == LEARNER
    assert sorted(_by_member(_statements(app, REGISTERED))) == [
        "learner-1",
        "learner-2",
        "teacher-1",
    ]


def test_a_member_no_longer_listed_has_left_with_their_tool_role(
    app: Flask, course: int, roster_platform: TestPlatform
) -> None:
    _refresh(app, course)
    roster_platform.roster = [roster_platform.roster[1]]
    _refresh(app, course)
    left = _by_member(_statements(app, LEFT))
    assert sorted(left) == ["teacher-1"]
    assert left["teacher-1"]["context"]["extensions"][EXT + "role"] == {
        "role": "instructor",
        "preview": False,
    }


def test_roster_statements_use_the_same_pseudonym_as_launches(
    app: Flask, launcher: Launcher, roster_platform: TestPlatform
) -> None:
    with get_database(app).session() as session:
        for org in session.scalars(select(Organization)):
            org.xapi_pseudonymise = True
        session.commit()
    service = {"context_memberships_url": roster_platform.base_url + "/nrps"}
    session_token(launcher.launch(roles=INSTRUCTOR, sub="teacher-1", **{NRPS: service}))
    with get_database(app).session() as session:
        context_id = session.scalars(select(Context.id)).one()
    _refresh(app, context_id)
    [launched] = _statements(app, "http://adlnet.gov/expapi/verbs/launched")
    registered = _by_member(_statements(app, REGISTERED))
    assert launched["actor"]["account"]["name"] in registered
    assert "teacher-1" not in registered
