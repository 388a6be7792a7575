"""The instructor's follow-up: progress table, one learner's work, ratings and dialogue."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys.models import Enrollment, GoalRating, Journey, RatingSource, Reflection
from lti_tool.tenancy.models import Context
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token
from tests.journeys.test_player_views import recorded
from xapi.profile import PROFILE

BASE = "/journeys/digital-kompetens"


def _course_id(app: Flask) -> int:
    with get_database(app).session() as session:
        return session.scalars(select(Context.id)).one()


def _learner_with_reflection(client: FlaskClient, launcher: Launcher) -> str:
    token = launch_token(launcher, sub="learner-1", name="Lina Lärande")
    client.post(
        BASE + "/self-assessment",
        data={
            "lt": token,
            "goal-goal-ai": "2",
            "goal-goal-ai-sources": "1",
            "goal-goal-feedback": "3",
        },
    )
    client.post(
        BASE + "/steps/step-reflect/reflection", data={"lt": token, "text": "Källkritik är svårt."}
    )
    return token


def test_progress_table_lists_learners_with_their_steps(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _learner_with_reflection(client, launcher)
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    page = client.get(
        f"/courses/{_course_id(app)}/journeys/digital-kompetens", query_string={"lt": teacher}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lina Lärande" in html
    assert "1 / 4" in html


def test_learners_cannot_open_the_follow_up(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _learner_with_reflection(client, launcher)
    page = client.get(
        f"/courses/{_course_id(app)}/journeys/digital-kompetens", query_string={"lt": token}
    )
    assert page.status_code == 403


def test_a_token_of_another_course_cannot_open_this_course(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _learner_with_reflection(client, launcher)
    course = _course_id(app)
    other = launch_token(
        launcher, roles=INSTRUCTOR, context={"id": "course-2", "title": "Annan kurs"}
    )
    page = client.get(f"/courses/{course}/journeys/digital-kompetens", query_string={"lt": other})
    assert page.status_code == 403


def test_instructor_rating_is_kept_apart_from_the_self_assessment(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _learner_with_reflection(client, launcher)
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    with get_database(app).session() as session:
        enrollment_id = session.scalars(select(Enrollment.id)).one()
    response = client.post(
        f"/courses/{_course_id(app)}/journeys/digital-kompetens/learners/{enrollment_id}/ratings",
        data={"lt": teacher, "goal-goal-ai": "3", "comment-goal-ai": "Bra källkritik."},
    )
    assert response.status_code == 303
    with get_database(app).session() as session:
        sources = sorted((r.source.value, r.level) for r in session.scalars(select(GoalRating)))
    assert sources == [("instructor", 3), ("self", 1), ("self", 2), ("self", 3)]
    rated = [s for s in recorded(app) if s["verb"]["id"].endswith("/rated")]
    assert rated[-1]["actor"]["account"]["name"] == "teacher-1"


def test_instructor_answer_appears_in_the_learners_dialogue(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    learner = _learner_with_reflection(client, launcher)
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1", name="Tove Lärare")
    with get_database(app).session() as session:
        enrollment_id = session.scalars(select(Enrollment.id)).one()
    detail = client.get(
        f"/courses/{_course_id(app)}/journeys/digital-kompetens/learners/{enrollment_id}",
        query_string={"lt": teacher},
    ).get_data(as_text=True)
    assert "Källkritik är svårt." in detail
    import re

    action = re.search(r'action="([^"]+/comments[^"]*)"', detail)
    assert action
    sent = client.post(action.group(1).replace("&amp;", "&"), data={"text": "Vad gjorde du?"})
    assert sent.status_code == 303
    page = client.get(BASE + "/steps/step-reflect", query_string={"lt": learner})
    assert "Vad gjorde du?" in page.get_data(as_text=True)
    assert RatingSource.SELF.value == "self"


def test_instructor_answer_records_replied_by_the_instructor(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _learner_with_reflection(client, launcher)
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    with get_database(app).session() as session:
        enrollment_id = session.scalars(select(Enrollment.id)).one()
        reflection_id = session.scalars(select(Reflection.id)).one()
    page = f"/courses/{_course_id(app)}/journeys/digital-kompetens/learners/{enrollment_id}"
    sent = client.post(
        f"{page}/reflections/{reflection_id}/comments",
        data={"lt": teacher, "text": "Vad gjorde du?"},
    )
    assert sent.status_code == 303
    replied = [s for s in recorded(app) if s["verb"]["id"].endswith("/replied")]
    assert [s["actor"]["account"]["name"] for s in replied] == ["teacher-1"]
    assert replied[0]["object"]["id"].endswith("/steps/step-reflect")
    assert replied[0]["result"]["extensions"] == {
        PROFILE.extension("text-length"): len("Vad gjorde du?")
    }


def test_progress_table_reads_a_page_number_in_other_digits_as_the_first_page(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    _learner_with_reflection(client, launcher)
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    for page_number in ("²", "9" * 5000):
        page = client.get(
            f"/courses/{_course_id(app)}/journeys/digital-kompetens",
            query_string={"lt": teacher, "page": page_number},
        )
        assert page.status_code == 200
        assert "Lina Lärande" in page.get_data(as_text=True)


def test_progress_table_shows_a_learners_latest_enrollment_in_the_course(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    nav = launch_token(launcher, sub="learner-1", custom=None, resource_link={"id": "nav-1"})
    client.get(BASE, query_string={"lt": nav, "skip": "1"})
    graded = launch_token(launcher, sub="learner-1")
    client.get(BASE + "/steps/step-read", query_string={"lt": graded})
    client.post(BASE + "/steps/step-reflect/reflection", data={"lt": graded, "text": "Källor."})
    # The latest work is under the course-navigation link: one step done there.
    client.get(BASE + "/steps/step-read", query_string={"lt": nav})
    teacher = launch_token(launcher, roles=INSTRUCTOR, sub="teacher-1")
    html = client.get(
        f"/courses/{_course_id(app)}/journeys/digital-kompetens", query_string={"lt": teacher}
    ).get_data(as_text=True)
    assert "1 / 4" in html and "2 / 4" not in html
