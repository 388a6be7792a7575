"""Counts a learner cannot go beyond: evidence per task, messages on a reflection."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config.settings import Settings
from lti_tool.db import get_database
from lti_tool.journeys.errors import JourneyConflictError
from lti_tool.journeys.models import Journey, Reflection, ReflectionComment
from lti_tool.journeys.submissions import CommentLimits, check_comment_limits
from tests.conftest import Launcher, make_settings
from tests.journeys.conftest import launch_token

BASE = "/journeys/digital-kompetens/steps"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        evidence_max_per_step=2,
        reflection_comments_max_per_day=2,
        default_locale="en",
    )


def _learner(client: FlaskClient, launcher: Launcher) -> str:
    token = launch_token(launcher)
    client.get("/journeys/digital-kompetens", query_string={"lt": token, "skip": "1"})
    return token


def test_evidence_beyond_the_tasks_limit_is_refused_with_409(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _learner(client, launcher)
    task = BASE + "/step-task/evidence"
    for text in ("Jag prövade.", "Jag prövade igen."):
        assert (
            client.post(task, data={"lt": token, "kind": "text", "text": text}).status_code == 303
        )
    link = {"lt": token, "kind": "link", "url": "https://docs.example.test/a"}
    refused = client.post(task, data=link)
    assert refused.status_code == 409
    assert "You have added 2 pieces of evidence to this task" in refused.get_data(as_text=True)


def test_reflection_messages_beyond_the_daily_limit_are_refused_with_429_in_swedish(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _learner(client, launcher)
    client.post(BASE + "/step-reflect/reflection", data={"lt": token, "text": "Jag granskar."})
    comments = BASE + "/step-reflect/comments"
    for text in ("En fråga.", "En fråga till."):
        assert client.post(comments, data={"lt": token, "text": text}).status_code == 303
    refused = client.post(
        comments, query_string={"lang": "sv"}, data={"lt": token, "text": "En tredje fråga."}
    )
    assert refused.status_code == 429
    assert "Du har skickat 2 meddelanden" in refused.get_data(as_text=True)


def test_reflection_messages_beyond_the_limit_in_all_are_refused(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _learner(client, launcher)
    client.post(BASE + "/step-reflect/reflection", data={"lt": token, "text": "Jag granskar."})
    client.post(BASE + "/step-reflect/comments", data={"lt": token, "text": "En fråga."})
    with get_database(app).session() as session:
        reflection = session.scalars(select(Reflection)).one()
        author = session.scalars(select(ReflectionComment.author_id)).one()
        with pytest.raises(JourneyConflictError) as refused:
            check_comment_limits(session, reflection, author, CommentLimits(in_all=1))
    assert refused.value.code == "comment_limit"
