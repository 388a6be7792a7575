"""What the journey statements say: goals, steps, questions, completion, dialogue, durations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lti_tool.db import get_database
from lti_tool.journeys.authoring import load_published
from lti_tool.journeys.content import Question
from lti_tool.journeys.events import JourneyEvents, Scene
from lti_tool.journeys.models import Enrollment, Journey, Step, StepProgress
from tests.conftest import Launcher
from tests.journeys.conftest import COMPETENCY, launch_token
from tests.journeys.test_player_views import recorded
from xapi.profile import PROFILE

BASE = "/journeys/digital-kompetens"
NONE_MASTERED = {"goal-goal-ai": "1", "goal-goal-ai-sources": "1", "goal-goal-feedback": "1"}
ALL_MASTERED = {"goal-goal-ai": "4", "goal-goal-ai-sources": "4", "goal-goal-feedback": "4"}
RIGHT = {"q-q1": "b", "q-q2": "true", "q-q3": "4"}
WRONG = {"q-q1": "a", "q-q2": "true", "q-q3": "4"}


def statements(app: Flask, verb: str, object_suffix: str = "") -> list[dict[str, Any]]:
    """The stored statements of ``verb`` whose object IRI ends with ``object_suffix``."""
    return [
        s
        for s in recorded(app)
        if s["verb"]["id"].rsplit("/", 1)[-1] == verb and s["object"]["id"].endswith(object_suffix)
    ]


def ids(activities: list[dict[str, Any]]) -> list[str]:
    return [a["id"].rsplit("/", 1)[-1] for a in activities]


def assess(client: FlaskClient, token: str, levels: dict[str, str]) -> None:
    response = client.post(
        BASE + "/self-assessment", data={"lt": token, "phase": "start", **levels}
    )
    assert response.status_code == 303


def started_earlier(app: Flask, step_key: str, ago: timedelta) -> None:
    """Move the step's first opening back in time, as if the learner opened it ``ago``."""
    with get_database(app).session() as session:
        step_id = session.scalars(select(Step.id).where(Step.key == step_key)).one()
        progress = session.scalars(
            select(StepProgress).where(StepProgress.step_id == step_id)
        ).one()
        session.execute(
            update(StepProgress)
            .where(StepProgress.id == progress.id)
            .values(started_at=progress.started_at - ago)
        )
        session.commit()


def test_goal_activity_carries_its_competency(
    app: Flask, client: FlaskClient, launcher: Launcher, described_journey: Journey
) -> None:
    assess(client, launch_token(launcher), NONE_MASTERED)
    goal = statements(app, "rated", "/goals/goal-ai")[0]["object"]["definition"]
    assert goal["extensions"] == {PROFILE.extension("competency"): COMPETENCY}


def test_goal_activity_carries_its_description_cut_at_1000_characters(
    app: Flask, client: FlaskClient, launcher: Launcher, described_journey: Journey
) -> None:
    assess(client, launch_token(launcher), NONE_MASTERED)
    goal = statements(app, "rated", "/goals/goal-ai")[0]["object"]["definition"]
    description = goal["description"]["sv-SE"]
    assert len(description) == 1000
    assert description.startswith("Välja och granska AI-verktyg.")


def test_goal_without_competency_or_description_has_neither(
    app: Flask, client: FlaskClient, launcher: Launcher, described_journey: Journey
) -> None:
    assess(client, launch_token(launcher), NONE_MASTERED)
    goal = statements(app, "rated", "/goals/goal-feedback")[0]["object"]["definition"]
    assert "extensions" not in goal
    assert "description" not in goal


