"""The same learner request sent several times at once: no error page, no duplicate work.

Threads with their own connections start together at a barrier, on SQLite and PostgreSQL,
through the services and through the Flask test client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.journeys import player, submissions
from lti_tool.journeys.evidence import submit_evidence
from lti_tool.journeys.models import (
    Assignment,
    Enrollment,
    Evidence,
    GoalRating,
    Journey,
    QuizAttempt,
    RatingSource,
    Reflection,
    ReflectionComment,
    StepProgress,
)
from lti_tool.lti.runtime import get_runtime
from lti_tool.tenancy.models import Context
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token
from xapi.lrs.models import Statement

BASE = "/journeys/digital-kompetens"
TIMES = 4
WRONG = {"q-q1": "a", "q-q2": "true", "q-q3": "4"}
T = TypeVar("T")


def at_once(action: Callable[[], T], times: int = TIMES) -> list[T]:
    """``action`` run by ``times`` threads released together; their results, or the first error."""
    barrier = threading.Barrier(times)
    results: list[Any] = [None] * times
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def count(app: Flask, model: type[Any]) -> int:
    with get_database(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def verb_count(app: Flask, verb: str) -> int:
    with get_database(app).session() as session:
        return sum(
            1
            for s in session.scalars(select(Statement.full))
            if s["verb"]["id"].endswith("/" + verb)
        )


@pytest.fixture
def token(launcher: Launcher, published_journey: Journey) -> str:
    """A learner's session token, enrolled already (the first visit is its own test)."""
    value = launch_token(launcher)
    launcher.client.get(BASE, query_string={"lt": value, "skip": "1"})
    return value


def post_at_once(app: Flask, path: str, data: dict[str, Any]) -> list[int]:
    def post() -> int:
        return app.test_client().post(path, data=data).status_code

    return at_once(post)


def test_player_quiz_answers_sent_twice_at_once_use_one_attempt(app: Flask, token: str) -> None:
    statuses = post_at_once(
        app, BASE + "/steps/step-quiz/quiz", {"lt": token, "attempt": "1", **WRONG}
    )
    assert statuses == [303] * TIMES
    assert count(app, QuizAttempt) == 1
    with get_database(app).session() as session:
        assert session.scalars(select(StepProgress.attempts)).one() == 1
    assert verb_count(app, "failed") == 1


def test_player_first_reflection_saved_twice_at_once_is_one_reflection(
    app: Flask, token: str
) -> None:
    data = {"lt": token, "text": "Jag granskar källor."}
    statuses = post_at_once(app, BASE + "/steps/step-reflect/reflection", data)
    assert statuses == [303] * TIMES
    assert count(app, Reflection) == 1
    assert verb_count(app, "commented") == 1


def test_player_first_evidence_sent_twice_at_once_is_one_piece(app: Flask, token: str) -> None:
    data = {"lt": token, "kind": "link", "url": "https://docs.example.test/plan"}
    statuses = post_at_once(app, BASE + "/steps/step-task/evidence", data)
    assert statuses == [303] * TIMES
    assert count(app, Evidence) == 1
    assert verb_count(app, "attempted") == 1


def test_player_first_visit_of_a_step_twice_at_once_completes_it_once(
    app: Flask, token: str
) -> None:
    def visit() -> int:
        client = app.test_client()
        return client.get(BASE + "/steps/step-read", query_string={"lt": token}).status_code

    assert at_once(visit) == [200] * TIMES
    assert count(app, StepProgress) == 1
    assert verb_count(app, "experienced") == 1


def test_player_first_visit_of_a_journey_twice_at_once_enrolls_once(
    app: Flask, launcher: Launcher, published_journey: Journey
) -> None:
    value = launch_token(launcher)

    def visit() -> int:
        client = app.test_client()
        return client.get(BASE, query_string={"lt": value, "skip": "1"}).status_code

    assert at_once(visit) == [200] * TIMES
    assert verb_count(app, "initialized") == 1


def test_player_self_assessment_sent_twice_at_once_is_rated_once(app: Flask, token: str) -> None:
    data = {
        "lt": token,
        "phase": "start",
        "goal-goal-ai": "2",
        "goal-goal-ai-sources": "1",
        "goal-goal-feedback": "3",
    }
    statuses = post_at_once(app, BASE + "/self-assessment", data)
    assert statuses == [303] * TIMES
    assert count(app, GoalRating) == 3


