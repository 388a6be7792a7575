"""Visits of a journey's pages: the leave beacon records suspended or terminated, timed by the server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lti_tool.db import get_database
from lti_tool.journeys import visits
from lti_tool.journeys.models import Enrollment, Journey, JourneyVisit
from lti_tool.lti.session_token import COOKIE
from tests.conftest import Launcher
from tests.journeys.conftest import launch_token
from xapi.lrs.models import Statement

OVERVIEW = "/journeys/digital-kompetens"
LEAVE = OVERVIEW + "/leave"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LEFT_VERBS = ("suspended", "terminated")


class Clock:
    """The server's clock for visits, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moved = Clock()
    monkeypatch.setattr(visits, "utcnow", moved)
    yield moved


def left_statements(app: Flask) -> list[dict[str, Any]]:
    """The suspended and terminated statements in the embedded LRS, oldest first."""
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement.full).order_by(Statement.seq))
        return [s for s in rows if s["verb"]["id"].rsplit("/", 1)[-1] in LEFT_VERBS]


def open_page(client: FlaskClient, token: str, path: str = OVERVIEW) -> str:
    """A journey page's visit key (the page must carry the leave script)."""
    response = client.get(path, query_string={"lt": token, "skip": "1"})
    assert response.status_code == 200, response.get_data(as_text=True)
    match = re.search(r'data-visit="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page carries no visit"
    return match.group(1)


def test_journey_page_carries_the_leave_script_with_its_tokens(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    page = client.get(OVERVIEW, query_string={"lt": token, "skip": "1"}).get_data(as_text=True)
    script = re.search(r"<script [^>]*data-journey-visit[^>]*>", page)
    assert script is not None
    assert f'data-lt="{token}"' in script.group(0)
    assert re.search(r'data-csrf="[^"]+"', script.group(0))
    assert 'data-leave-url="/journeys/digital-kompetens/leave"' in script.group(0)


def test_pages_of_one_visit_share_its_key(
    client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    first = open_page(client, token)
    clock.advance(minutes=5)
    assert open_page(client, token, OVERVIEW + "/steps/step-read") == first


def test_page_after_an_idle_hour_starts_a_new_visit(
    client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    first = open_page(client, token)
    clock.advance(hours=1, seconds=1)
    assert open_page(client, token) != first


def test_leave_without_session_token_is_refused(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    key = open_page(client, launch_token(launcher))
    client.delete_cookie(COOKIE)
    response = client.post(LEAVE, data={"visit": key})
    assert 400 <= response.status_code < 500
    assert left_statements(app) == []


def test_leave_without_form_token_is_refused(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    key = open_page(client, token)
    response = client.post(LEAVE, data={"lt": token, "visit": key, "csrf_token": ""})
    assert response.status_code == 403
    assert left_statements(app) == []


def test_leave_records_suspended_with_the_servers_duration(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    key = open_page(client, token)
    clock.advance(minutes=10)
    open_page(client, token, OVERVIEW + "/steps/step-read")
    clock.advance(minutes=15, seconds=30)
    # A duration the page might claim is not read.
    response = client.post(LEAVE, data={"lt": token, "visit": key, "duration": "PT9H"})
    assert response.status_code == 204
    [statement] = left_statements(app)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/suspended"
    assert statement["object"]["id"] == "http://tool.test/xapi/activities/journeys/" + str(
        published_journey.key
    )
    assert statement["result"]["duration"] == "PT25M30S"


def test_leave_records_terminated_when_the_journey_is_completed(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    key = open_page(client, token)
    with get_database(app).session() as session:
        session.execute(update(Enrollment).values(completed_at=T0))
        session.commit()
    clock.advance(minutes=3)
    assert client.post(LEAVE, data={"lt": token, "visit": key}).status_code == 204
    [statement] = left_statements(app)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/terminated"
    assert statement["result"]["duration"] == "PT3M0S"


def test_second_beacon_of_a_visit_is_ignored(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    key = open_page(client, token)
    clock.advance(minutes=1)
    client.post(LEAVE, data={"lt": token, "visit": key})
    clock.advance(minutes=1)
    second = client.post(LEAVE, data={"lt": token, "visit": key})
    assert second.status_code == 204
    assert len(left_statements(app)) == 1


def test_page_after_leaving_starts_a_new_visit(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey, clock: Clock
) -> None:
    token = launch_token(launcher)
    key = open_page(client, token)
    client.post(LEAVE, data={"lt": token, "visit": key})
    clock.advance(seconds=5)
    assert open_page(client, token) != key
    with get_database(app).session() as session:
        assert len(session.scalars(select(JourneyVisit)).all()) == 2


def test_leave_refuses_another_persons_visit(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    someone_else = open_page(client, launch_token(launcher))
    token = launch_token(launcher)
    open_page(client, token)
    response = client.post(LEAVE, data={"lt": token, "visit": someone_else})
    assert response.status_code == 404
    assert left_statements(app) == []
    with get_database(app).session() as session:
        ended = session.scalar(
            select(JourneyVisit.ended_at).where(JourneyVisit.key == someone_else)
        )
    assert ended is None


def test_visit_duration_ends_at_most_an_idle_limit_after_the_last_page() -> None:
    visit = JourneyVisit(started_at=T0, last_seen_at=T0 + timedelta(minutes=20))
    assert visits.visit_duration(visit, T0 + timedelta(hours=3)) == timedelta(minutes=80)


def test_visit_duration_is_capped() -> None:
    visit = JourneyVisit(started_at=T0, last_seen_at=T0 + timedelta(hours=6))
    assert visits.visit_duration(visit, T0 + timedelta(hours=6, minutes=1)) == visits.DURATION_CAP
