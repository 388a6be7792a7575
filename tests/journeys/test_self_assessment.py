"""The self-assessment: given once at the start and once at the end, never waiving begun steps."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.journeys.models import GoalRating, Journey, ProgressStatus, StepProgress
from tests.conftest import Launcher
from tests.journeys.conftest import launch_token
from tests.journeys.test_player_views import recorded, verbs
from xapi.profile import PROFILE

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


def progress_values(app: Flask) -> list[int]:
    extension = PROFILE.extension("progress")
    return [
        s["result"]["extensions"][extension]
        for s in recorded(app)
        if "progressed" in s["verb"]["id"]
    ]


def satisfied_goals(app: Flask) -> list[str]:
    return [
        s["object"]["id"].rsplit("/", 1)[-1]
        for s in recorded(app)
        if s["verb"]["id"].endswith("/satisfied")
    ]


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


def test_optional_policy_records_no_waived_statement(
    app: Flask, client: FlaskClient, launcher: Launcher, optional_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", ALL_MASTERED) == 303
    assert "waived" not in verbs(app)


def test_waive_policy_records_waived_for_each_mastered_step(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", ALL_MASTERED) == 303
    assert verbs(app).count("waived") == 4


def test_optional_steps_are_not_credited_until_done(
    app: Flask, client: FlaskClient, launcher: Launcher, optional_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-ai": "4"}) == 303
    assert "progressed" not in verbs(app)
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    assert progress_values(app) == [25]


def test_optional_steps_are_not_required_to_complete_the_journey(
    app: Flask, client: FlaskClient, launcher: Launcher, optional_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-feedback": "4"}) == 303
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    completed = [s for s in recorded(app) if s["object"]["id"].endswith(optional_journey.key)]
    steps = completed[-1]["result"]["extensions"][PROFILE.extension("steps")]
    assert steps == {"done": 2, "waived": 0, "total": 4}


def test_a_journey_completed_without_its_optional_steps_scores_100(
    app: Flask, client: FlaskClient, launcher: Launcher, optional_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-feedback": "4"}) == 303
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    assert progress_values(app) == [50, 100]


def test_goal_met_through_waivers_is_satisfied_by_the_self_assessment(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-feedback": "4"}) == 303
    assert satisfied_goals(app) == ["goal-feedback"]


def test_goal_satisfied_through_waivers_is_not_satisfied_again_when_its_step_is_done(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-feedback": "4"}) == 303
    client.post(
        BASE + "/steps/step-task/evidence",
        data={"lt": token, "kind": "link", "url": "https://docs.example.test/plan"},
    )
    assert "completed" in verbs(app)
    assert satisfied_goals(app) == ["goal-feedback"]


def test_goal_whose_steps_are_optional_is_not_satisfied_by_the_self_assessment(
    app: Flask, client: FlaskClient, launcher: Launcher, optional_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert assess(client, token, "start", {**NONE_MASTERED, "goal-goal-feedback": "4"}) == 303
    assert satisfied_goals(app) == []