def test_player_comment_sent_twice_at_once_is_one_comment(app: Flask, token: str) -> None:
    client = app.test_client()
    client.post(
        BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Jag granskar."}
    )
    data = {"lt": token, "text": "En fråga till kursledaren."}
    statuses = post_at_once(app, BASE + "/steps/step-reflect/comments", data)
    assert statuses == [303] * TIMES
    assert count(app, ReflectionComment) == 1


def in_own_session(app: Flask, token: str, action: Callable[[Any, player.JourneyState], T]) -> T:
    """``action(session, state)`` in a request context and a database session of its own."""
    with app.test_request_context(), get_database(app).session() as session:
        identity = get_runtime(app).tokens.verify(token)
        journey = player.open_journey(session, identity, "digital-kompetens")
        state = player.load_state(session, player.enroll(session, identity, journey))
        return action(session, state)


def test_submit_quiz_from_sessions_at_once_records_one_attempt(app: Flask, token: str) -> None:
    answers = {"q1": ["a"], "q2": ["true"], "q3": ["4"]}

    def answer() -> int:
        def action(session: Any, state: player.JourneyState) -> int:
            return submissions.submit_quiz(session, state, "step-quiz", answers, attempt=1)[
                1
            ].number

        return in_own_session(app, token, action)

    assert at_once(answer) == [1] * TIMES
    assert count(app, QuizAttempt) == 1


def test_submit_quiz_without_an_attempt_number_at_once_numbers_attempts_in_turn(
    app: Flask, token: str
) -> None:
    answers = {"q1": ["a"], "q2": ["true"], "q3": ["4"]}

    def answer() -> int:
        def action(session: Any, state: player.JourneyState) -> int:
            return submissions.submit_quiz(session, state, "step-quiz", answers)[1].number

        return in_own_session(app, token, action)

    assert sorted(at_once(answer, 3)) == [1, 2, 3]


def test_submit_evidence_from_sessions_at_once_stores_one_piece(app: Flask, token: str) -> None:
    def submit() -> int:
        def action(session: Any, state: player.JourneyState) -> int:
            return submit_evidence(
                session, state, "step-task", "link", url="https://docs.example.test/a"
            ).id

        return in_own_session(app, token, action)

    assert len(set(at_once(submit))) == 1
    assert count(app, Evidence) == 1


def test_open_step_from_sessions_at_once_makes_one_progress_row(app: Flask, token: str) -> None:
    def open_quiz() -> int:
        def action(session: Any, state: player.JourneyState) -> int:
            return len(submissions.open_step(session, state, "step-quiz").steps)

        return in_own_session(app, token, action)

    assert at_once(open_quiz) == [4] * TIMES
    assert count(app, StepProgress) == 1


def learner_page(app: Flask, launcher: Launcher, token: str) -> tuple[str, str]:
    """The follow-up page of the learner's work, and an instructor's token for it."""
    app.test_client().post(
        BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Jag granskar."}
    )
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    with get_database(app).session() as session:
        course = session.scalars(select(Context.id)).one()
        enrollment = session.scalars(select(Enrollment.id)).one()
    return f"/courses/{course}/journeys/digital-kompetens/learners/{enrollment}", teacher


def test_follow_up_ratings_sent_twice_at_once_are_rated_once(
    app: Flask, launcher: Launcher, token: str
) -> None:
    page, teacher = learner_page(app, launcher, token)
    data = {"lt": teacher, "goal-goal-ai": "3", "comment-goal-ai": "Bra källkritik."}
    assert post_at_once(app, page + "/ratings", data) == [303] * TIMES
    with get_database(app).session() as session:
        sources = session.scalars(select(GoalRating.source)).all()
    assert sources == [RatingSource.INSTRUCTOR]
    assert verb_count(app, "rated") == 1


def test_follow_up_answer_sent_twice_at_once_is_one_comment(
    app: Flask, launcher: Launcher, token: str
) -> None:
    page, teacher = learner_page(app, launcher, token)
    with get_database(app).session() as session:
        reflection = session.scalars(select(Reflection.id)).one()
    data = {"lt": teacher, "text": "Vad gjorde du?"}
    assert post_at_once(app, f"{page}/reflections/{reflection}/comments", data) == [303] * TIMES
    assert count(app, ReflectionComment) == 1
    assert verb_count(app, "commented") == 1  # the learner's reflection
    assert verb_count(app, "replied") == 1  # one answer


def test_choosing_a_journey_twice_at_once_assigns_it_once(
    app: Flask, launcher: Launcher, published_journey: Journey
) -> None:
    value = launch_token(launcher, custom=None, resource_link={"id": "nav-1"})
    statuses = post_at_once(app, BASE + "/choose", {"lt": value})
    assert statuses == [303] * TIMES
    assert count(app, Assignment) == 1
