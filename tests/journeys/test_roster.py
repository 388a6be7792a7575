"""The course roster from the platform's Names and Role Provisioning Service, over real HTTP."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys.models import Journey
from lti_tool.tenancy.models import Context
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, LEARNER, launch_token
from tests.support.platform import TestPlatform

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


@pytest.fixture
def roster_platform(services_platform: TestPlatform) -> TestPlatform:
    """The test platform with a roster of three active members and one who left."""
    services_platform.roster = [
        {"user_id": "never-launched", "name": "Nils Nykomling", "roles": LEARNER},
        {"user_id": "teacher-1", "name": "Tove Lärare", "roles": INSTRUCTOR},
        {"user_id": "left", "name": "Lämnat", "roles": LEARNER, "status": "Inactive"},
        {"user_id": "learner-2", "name": "Lo Andra", "roles": LEARNER},
    ]
    return services_platform


def _teacher(launcher: Launcher, platform: TestPlatform) -> str:
    service = {"context_memberships_url": platform.base_url + "/nrps", "service_versions": ["2.0"]}
    return launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1", **{NRPS: service})


def _course(app: Flask) -> int:
    with get_database(app).session() as session:
        return session.scalars(select(Context.id)).one()


def test_the_launch_keeps_the_courses_roster_service(
    app: Flask, launcher: Launcher, roster_platform: TestPlatform, published_journey: Journey
) -> None:
    _teacher(launcher, roster_platform)
    with get_database(app).session() as session:
        context = session.scalars(select(Context)).one()
    assert context.nrps_url == roster_platform.base_url + "/nrps"


def test_fetching_the_roster_lists_learners_who_never_launched(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    course = _course(app)
    base = f"/courses/{course}/journeys/digital-kompetens"
    fetched = client.post(base + "/roster", data={"lt": token})
    assert fetched.status_code == 303, fetched.get_data(as_text=True)
    page = client.get(fetched.headers["Location"]).get_data(as_text=True)
    assert "Nils Nykomling" in page and "Lo Andra" in page
    assert "Lämnat" not in page  # inactive members are left out
    assert "Tove Lärare" not in page  # instructors are not learners
    form = roster_platform.token_requests[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"].endswith("jwt-bearer")
    assert "contextmembership.readonly" in form["scope"]


def test_the_access_token_is_reused_until_it_expires(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    url = f"/courses/{_course(app)}/journeys/digital-kompetens/roster"
    assert client.post(url, data={"lt": token}).status_code == 303
    assert client.post(url, data={"lt": token}).status_code == 303
    assert len(roster_platform.token_requests) == 1


def test_a_refused_token_gives_a_clear_error_and_keeps_the_table(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    roster_platform.refuse_tokens = True
    token = _teacher(launcher, roster_platform)
    response = client.post(
        f"/courses/{_course(app)}/journeys/digital-kompetens/roster", data={"lt": token}
    )
    assert response.status_code == 502
    assert "invalid_client" in response.get_data(as_text=True)


def test_learners_cannot_fetch_the_roster(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher)
    response = client.post(
        f"/courses/{_course(app)}/journeys/digital-kompetens/roster", data={"lt": token}
    )
    assert response.status_code == 403


def test_the_first_visit_of_the_table_fetches_the_roster(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    url = f"/courses/{_course(app)}/journeys/digital-kompetens"
    first = client.get(url, query_string={"lt": token}).get_data(as_text=True)
    assert "Nils Nykomling" in first
    client.get(url, query_string={"lt": token})
    assert len(roster_platform.token_requests) == 1  # later visits use the kept roster


def test_a_failing_first_fetch_still_shows_the_table_with_the_reason(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    roster_platform.refuse_tokens = True
    token = _teacher(launcher, roster_platform)
    page = client.get(
        f"/courses/{_course(app)}/journeys/digital-kompetens", query_string={"lt": token}
    )
    assert page.status_code == 200
    assert "invalid_client" in page.get_data(as_text=True)
