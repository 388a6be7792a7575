"""Evidence files count against quotas per learner and per organisation, with a clear message."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from config.settings import Settings
from lti_tool.db import get_database
from lti_tool.journeys import player
from lti_tool.journeys.evidence import EvidenceQuotaError, Upload, submit_evidence
from lti_tool.journeys.models import Enrollment, Evidence, Journey, Step
from tests.conftest import Launcher, make_settings
from tests.journeys.conftest import launch_token
from tests.journeys.test_concurrency import in_own_session

TASK = "/journeys/digital-kompetens/steps/step-task/evidence"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        evidence_quota_learner_bytes=100,
        evidence_quota_learner_files=3,
        evidence_quota_organization_bytes=250,
        default_locale="en",
    )


def _upload(client: FlaskClient, token: str, size: int, name: str = "plan.pdf") -> TestResponse:
    return client.post(
        TASK,
        data={"lt": token, "kind": "file", "file": (io.BytesIO(b"%" * size), name)},
        content_type="multipart/form-data",
    )


def test_evidence_quota_refuses_a_file_beyond_the_learners_bytes(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, sub="learner-1")
    assert _upload(client, token, 60).status_code == 303
    # Another file: the same one sent again is a double click that keeps the first.
    refused = _upload(client, token, 60, name="plan-2.pdf")
    assert refused.status_code == 413
    assert "You have used 60 bytes of your 100 bytes for files" in refused.get_data(as_text=True)


def test_evidence_quota_refuses_a_file_beyond_the_learners_file_count(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, sub="learner-1")
    # Three different files: the same file sent twice in a row is stored once.
    for number in range(3):
        assert _upload(client, token, 1, name=f"plan-{number}.pdf").status_code == 303
    refused = _upload(client, token, 1, name="plan-3.pdf")
    assert refused.status_code == 413
    assert "at most 3 files" in refused.get_data(as_text=True)


def test_evidence_quota_refuses_a_file_beyond_the_organisations_bytes(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    for number in range(2):
        token = launch_token(launcher, sub=f"learner-{number}")
        assert _upload(client, token, 90).status_code == 303
    refused = _upload(client, launch_token(launcher, sub="learner-2"), 90)
    assert refused.status_code == 413
    assert "Your organisation has used 180 bytes of its 250 bytes" in refused.get_data(as_text=True)


def test_evidence_quota_does_not_count_text_or_links(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, sub="learner-1")
    assert _upload(client, token, 100).status_code == 303
    text = client.post(TASK, data={"lt": token, "kind": "text", "text": "Jag prövade."})
    assert text.status_code == 303


def test_evidence_quota_is_counted_under_the_enrollment_lock(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, sub="learner-1")
    client.get("/journeys/digital-kompetens", query_string={"lt": token, "skip": "1"})
    outcome: list[object] = []

    def upload_while_locked() -> None:
        def action(session: Any, state: player.JourneyState) -> object:
            return submit_evidence(
                session, state, "step-task", "file", upload=Upload("b.pdf", b"%" * 60)
            )

        try:
            outcome.append(in_own_session(app, token, action))
        except EvidenceQuotaError as exc:
            outcome.append(exc)

    # Another request of the learner holds the lock and stores a file the quota has room for
    # once: the upload waiting for the lock must count it.
    with get_database(app).session() as holder:
        enrollment = holder.scalars(select(Enrollment)).one()
        step_id = holder.scalars(select(Step.id).where(Step.key == "step-task")).first()
        assert step_id is not None
        player.lock_enrollment(holder, enrollment.id)
        holder.add(
            Evidence(
                enrollment_id=enrollment.id, step_id=step_id, kind="file", size=60, data=b"%" * 60
            )
        )
        holder.flush()
        waiting = threading.Thread(target=upload_while_locked)
        waiting.start()
        time.sleep(1.0)  # the upload reads the quota, then waits for the lock
        holder.commit()
    waiting.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], EvidenceQuotaError)
