"""The live session pages over HTTP: the step, sign-up, check-in, staff pages, calendar."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.collegial.models import Attendance, Occurrence, OccurrenceStatus, Signup
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.models import Journey
from lti_tool.tenancy.models import Context, Person
from tests.collegial.sessions_support import (  # noqa: F401 - fixtures
    SLUG,
    STEP,
    live_journey_fixture,
    make_group,
    schedule,
)
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, LEARNER, launch_token

STEP_URL = f"/journeys/{SLUG}/steps/{STEP}"
MANAGE_URL = f"/sessions/{SLUG}/steps/{STEP}/manage"


def _launch(launcher: Launcher, sub: str, roles: list[str] = LEARNER) -> str:
    return launch_token(launcher, roles, sub=sub, custom={"journey": SLUG})


def _person(app: Flask, sub: str) -> int:
    with get_database(app).session() as session:
        person_id = session.scalar(select(Person.id).where(Person.sub == sub))
        assert person_id is not None
        return person_id


def _occurrence(app: Flask, journey: Journey, **values: object) -> tuple[str, str]:
    """An occurrence in the launches' course; its key and check-in code."""
    with app.app_context(), get_database(app).session() as session:
        course = session.scalars(select(Context)).one()
        occurrence = schedule(session, journey, course, **values)  # type: ignore[arg-type]
        return occurrence.key, occurrence.check_in_code


def test_staff_schedule_an_occurrence_with_the_form(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "teacher", INSTRUCTOR)
    assert client.get(MANAGE_URL, query_string={"lt": token}).status_code == 200
    form = {"lt": token, "title": "Uppstart", "date": "2031-05-04", "start": "10:00"}
    bad = client.post(MANAGE_URL, data={**form, "end": "09:00", "place": "Aulan"})
    made = client.post(
        MANAGE_URL, data={**form, "end": "11:30", "place": "Aulan", "capacity": "12"}
    )
    assert bad.status_code == 400
    assert 'id="ends_at-error"' in bad.get_data(as_text=True)
    assert made.status_code == 303
    with get_database(app).session() as session:
        occurrence = session.scalars(select(Occurrence)).one()
    # Stockholm's summer time: 10:00 local is 08:00 UTC.
    assert occurrence.starts_at.hour == 8
    assert occurrence.capacity == 12
    assert occurrence.key in made.headers["Location"]


