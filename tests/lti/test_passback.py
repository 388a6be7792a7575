"""The grade passback queue and worker against the test platform's AGS over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli.lti import passback_worker
from lti_tool.db import get_database, utcnow
from lti_tool.lti.ags import SCOPE_LINEITEM, SCOPE_SCORE, GradeService, scores_url
from lti_tool.lti.models import Registration, ScoreState, ScoreSubmission
from lti_tool.lti.passback import PassbackWorker, QueuedScore, ScoreJob, queue_score
from lti_tool.tenancy.models import Person, ResourceLink
from tests.conftest import Launcher
from tests.support.platform import TestPlatform

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def graded_link(
    app: Flask, launcher: Launcher, services_platform: TestPlatform, registration: Registration
) -> Iterator[QueuedScore]:
    """A learner launched into a link with a line item; a score of theirs, not yet queued."""
    platform = services_platform
    claim = {
        "scope": [SCOPE_SCORE, SCOPE_LINEITEM],
        "lineitem": platform.base_url + "/lineitems/7",
        "lineitems": platform.base_url + "/lineitems",
    }
    assert launcher.launch(sub="learner-1", **{AGS: claim}).status_code == 303
    with get_database(app).session() as session:
        link = session.scalars(select(ResourceLink)).one()
        person = session.scalars(select(Person)).one()
        yield QueuedScore(
            organization_id=link.organization_id,
            registration_id=registration.id,
            resource_link_id=link.id,
            person_id=person.id,
            label="Resan",
            resource_id=None,
            score_given=40.0,
            activity_progress="InProgress",
            grading_progress="Pending",
            scored_at=utcnow(),
        )
    platform.score_status = 200


def queue(app: Flask, score: QueuedScore) -> None:
    with get_database(app).session() as session:
        queue_score(session, score)
        session.commit()


def rows(app: Flask) -> list[ScoreSubmission]:
    with get_database(app).session() as session:
        found = list(session.scalars(select(ScoreSubmission)))
        session.expunge_all()
        return found


def test_scores_url_keeps_the_line_items_query() -> None:
    assert scores_url("https://lms.test/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1") == (
        "https://lms.test/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1"
    )


def test_a_newer_score_replaces_the_queued_one(
    app: Flask, graded_link: QueuedScore, platform: TestPlatform
) -> None:
    queue(app, graded_link)
    queue(app, replace(graded_link, score_given=60.0))
    [row] = rows(app)
    assert row.score_given == 60.0 and row.revision == 2
    with app.app_context():
        passback_worker(app).drain()
    assert [s["scoreGiven"] for s in platform.scores] == [60.0]


def test_an_unchanged_score_is_not_sent_again(app: Flask, graded_link: QueuedScore) -> None:
    queue(app, graded_link)
    with app.app_context():
        passback_worker(app).drain()
    queue(app, graded_link)
    [row] = rows(app)
    assert row.state == ScoreState.DELIVERED and row.revision == 1


class LearnerGoesOn(PassbackWorker):
    """A worker during whose call to the platform the learner earns a newer score."""

    newer: QueuedScore | None = None
    app: Flask | None = None

    def _delivered(self, session: Session, job: ScoreJob) -> None:
        if self.newer is not None and self.app is not None:
            queue(self.app, self.newer)
            self.newer = None
        super()._delivered(session, job)


def test_a_score_that_arrives_during_delivery_stays_queued(
    app: Flask, graded_link: QueuedScore, platform: TestPlatform
) -> None:
    queue(app, graded_link)
    with app.app_context():
        plain = passback_worker(app)
    worker = LearnerGoesOn(plain.factory, plain.tokens, plain.key)
    worker.app, worker.newer = app, replace(graded_link, score_given=80.0)
    worker.run_once()
    [row] = rows(app)
    assert [s["scoreGiven"] for s in platform.scores] == [40.0]
    assert row.state == ScoreState.PENDING and row.revision == 2
    worker.drain()
    assert [s["scoreGiven"] for s in platform.scores] == [40.0, 80.0]
    assert rows(app)[0].state == ScoreState.DELIVERED


def test_rows_in_back_off_wait_and_the_status_shows_why(
    app: Flask, runner: FlaskCliRunner, graded_link: QueuedScore, platform: TestPlatform
) -> None:
    platform.score_status = 502
    queue(app, graded_link)
    first = runner.invoke(args=["lti", "passback", "worker", "--once"])
    assert "1 left for a later attempt" in first.output
    again = runner.invoke(args=["lti", "passback", "worker", "--once"])
    assert "Sent 0 score(s); 0 refused; 0 left" in again.output
    assert len(platform.score_requests) >= 1
    status = runner.invoke(args=["lti", "passback", "status"])
    assert status.exit_code == 0
    assert "HTTP 502" in status.output and "next attempt" in status.output
    data = json.loads(runner.invoke(args=["lti", "passback", "status", "--json"]).output)
    assert data[0]["pending"] == 1 and data[0]["organization"] == "org-a"


def test_refused_scores_are_listed_and_can_be_retried(
    app: Flask, runner: FlaskCliRunner, graded_link: QueuedScore, platform: TestPlatform
) -> None:
    platform.score_status = 400
    queue(app, graded_link)
    runner.invoke(args=["lti", "passback", "worker", "--once"])
    refused = runner.invoke(args=["lti", "passback", "refused"])
    assert "user learner-1" in refused.output and "HTTP 400" in refused.output
    platform.score_status = 200
    retried = runner.invoke(args=["lti", "passback", "retry", "--org", "org-a"])
    assert "Queued 1 refused score(s) again." in retried.output
    sent = runner.invoke(args=["lti", "passback", "worker", "--once"])
    assert "Sent 1 score(s)" in sent.output


def test_an_access_token_the_platform_stopped_accepting_is_replaced(
    app: Flask, graded_link: QueuedScore, platform: TestPlatform
) -> None:
    queue(app, graded_link)
    with app.app_context():
        worker = passback_worker(app)
    worker.drain()
    tokens_before = len(platform.token_requests)
    # The platform no longer accepts the cached token: the score waits, the token is dropped.
    platform.score_status = 401
    queue(app, replace(graded_link, score_given=90.0))
    worker.drain()
    platform.score_status = 200
    with get_database(app).session() as session:
        row = session.scalars(select(ScoreSubmission)).one()
        assert row.state == ScoreState.PENDING and "401" in (row.error or "")
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.commit()
    worker.drain()
    assert platform.scores[-1]["scoreGiven"] == 90.0
    assert len(platform.token_requests) == tokens_before + 1


def test_the_links_own_line_item_wins_over_one_found_meanwhile(
    app: Flask,
    graded_link: QueuedScore,
    platform: TestPlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with get_database(app).session() as session:
        link = session.scalars(select(ResourceLink)).one()
        link.lineitem_url = None
        session.commit()
    queue(app, graded_link)
    own = platform.base_url + "/lineitems/assignment"

    def a_launch_brings_the_links_line_item(*_args: object) -> str:
        # While the worker looks for a line item, a launch stores the link's own one.
        with get_database(app).session() as other:
            other.scalars(select(ResourceLink)).one().lineitem_url = own
            other.commit()
        return platform.base_url + "/lineitems/found"

    monkeypatch.setattr(
        GradeService, "find_or_create_lineitem", a_launch_brings_the_links_line_item
    )
    with app.app_context():
        passback_worker(app).drain()
    assert [s["lineitem"] for s in platform.scores] == ["/lineitems/assignment"]
    with get_database(app).session() as session:
        assert session.scalars(select(ResourceLink.lineitem_url)).one() == own
