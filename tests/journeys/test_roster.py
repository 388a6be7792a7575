"""The course roster from the platform's Names and Role Provisioning Service, over real HTTP."""

from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.cli.lti import roster_worker
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.models import Journey
from lti_tool.lti import services
from lti_tool.lti.outbound import OutboundPolicy, parse_networks
from lti_tool.lti.services import AccessTokens
from lti_tool.tenancy import roster_worker as roster_worker_module
from lti_tool.tenancy.models import Context
from lti_tool.tenancy.roster_models import RosterRefresh
from lti_tool.tenancy.roster_worker import RosterOptions, RosterWorker
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, LEARNER, launch_token
from tests.support.platform import TestPlatform
from tests.support.slow_server import drip_body, slow_server
from xapi.bounded_http import Limits

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
# The pages speak Swedish by default: "the course roster is being fetched".
FETCHING = "Kurslistan hämtas från lärplattformen"


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


def _teacher(launcher: Launcher, platform: TestPlatform, nrps_url: str | None = None) -> str:
    service = {
        "context_memberships_url": nrps_url or platform.base_url + "/nrps",
        "service_versions": ["2.0"],
    }
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


def _page(client: FlaskClient, app: Flask, token: str) -> str:
    url = f"/courses/{_course(app)}/journeys/digital-kompetens"
    response = client.get(url, query_string={"lt": token})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _refresh(app: Flask) -> RosterRefresh:
    with get_database(app).session() as session:
        return session.scalars(select(RosterRefresh)).one()


def test_roster_button_only_queues_and_the_worker_fetches(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    base = f"/courses/{_course(app)}/journeys/digital-kompetens"
    queued = client.post(base + "/roster", data={"lt": token})
    assert queued.status_code == 303, queued.get_data(as_text=True)
    assert roster_platform.token_requests == []  # the request did not call the platform
    assert FETCHING in client.get(queued.headers["Location"]).get_data(as_text=True)
    assert roster_worker(app).drain().fetched == 1
    page = _page(client, app, token)
    assert "Nils Nykomling" in page and "Lo Andra" in page
    assert "Lämnat" not in page  # inactive members are left out
    assert "Tove Lärare" not in page  # instructors are not learners
    form = roster_platform.token_requests[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"].endswith("jwt-bearer")
    assert "contextmembership.readonly" in form["scope"]


def test_roster_access_token_is_reused_until_it_expires(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    url = f"/courses/{_course(app)}/journeys/digital-kompetens/roster"
    worker = roster_worker(app)
    for _ in range(2):
        assert client.post(url, data={"lt": token}).status_code == 303
        worker.drain()
    assert worker.totals.fetched == 2
    assert len(roster_platform.token_requests) == 1


def test_roster_failure_is_shown_translated_with_the_next_attempt(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    roster_platform.refuse_tokens = True
    token = _teacher(launcher, roster_platform)
    _page(client, app, token)
    assert roster_worker(app).drain().failed == 1
    refresh = _refresh(app)
    assert refresh.error_code == "token_refused" and refresh.next_attempt_at is not None
    page = _page(client, app, token)
    assert "lärplattformen nekade verktyget åtkomst" in page
    assert f"försöker igen efter {refresh.next_attempt_at:%Y-%m-%d %H:%M} UTC" in page
    # The platform's own words, for the course's staff (never in the log).
    assert "Lärplattformen svarade: The platform refused an access token (HTTP 400)" in page


def test_roster_failure_logs_the_status_only_and_keeps_the_reason_for_the_page(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = "Maja\x00 Lärare\nmay not see token abc123 " + "x" * 1000

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise services.ServiceError(f"The platform refused (HTTP 403): {words}", "refused", 403)

    monkeypatch.setattr(roster_worker_module, "refresh_roster", refuse)
    token = _teacher(launcher, roster_platform)
    _page(client, app, token)
    caplog.set_level("INFO")
    assert roster_worker(app).drain().failed == 1
    assert "(attempt 1, refused, HTTP 403)" in caplog.text
    assert "Maja" not in caplog.text and "abc123" not in caplog.text
    error = _refresh(app).error
    assert error is not None and len(error) == 500
    assert error.startswith("The platform refused (HTTP 403): Maja Lärare may not see token abc123")
    assert "Lärplattformen svarade: The platform refused (HTTP 403): Maja Lärare" in _page(
        client, app, token
    )


def test_roster_failure_is_not_retried_by_later_visits_before_its_back_off(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    roster_platform.refuse_tokens = True
    token = _teacher(launcher, roster_platform)
    _page(client, app, token)
    worker = roster_worker(app)
    worker.drain()
    for _ in range(3):
        _page(client, app, token)
        worker.drain()
    assert len(roster_platform.token_requests) == 1
    later = RosterWorker(
        worker.factory,
        worker.tokens,
        worker.key,
        recording=worker.recording,
        clock=lambda: utcnow() + timedelta(hours=7),
    )
    roster_platform.refuse_tokens = False
    assert later.drain().fetched == 1
    assert "Nils Nykomling" in _page(client, app, token)


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


def test_roster_first_visit_queues_a_fetch_without_calling_the_platform(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    first = _page(client, app, token)
    assert FETCHING in first and "Nils Nykomling" not in first
    assert roster_platform.token_requests == []
    roster_worker(app).drain()
    assert "Nils Nykomling" in _page(client, app, token)
    _page(client, app, token)
    assert roster_worker(app).drain().fetched == 0  # later visits use the kept roster
    assert len(roster_platform.token_requests) == 1


def test_roster_page_stays_fast_while_the_worker_gives_a_dripping_platform_up(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    with slow_server(drip_body, interval=0.1) as server:
        token = _teacher(launcher, roster_platform, nrps_url=server.url + "/nrps")
        # The platform would take hours to send its roster; bounds of seconds prove no one waits
        # for it, and leave room for a loaded machine.
        started = time.monotonic()
        _page(client, app, token)
        assert time.monotonic() - started < 5.0
        policy = OutboundPolicy(
            allowed_networks=parse_networks("127.0.0.0/8"),
            limits=Limits(deadline_seconds=1.0, read_timeout_seconds=5.0),
        )
        worker = roster_worker(app)
        slow = RosterWorker(
            worker.factory,
            AccessTokens(policy),
            worker.key,
            RosterOptions(deadline_seconds=1.0),
            recording=worker.recording,
        )
        started = time.monotonic()
        assert slow.drain().failed == 1
        assert time.monotonic() - started < 5.0  # the 1 s deadline, not the platform's hours
    assert _refresh(app).error_code == "unreachable"


def test_roster_worker_leases_a_course_to_one_worker_at_a_time(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = _teacher(launcher, roster_platform)
    _page(client, app, token)
    first, second = roster_worker(app), roster_worker(app)
    assert first._lease() == [_course(app)]
    assert second.run_once() == 0  # the course is held by the first worker
    assert roster_platform.token_requests == []


def test_roster_larger_than_the_member_cap_is_refused(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    roster_platform: TestPlatform,
    published_journey: Journey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "MAX_MEMBERS", 2)
    token = _teacher(launcher, roster_platform)
    _page(client, app, token)
    assert roster_worker(app).drain().failed == 1
    assert _refresh(app).error_code == "too_large"
    assert "kurslistan är större än vad verktyget tar emot" in _page(client, app, token)