def test_learners_may_not_manage(
    client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    assert client.get(MANAGE_URL, query_string={"lt": token}).status_code == 403


def test_learner_signs_up_and_cancels_from_the_step(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    client.get(STEP_URL, query_string={"lt": token})
    key, _code = _occurrence(app, live_journey, capacity=3)
    page = client.get(STEP_URL, query_string={"lt": token}).get_data(as_text=True)
    assert f"/sessions/occurrences/{key}/sign-up" in page
    assert "Aulan" in page
    signed = client.post(f"/sessions/occurrences/{key}/sign-up", data={"lt": token})
    assert signed.status_code == 303
    assert "saved=session-registered" in signed.headers["Location"]
    page = client.get(STEP_URL, query_string={"lt": token}).get_data(as_text=True)
    assert f"/sessions/occurrences/{key}/cancel-sign-up" in page
    cancelled = client.post(f"/sessions/occurrences/{key}/cancel-sign-up", data={"lt": token})
    again = client.post(f"/sessions/occurrences/{key}/cancel-sign-up", data={"lt": token})
    assert cancelled.status_code == 303
    assert again.status_code == 404
    assert 'role="alert"' in again.get_data(as_text=True)


def test_learner_checks_in_from_the_step_and_the_step_is_done(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    client.get(STEP_URL, query_string={"lt": token})
    key, code = _occurrence(app, live_journey, starts_at=utcnow(), capacity=None)
    page = client.get(STEP_URL, query_string={"lt": token}).get_data(as_text=True)
    assert f'id="code-{key}"' in page
    wrong = client.post(
        f"/sessions/check-in/{key}", data={"lt": token, "code": "XXXXXX", "from": "step"}
    )
    right = client.post(
        f"/sessions/check-in/{key}", data={"lt": token, "code": code, "from": "step"}
    )
    twice = client.post(
        f"/sessions/check-in/{key}", data={"lt": token, "code": code, "from": "step"}
    )
    assert wrong.status_code == 400
    assert right.status_code == 303
    assert twice.status_code == 409
    with get_database(app).session() as session:
        assert session.scalar(select(Attendance.person_id)) == _person(app, "learner-1")
    overview = client.get(f"/journeys/{SLUG}", query_string={"lt": token, "skip": "1"})
    assert re.search(r'<progress[^>]*value="50"', overview.get_data(as_text=True))


def test_qr_link_without_a_session_says_how_to_go_on(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    _launch(launcher, "learner-1")
    key, code = _occurrence(app, live_journey, starts_at=utcnow())
    fresh = app.test_client()
    response = fresh.get(f"/sessions/check-in/{key}", query_string={"code": code})
    assert response.status_code == 401
    assert "learning platform" in response.get_data(as_text=True) or "lärplattform" in (
        response.get_data(as_text=True)
    )


def test_qr_link_with_a_session_shows_the_code_to_confirm(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    client.get(STEP_URL, query_string={"lt": token})
    key, code = _occurrence(app, live_journey, starts_at=utcnow(), capacity=None)
    page = client.get(f"/sessions/check-in/{key}", query_string={"code": code, "lt": token})
    assert page.status_code == 200
    assert f'value="{code}"' in page.get_data(as_text=True)
    done = client.post(f"/sessions/check-in/{key}", data={"lt": token, "code": code})
    assert done.status_code == 200


def test_qr_link_scanned_again_after_check_in_says_you_are_checked_in(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    client.get(STEP_URL, query_string={"lt": token})
    key, code = _occurrence(app, live_journey, starts_at=utcnow(), capacity=None)
    client.post(f"/sessions/check-in/{key}", data={"lt": token, "code": code})
    again = client.get(f"/sessions/check-in/{key}", query_string={"code": code, "lt": token})
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'role="status"' in page and 'name="code"' not in page


def test_staff_see_the_screen_mark_attendance_edit_and_cancel(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    learner = _launch(launcher, "learner-1")
    client.get(STEP_URL, query_string={"lt": learner})
    key, code = _occurrence(app, live_journey)
    client.post(f"/sessions/occurrences/{key}/sign-up", data={"lt": learner})
    staff = _launch(launcher, "teacher", INSTRUCTOR)
    base = f"/sessions/occurrences/{key}"
    detail = client.get(base, query_string={"lt": staff}).get_data(as_text=True)
    assert "Maja Lärare" in detail  # the learner's name, as the platform shared it
    screen = client.get(base + "/screen", query_string={"lt": staff}).get_data(as_text=True)
    assert code in screen and "<svg" in screen
    learner_id = _person(app, "learner-1")
    marked = client.post(
        base + "/attendance", data={"lt": staff, "person": learner_id, "present": "1"}
    )
    assert marked.status_code == 303
    edited = client.post(
        base + "/edit",
        data={
            "lt": staff,
            "date": "2031-01-10",
            "start": "13:00",
            "end": "14:00",
            "place": "Rum 2",
        },
    )
    assert edited.status_code == 303
    assert client.post(base + "/cancel", data={"lt": staff}).status_code == 303
    with get_database(app).session() as session:
        occurrence = session.scalars(select(Occurrence)).one()
        assert session.scalar(select(Attendance.method)) is not None
    assert occurrence.status == OccurrenceStatus.CANCELLED
    assert occurrence.sequence == 2
    assert occurrence.place == "Rum 2"
    assert client.get(base, query_string={"lt": learner}).status_code == 403


def test_group_facilitator_schedules_the_groups_meeting(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    facilitator = _launch(launcher, "facilitator")
    outsider = _launch(launcher, "learner-2")
    with get_database(app).session() as session:
        course = session.scalars(select(Context)).one()
        people = {p.sub: p for p in session.scalars(select(Person))}
        group = make_group(session, course, [], [people["facilitator"]])
        session.commit()
        group_key = group.key
    refused = client.get(MANAGE_URL, query_string={"lt": outsider, "group": group_key})
    page = client.get(MANAGE_URL, query_string={"lt": facilitator, "group": group_key})
    assert refused.status_code == 403
    assert page.status_code == 200
    made = client.post(
        MANAGE_URL,
        data={
            "lt": facilitator,
            "group": group_key,
            "date": "2031-03-01",
            "start": "15:00",
            "end": "16:00",
            "place": "Lärarrummet",
        },
    )
    assert made.status_code == 303
    with get_database(app).session() as session:
        occurrence = session.scalars(select(Occurrence)).one()
        assert occurrence.group_id is not None
        assert occurrence.capacity is None
        assert session.scalar(select(Signup.id)) is None


def test_calendar_page_makes_a_link_once_and_stops_it(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    made = client.post("/sessions/calendar", data={"lt": token, "action": "new"})
    match = re.search(
        r"http://tool\.test/sessions/calendar/([A-Za-z0-9_-]+)\.ics", made.get_data(as_text=True)
    )
    assert made.status_code == 200 and match
    feed = f"/sessions/calendar/{match.group(1)}.ics"
    assert client.get(feed).status_code == 200
    again = client.get("/sessions/calendar", query_string={"lt": token}).get_data(as_text=True)
    assert match.group(1) not in again
    client.post("/sessions/calendar", data={"lt": token, "action": "revoke"})
    assert client.get(feed).status_code == 404


def test_a_session_of_another_course_is_not_found(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    _launch(launcher, "learner-1")
    key, _code = _occurrence(app, live_journey)
    other = launch_token(
        launcher,
        LEARNER,
        sub="learner-9",
        custom={"journey": SLUG},
        context={"id": "course-2", "title": "Annan kurs"},
    )
    response = client.post(f"/sessions/occurrences/{key}/sign-up", data={"lt": other})
    assert response.status_code == 404


def test_only_the_group_sees_its_meetings_check_in_page(
    app: Flask, client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    member = _launch(launcher, "member")
    outsider = _launch(launcher, "learner-2")
    with app.app_context(), get_database(app).session() as session:
        course = session.scalars(select(Context)).one()
        person = session.scalars(select(Person).where(Person.sub == "member")).one()
        group = make_group(session, course, [person])
        session.commit()
        meeting = schedule(
            session, live_journey, course, group=group, starts_at=utcnow(), capacity=None
        )
        key, code = meeting.key, meeting.check_in_code
    url = f"/sessions/check-in/{key}"
    assert client.get(url, query_string={"lt": outsider}).status_code == 404
    assert client.get(url, query_string={"lt": member}).status_code == 200
    done = client.post(url, data={"lt": member, "code": code})
    assert done.status_code == 200
    with get_database(app).session() as session:
        assert session.scalar(select(Attendance.person_id)) == _person(app, "member")


def test_author_preview_of_the_live_session_step_renders(
    client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "author", INSTRUCTOR)
    page = client.get(
        f"/author/journeys/{live_journey.id}/steps/{STEP}/preview", query_string={"lt": token}
    )
    assert page.status_code == 200
    assert "<strong>pratar</strong>" in page.get_data(as_text=True)


def test_overview_names_the_live_session_step_type(
    client: FlaskClient, launcher: Launcher, live_journey: Journey
) -> None:
    token = _launch(launcher, "learner-1")
    page = client.get(f"/journeys/{SLUG}", query_string={"lt": token, "skip": "1"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<span class="meta">(Träff|Live session) · ', html)