def test_sub_goal_statement_has_its_goal_as_parent_and_the_journey_in_grouping(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    assess(client, launch_token(launcher), NONE_MASTERED)
    context = statements(app, "rated", "/goals/goal-ai-sources")[0]["context"]
    assert ids(context["contextActivities"]["parent"]) == ["goal-ai"]
    assert context["contextActivities"]["grouping"][0]["id"].endswith(published_journey.key)


def test_top_goal_statement_has_the_journey_as_parent(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    assess(client, launch_token(launcher), NONE_MASTERED)
    context = statements(app, "rated", "/goals/goal-ai")[0]["context"]
    assert ids(context["contextActivities"]["parent"]) == [published_journey.key]


def test_step_statement_lists_the_goals_the_step_serves(
    app: Flask, client: FlaskClient, launcher: Launcher, described_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    completed = statements(app, "completed", "/steps/step-read")[0]
    others = completed["context"]["contextActivities"]["other"]
    assert ids(others) == ["goal-ai"]
    assert others[0]["definition"]["extensions"] == {PROFILE.extension("competency"): COMPETENCY}


def test_answered_statement_lists_the_goals_of_the_questions_step(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    answered = statements(app, "answered", "/questions/q1")[0]
    assert ids(answered["context"]["contextActivities"]["other"]) == ["goal-feedback"]


def test_single_choice_question_carries_prompt_choices_and_correct_response(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    definition = statements(app, "answered", "/questions/q1")[0]["object"]["definition"]
    assert definition["description"] == {"sv-SE": "Vilket är formativ återkoppling?"}
    assert definition["interactionType"] == "choice"
    assert definition["choices"] == [
        {"id": "a", "description": {"sv-SE": "Ett betyg"}},
        {"id": "b", "description": {"sv-SE": "Framåtsyftande kommentar"}},
    ]
    assert definition["correctResponsesPattern"] == ["b"]


def test_question_name_is_the_prompts_first_200_characters_and_description_all_of_it(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    prompt = "Hur ger du återkoppling? " * 20
    question = Question(key="q9", kind="true_false", prompt=prompt, answer=False)
    with app.test_request_context(), get_database(app).session() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        step = load_published(session, enrollment.version_id).sections[1].steps[0]
        activity = JourneyEvents(session, Scene.load(session, enrollment)).question_activity(
            step, question
        )
    assert activity.names == {"sv": prompt.strip()[:200]}
    assert activity.descriptions == {"sv": prompt.strip()}
    assert activity.correct_responses == ("false",)


def test_true_false_question_has_its_answer_as_correct_response(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    definition = statements(app, "answered", "/questions/q2")[0]["object"]["definition"]
    assert definition["interactionType"] == "true-false"
    assert definition["correctResponsesPattern"] == ["true"]
    assert "choices" not in definition


def test_numeric_question_has_its_number_as_correct_response(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    definition = statements(app, "answered", "/questions/q3")[0]["object"]["definition"]
    assert definition["correctResponsesPattern"] == ["4"]


def test_numeric_question_with_a_tolerance_has_a_range_as_correct_response(
    app: Flask, client: FlaskClient, launcher: Launcher, described_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    definition = statements(app, "answered", "/questions/q3")[0]["object"]["definition"]
    assert definition["correctResponsesPattern"] == ["3.5[:]4.5"]


def test_completed_journey_counts_the_steps_done_and_waived(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    # goal-ai mastered: the reading step is waived, the other three are done.
    assess(client, token, {**NONE_MASTERED, "goal-goal-ai": "4"})
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **RIGHT})
    client.post(
        BASE + "/steps/step-task/evidence",
        data={"lt": token, "kind": "text", "text": "Så gick det."},
    )
    completed = statements(app, "completed", published_journey.key)
    assert len(completed) == 1
    assert completed[0]["result"]["completion"] is True
    steps = completed[0]["result"]["extensions"][PROFILE.extension("steps")]
    assert steps == {"done": 3, "waived": 1, "total": 4}


def test_journey_completed_through_waivers_alone_says_no_step_was_done(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    assess(client, launch_token(launcher), ALL_MASTERED)
    completed = statements(app, "completed", published_journey.key)
    steps = completed[0]["result"]["extensions"][PROFILE.extension("steps")]
    assert steps == {"done": 0, "waived": 4, "total": 4}


def test_learners_reply_in_the_reflection_dialogue_records_replied(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher, sub="learner-1")
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    sent = client.post(
        BASE + "/steps/step-reflect/comments", data={"lt": token, "text": "Jag provade igen."}
    )
    assert sent.status_code == 303
    replied = statements(app, "replied", "/steps/step-reflect")
    assert len(replied) == 1
    assert replied[0]["actor"]["account"]["name"] == "learner-1"
    assert replied[0]["result"]["extensions"] == {
        PROFILE.extension("text-length"): len("Jag provade igen.")
    }
    assert "Jag provade igen." not in str(recorded(app))


def test_learners_reply_sent_twice_is_recorded_once(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    for _ in range(2):
        client.post(BASE + "/steps/step-reflect/comments", data={"lt": token, "text": "Igen."})
    assert len(statements(app, "replied")) == 1


def test_changing_the_reflection_stays_commented_without_satisfying_goals_again(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    for text in ("Källor.", "Källor och bilder."):
        client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": text})
    assert len(statements(app, "commented", "/steps/step-reflect")) == 2
    assert len(statements(app, "replied")) == 0
    assert sorted(ids([s["object"] for s in statements(app, "satisfied")])) == [
        "goal-ai",
        "goal-ai-sources",
    ]


def test_completed_step_carries_the_time_since_its_first_opening(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.get(BASE + "/steps/step-reflect", query_string={"lt": token})
    started_earlier(app, "step-reflect", timedelta(minutes=4, seconds=12))
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    completed = statements(app, "completed", "/steps/step-reflect")[0]
    assert completed["result"]["duration"] in ("PT4M12S", "PT4M13S")


def test_completed_step_timestamp_is_the_moment_stored_as_its_completion(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källor."})
    completed = statements(app, "completed", "/steps/step-reflect")[0]
    with get_database(app).session() as session:
        done_at = session.scalars(
            select(StepProgress.completed_at).where(StepProgress.completed_at.is_not(None))
        ).one()
    assert datetime.fromisoformat(completed["timestamp"]) == done_at


def test_content_step_opened_and_completed_at_once_has_no_duration(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.get(BASE + "/steps/step-read", query_string={"lt": token})
    completed = statements(app, "completed", "/steps/step-read")[0]
    assert "duration" not in completed["result"]


def test_failed_attempt_carries_the_time_since_the_steps_first_opening(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.get(BASE + "/steps/step-quiz", query_string={"lt": token})
    started_earlier(app, "step-quiz", timedelta(minutes=2))
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **WRONG})
    failed = statements(app, "failed", "/steps/step-quiz")[0]
    assert failed["result"]["duration"] in ("PT2M0S", "PT2M1S")


def test_attempt_sent_without_opening_the_step_first_has_no_duration(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assess(client, token, NONE_MASTERED)
    client.post(BASE + "/steps/step-quiz/quiz", data={"lt": token, **WRONG})
    failed = statements(app, "failed", "/steps/step-quiz")[0]
    assert "duration" not in failed["result"]


def test_waived_step_done_afterwards_has_no_duration(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    # Its progress dates from the waiving, not from an opening: nothing to measure.
    assess(client, token, {**NONE_MASTERED, "goal-goal-feedback": "4"})
    client.get(BASE + "/steps/step-task", query_string={"lt": token})
    client.post(
        BASE + "/steps/step-task/evidence",
        data={"lt": token, "kind": "link", "url": "https://docs.example.test/plan"},
    )
    completed = statements(app, "completed", "/steps/step-task")[0]
    assert "duration" not in completed["result"]


def test_completed_journey_timestamp_is_the_moment_stored_as_its_completion(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    assess(client, launch_token(launcher), ALL_MASTERED)
    completed = statements(app, "completed", published_journey.key)[0]
    with get_database(app).session() as session:
        done_at = session.scalars(select(Enrollment.completed_at)).one()
    assert datetime.fromisoformat(completed["timestamp"]) == done_at
