"""A learner's journey in the platform's gradebook: scores queued by the player, sent over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.cli.lti import passback_worker
from lti_tool.db import get_database
from lti_tool.journeys import player, submissions
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.models import Journey
from lti_tool.lti.ags import SCOPE_LINEITEM, SCOPE_SCORE
from lti_tool.lti.models import ScoreState, ScoreSubmission
from lti_tool.lti.runtime import get_runtime
from lti_tool.tenancy.models import ResourceLink
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token, sample_document
from tests.support.platform import TestPlatform
from xapi.lrs.models import Statement

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
BASE = "/journeys/digital-kompetens"
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


@pytest.fixture
def ags_platform(services_platform: TestPlatform) -> TestPlatform:
    """The test platform with its token URL registered and no line items or scores yet."""
    return services_platform


def ags_claim(platform: TestPlatform, *, lineitem: bool = True, manage: bool = True) -> Any:
    claim: dict[str, Any] = {"scope": [SCOPE_SCORE] + ([SCOPE_LINEITEM] if manage else [])}
    if manage:
        claim["lineitems"] = platform.base_url + "/lineitems?course=1"
    if lineitem:
        claim["lineitem"] = platform.base_url + "/lineitems/launch-item?type_id=7"
    return claim


def send(app: Flask) -> None:
    with app.app_context():
        passback_worker(app).drain()


def do_first_step(client: FlaskClient, token: str) -> None:
    client.get(BASE, query_string={"lt": token, "skip": "1"})
    assert client.get(BASE + "/steps/step-read", query_string={"lt": token}).status_code == 200


def test_opening_the_journey_tells_the_platform_the_learner_has_begun(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    client.get(BASE, query_string={"lt": token})
    send(app)
    [score] = ags_platform.scores
    assert score["userId"] == "learner-1"
    assert score["activityProgress"] == "Initialized"
    assert score["gradingProgress"] == "NotReady"
    assert "scoreGiven" not in score


def test_a_done_step_posts_the_running_score_to_the_launchs_line_item(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    do_first_step(client, token)
    send(app)
    score = ags_platform.scores[-1]
    assert score["activityProgress"] == "InProgress"
    assert score["gradingProgress"] == "Pending"
    assert score["scoreGiven"] == 25.0 and score["scoreMaximum"] == 100
    assert score["lineitem"] == "/lineitems/launch-item"
    request = ags_platform.score_requests[-1]
    # The line item's query string is kept after /scores (Moodle's line items carry one).
    assert request["path"] == "/lineitems/launch-item/scores?type_id=7"
    assert request["content_type"] == "application/vnd.ims.lis.v1.score+json"
    token_form = ags_platform.token_requests[-1]
    assert token_form["scope"] == SCOPE_SCORE


def test_a_completed_journey_is_fully_graded(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    do_first_step(client, token)
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    client.post(
        BASE + "/steps/step-quiz/quiz", data={"lt": token, "q-q1": "a", "q-q2": "true", "q-q3": "4"}
    )
    client.post(
        BASE + "/steps/step-task/evidence",
        data={"lt": token, "kind": "link", "url": "https://docs.example.test/plan"},
    )
    send(app)
    score = ags_platform.scores[-1]
    # The knowledge check counts with its result (two of three right) until it is passed.
    assert score["scoreGiven"] == pytest.approx(100 * (3 + 2 / 3) / 4, abs=0.01)
    client.post(
        BASE + "/steps/step-quiz/quiz",
        data={"lt": token, "q-q1": "b", "q-q2": "true", "q-q3": "4"},
    )
    send(app)
    score = ags_platform.scores[-1]
    assert score["scoreGiven"] == 100.0
    assert score["gradingProgress"] == "FullyGraded"
    # The closing self-assessment is still open.
    assert score["activityProgress"] == "Submitted"
    ended = client.post(
        BASE + "/self-assessment",
        data={
            "lt": token,
            "phase": "end",
            "goal-goal-ai": "4",
            "goal-goal-ai-sources": "3",
            "goal-goal-feedback": "4",
        },
    )
    assert ended.status_code == 303
    send(app)
    assert ags_platform.scores[-1]["activityProgress"] == "Completed"


def test_the_tool_creates_the_line_item_when_the_launch_names_none(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    claim = ags_claim(ags_platform, lineitem=False)
    token = launch_token(launcher, sub="learner-1", **{AGS: claim})
    do_first_step(client, token)
    send(app)
    [item] = ags_platform.lineitems
    assert item["resourceLinkId"] == "link-1"
    assert item["scoreMaximum"] == 100
    assert item["tag"] == "lti-journeys"
    assert item["label"] == "Digital kompetens i undervisningen"
    assert ags_platform.scores[-1]["lineitem"] == item["id"].removeprefix(ags_platform.base_url)
    with get_database(app).session() as session:
        assert session.scalars(select(ResourceLink.lineitem_url)).one() == item["id"]


def test_an_existing_line_item_of_the_link_is_found_not_duplicated(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    ags_platform.lineitems.append(
        {"id": ags_platform.base_url + "/lineitems/made-by-teacher", "resourceLinkId": "link-1"}
    )
    token = launch_token(
        launcher, sub="learner-1", **{AGS: ags_claim(ags_platform, lineitem=False)}
    )
    do_first_step(client, token)
    send(app)
    assert len(ags_platform.lineitems) == 1
    assert ags_platform.scores[-1]["lineitem"] == "/lineitems/made-by-teacher"


def test_instructors_get_no_scores(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, roles=INSTRUCTOR, **{AGS: ags_claim(ags_platform)})
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    with get_database(app).session() as session:
        assert session.scalars(select(ScoreSubmission)).all() == []


def test_a_platform_without_the_score_scope_gets_no_scores(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    claim: dict[str, Any] = {
        "scope": [SCOPE_LINEITEM],
        "lineitems": ags_platform.base_url + "/lineitems",
    }
    token = launch_token(launcher, **{AGS: claim})
    do_first_step(client, token)
    with get_database(app).session() as session:
        assert session.scalars(select(ScoreSubmission)).all() == []


def test_a_platform_outage_keeps_the_score_for_a_later_attempt(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    ags_platform.score_status = 503
    do_first_step(client, token)
    send(app)
    assert ags_platform.scores == []
    with get_database(app).session() as session:
        row = session.scalars(select(ScoreSubmission)).one()
        assert row.state == ScoreState.PENDING
        assert row.attempts == 1 and row.next_attempt_at is not None
        assert "503" in (row.error or "")
        row.next_attempt_at = None
        session.commit()
    ags_platform.score_status = 200
    send(app)
    assert ags_platform.scores[-1]["activityProgress"] == "InProgress"
    with get_database(app).session() as session:
        assert session.scalars(select(ScoreSubmission.state)).one() == ScoreState.DELIVERED


def test_a_refused_score_is_kept_with_the_platforms_reason(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    ags_platform.score_status = 422
    do_first_step(client, token)
    send(app)
    with get_database(app).session() as session:
        row = session.scalars(select(ScoreSubmission)).one()
        assert row.state == ScoreState.DEAD
        assert "HTTP 422" in (row.error or "") and "refused by the test platform" in (
            row.error or ""
        )


def test_a_refused_score_is_logged_without_the_platforms_reason(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A platform's reason may name the person: it is kept with the score, not in the log.
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    ags_platform.score_status = 422
    do_first_step(client, token)
    caplog.set_level("INFO")
    send(app)
    assert "refused by" in caplog.text
    assert "refused by the test platform" not in caplog.text


def test_grade_sync_only_posts_to_the_launchs_line_item_with_the_score_scope_alone(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    # Moodle's "grade sync only": the score scope and the activity's line item, nothing else.
    claim = ags_claim(ags_platform, manage=False)
    assert claim == {
        "scope": [SCOPE_SCORE],
        "lineitem": ags_platform.base_url + "/lineitems/launch-item?type_id=7",
    }
    token = launch_token(launcher, sub="learner-1", **{AGS: claim})
    do_first_step(client, token)
    send(app)
    assert ags_platform.scores[-1]["lineitem"] == "/lineitems/launch-item"
    assert ags_platform.lineitems == []
    assert {r["scope"] for r in ags_platform.token_requests} == {SCOPE_SCORE}


def test_a_journey_the_link_is_not_bound_to_queues_no_score(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    with get_database(app).session() as session:
        other = create_journey(
            session, published_journey.organization_id, sample_document(slug="annan-resa")
        )
        publish(session, other)
    with app.test_request_context():
        identity = get_runtime(app).tokens.verify(token)
        with get_database(app).session() as session:
            journey = player.find_published_journey(session, identity, "annan-resa")
            enrollment = player.enroll(session, identity, journey)
            state = player.load_state(session, enrollment)
            submissions.open_step(session, state, "step-read")
            assert session.scalars(select(ScoreSubmission)).all() == []


def test_scores_go_to_the_line_item_of_the_link_the_work_is_done_under(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    # First from a course-navigation link without a journey or a line item...
    nav = launch_token(
        launcher,
        sub="learner-1",
        custom=None,
        resource_link={"id": "nav-1"},
        **{AGS: ags_claim(ags_platform, lineitem=False)},
    )
    do_first_step(client, nav)
    # ...then from the instructor's graded assignment link of the journey.
    graded = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    do_first_step(client, graded)
    send(app)
    assert ags_platform.lineitems == []
    assert {s["lineitem"] for s in ags_platform.scores} == {"/lineitems/launch-item"}
    assert ags_platform.scores[-1]["scoreGiven"] == 25.0


def progress_extensions(app: Flask) -> list[int]:
    """The ``progress`` result extension of every ``progressed`` statement, oldest first."""
    with get_database(app).session() as session:
        statements = session.scalars(select(Statement.full).order_by(Statement.seq))
        return [
            int(s["result"]["extensions"][PROGRESS])
            for s in statements
            if s["verb"]["id"].endswith("/progressed")
        ]


def test_xapi_progress_and_the_score_count_a_waived_step_alike(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    ags_platform: TestPlatform,
    published_journey: Journey,
) -> None:
    token = launch_token(launcher, sub="learner-1", **{AGS: ags_claim(ags_platform)})
    # Mastering goal-ai waives the reading step: one of four steps, counted as done.
    client.post(
        BASE + "/self-assessment",
        data={
            "lt": token,
            "phase": "start",
            "goal-goal-ai": "4",
            "goal-goal-ai-sources": "1",
            "goal-goal-feedback": "1",
        },
    )
    send(app)
    assert ags_platform.scores[-1]["scoreGiven"] == 25.0
    assert progress_extensions(app) == [25]
    client.post(
        BASE + "/steps/step-quiz/quiz", data={"lt": token, "q-q1": "a", "q-q2": "true", "q-q3": "4"}
    )
    send(app)
    score = ags_platform.scores[-1]["scoreGiven"]
    assert score == pytest.approx(100 * (1 + 2 / 3) / 4, abs=0.01)
    assert progress_extensions(app) == [25, round(score)]
