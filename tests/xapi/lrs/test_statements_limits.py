"""Heavy statement requests: a POST holds a bounded number of statements, refused with the limit."""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from config.settings import Settings
from lti_tool.db import get_database
from tests.conftest import make_settings
from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.statement_samples import error_message, post, statement
from xapi.lrs.models import Statement


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, lrs_max_statements_per_request=50)


@pytest.fixture
def small_lrs(app: Flask) -> LrsClient:
    return make_lrs_client(app, "t1", ["all"])


def test_post_statements_refuses_more_statements_than_the_limit_with_413(
    app: Flask, small_lrs: LrsClient
) -> None:
    response = small_lrs.post("statements", json_body=[statement() for _ in range(51)])
    assert response.status_code == 413
    message = error_message(response)
    assert "51 statements" in message and "at most 50" in message
    assert "LTI_JOURNEYS_LRS_MAX_STATEMENTS_PER_REQUEST" in message
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_post_statements_accepts_exactly_the_limit(small_lrs: LrsClient) -> None:
    assert len(post(small_lrs, [statement() for _ in range(50)])) == 50


def test_post_statements_refuses_a_10_mb_batch_quickly(small_lrs: LrsClient) -> None:
    body = json.dumps([statement() for _ in range(20_000)])
    # The baseline, in the same run: reading the batch once, the least a refusal may cost. CPU
    # time, not wall time, and a ratio, so that a loaded machine moves both alike.
    started = time.process_time()
    json.loads(body)
    baseline = time.process_time() - started
    started = time.process_time()
    response = small_lrs.post("statements", data=body, headers={"Content-Type": "application/json"})
    refusal = time.process_time() - started
    assert response.status_code == 413
    # Checking the 20,000 statements one by one would cost hundreds of times the baseline.
    assert refusal < 20 * max(baseline, 0.01), (refusal, baseline)
