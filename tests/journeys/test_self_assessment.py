"""The self-assessment: given once at the start and once at the end, never waiving begun steps."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.journeys.models import GoalRating, Journey, ProgressStatus, StepProgress
from tests.conftest import Launcher
from tests.journeys.conftest import launch_token

BASE = "/journeys/digital-kompetens"
ALL_MASTERED = {"goal-goal-ai": "4", "goal-goal-ai-sources": "4", "goal-goal-feedback": "4"}
NONE_MASTERED = {"goal-goal-ai": "1", "goal-goal-ai-sources": "1", "goal-goal-feedback": "1"}
WRONG = {"q-q1": "a", "q-q2": "true", "q-q3": "4"}


def assess(client: FlaskClient, token: str, phase: str, levels: dict[str, str]) -> int:
    response = client.post(BASE + "/self-assessment", data={"lt": token, "phase": phase, **levels})
    return response.status_code


def quiz_status(app: Flask) -> tuple[ProgressStatus, float | None]:
    with get_database(app).session() as session:
        row = session.execute(
            select(StepProgress.status, StepProgress.score).where(StepProgress.attempts > 0)
        ).one()
        return row[0], row[1]


def test_self_assessment_at_the_start_is_given_once(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", NONE_MASTERED) == 303
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **WRONG})
    response = client.post(
        BASE + "/self-assessment", data={"lt": token, "phase": "start", **ALL_MASTERED}
    )
    assert response.status_code == 409
    assert "once" in response.get_data(as_text=True) or "en gång" in response.get_data(as_text=True)
    assert quiz_status(app)[0] == ProgressStatus.IN_PROGRESS
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(GoalRating)) == 3


def test_self_assessment_never_waives_a_step_already_attempted(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    client.get(BASE, query_string={"lt": token, "skip": "1"})
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **WRONG})
    assert assess(client, token, "start", ALL_MASTERED) == 303
    status, score = quiz_status(app)
    assert status == ProgressStatus.IN_PROGRESS
    assert score is not None and score < 1
    with get_database(app).session() as session:
        waived = session.scalar(
            select(func.count())
            .select_from(StepProgress)
            .where(StepProgress.status == ProgressStatus.WAIVED)
        )
    assert waived == 3


def test_self_assessment_at_the_end_is_given_once(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", ALL_MASTERED) == 303
    assert assess(client, token, "end", NONE_MASTERED) == 303
    assert assess(client, token, "end", ALL_MASTERED) == 409
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(GoalRating)) == 6


def test_self_assessment_sent_twice_alike_is_accepted_once(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", NONE_MASTERED) == 303
    assert assess(client, token, "start", NONE_MASTERED) == 303
    with get_database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(GoalRating)) == 3


def test_self_assessment_page_shows_a_given_one_without_a_form_to_send(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", NONE_MASTERED) == 303
    html = client.get(
        BASE + "/self-assessment", query_string={"lt": token}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "it is given once" in html
    assert 'type="submit"' not in html
    assert html.count("disabled") == 3 * 4
    assert html.count("checked") == 3
