"""Self check-in with the room's code, the facilitator's marking, and the step they complete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.collegial.attendance import (
    MAX_WRONG_CODES,
    check_in,
    mark_attendance,
    too_many_wrong_codes,
)
from lti_tool.collegial.models import Attendance, AttendanceMethod, Occurrence
from lti_tool.collegial.occurrences import cancel_occurrence
from lti_tool.collegial.signups import sign_up
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.models import Journey, ProgressStatus, Step, StepProgress
from lti_tool.lti.models import Registration
from tests.collegial.sessions_support import (  # noqa: F401 - fixtures
    enroll,
    live_journey_fixture,
    make_course,
    make_group,
    make_people,
    schedule,
    session_document,
    statements,
)


def _session_ext(statement: dict[str, Any]) -> dict[str, Any]:
    extensions = statement["context"]["extensions"]
    return next(v for k, v in extensions.items() if k.endswith("/session"))


def _step_status(session: Any, enrollment_id: int) -> ProgressStatus | None:
    return session.scalar(
        select(StepProgress.status)
        .join(Step, Step.id == StepProgress.step_id)
        .where(StepProgress.enrollment_id == enrollment_id, Step.key == "step-meet")
    )


def test_check_in_records_attendance_and_completes_the_step(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        enrollment = enroll(session, live_journey, person, course)
        occurrence = schedule(
            session, live_journey, course, starts_at=utcnow() + timedelta(minutes=10)
        )
        sign_up(session, occurrence, person.id)
        attendance = check_in(session, occurrence, person.id, occurrence.check_in_code.lower())
        checked_in = statements(session, "/checkin")
        attended = statements(session, "/attended")
        assert attendance.method == AttendanceMethod.SELF_CHECK_IN
        assert _step_status(session, enrollment.id) == ProgressStatus.COMPLETED
        assert len(checked_in) == 1
        assert attended[0]["result"]["duration"] == "PT1H30M0S"
        assert _session_ext(attended[0])["method"] == "self"
        assert attended[0]["context"]["registration"] == enrollment.registration
        assert [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements(session, "ed")][-2:] == [
            "completed",
            "progressed",
        ]


@pytest.mark.parametrize(
    ("offset", "code"),
    [(timedelta(minutes=16), "check_in_not_open"), (timedelta(minutes=-91), "check_in_closed")],
)
def test_check_in_outside_the_window_is_refused(
    app: Flask, registration: Registration, live_journey: Journey, offset: timedelta, code: str
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        now = utcnow()
        occurrence = schedule(session, live_journey, course, starts_at=now + timedelta(hours=3))
        sign_up(session, occurrence, person.id)
        at = occurrence.starts_at - offset
        with pytest.raises(JourneyError) as refused:
            check_in(session, occurrence, person.id, occurrence.check_in_code, at=at)
    assert refused.value.code == code
    assert refused.value.status == 409


def test_wrong_codes_are_refused_then_blocked(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course, starts_at=utcnow())
        sign_up(session, occurrence, person.id)
        for _ in range(MAX_WRONG_CODES):
            with pytest.raises(JourneyError) as wrong:
                check_in(session, occurrence, person.id, "ZZZZZZ")
            assert wrong.value.code == "check_in_wrong_code"
        with pytest.raises(JourneyError) as blocked:
            check_in(session, occurrence, person.id, occurrence.check_in_code)
        assert session.scalar(select(Attendance.id)) is None
    assert blocked.value.status == 429


def test_the_wrong_code_limit_holds_for_every_app_host(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    """The wrong codes are counted in the database, not in one process's memory."""
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course, starts_at=utcnow())
        sign_up(session, occurrence, person.id)
        for _ in range(MAX_WRONG_CODES):
            with pytest.raises(JourneyError):
                check_in(session, occurrence, person.id, "ZZZZZZ")
        occurrence_id, person_id = occurrence.id, person.id
    # Another host: a new session (and connection) to the same database.
    with app.app_context(), get_database(app).session() as other:
        again = other.get_one(Occurrence, occurrence_id)
        assert too_many_wrong_codes(other, again, person_id, utcnow())
        assert not too_many_wrong_codes(other, again, person_id, utcnow() + timedelta(minutes=16))


def test_checking_in_twice_says_so(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course, starts_at=utcnow())
        sign_up(session, occurrence, person.id)
        check_in(session, occurrence, person.id, occurrence.check_in_code)
        with pytest.raises(JourneyError) as twice:
            check_in(session, occurrence, person.id, occurrence.check_in_code)
        assert len(statements(session, "/attended")) == 1
    assert twice.value.code == "already_checked_in"
    assert twice.value.status == 409


def test_no_check_in_to_a_cancelled_occurrence(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course, starts_at=utcnow())
        sign_up(session, occurrence, person.id)
        cancel_occurrence(session, occurrence)
        with pytest.raises(JourneyError) as refused:
            check_in(session, occurrence, person.id, occurrence.check_in_code)
    assert refused.value.code == "occurrence_cancelled"


def test_check_in_needs_a_place_when_places_are_limited(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 2)
        for person in people:
            enroll(session, live_journey, person, course)
        limited = schedule(session, live_journey, course, starts_at=utcnow(), capacity=5)
        open_to_all = schedule(session, live_journey, course, starts_at=utcnow(), capacity=None)
        with pytest.raises(JourneyError) as refused:
            check_in(session, limited, people[0].id, limited.check_in_code)
        came = check_in(session, open_to_all, people[1].id, open_to_all.check_in_code)
        assert came.person_id == people[1].id
    assert refused.value.status == 403


def test_self_check_in_can_be_turned_off_by_the_author(
    app: Flask, registration: Registration
) -> None:
    with app.app_context(), get_database(app).session() as session:
        journey = create_journey(
            session, registration.organization_id, session_document(self_check_in=False)
        )
        publish(session, journey)
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, journey, course, starts_at=utcnow(), capacity=None)
        with pytest.raises(JourneyError) as refused:
            check_in(session, occurrence, person.id, occurrence.check_in_code)
    assert refused.value.code == "self_check_in_off"


def test_facilitator_marks_present_and_absent(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        learner, facilitator = make_people(session, registration, 2)
        enrollment = enroll(session, live_journey, learner, course)
        occurrence = schedule(session, live_journey, course)
        sign_up(session, occurrence, learner.id)
        marked = mark_attendance(session, occurrence, learner.id, True, facilitator.id)
        assert marked is not None and marked.marked_by_id == facilitator.id
        assert statements(session, "/checkin") == []
        assert _session_ext(statements(session, "/attended")[0])["method"] == "facilitator"
        assert _step_status(session, enrollment.id) == ProgressStatus.COMPLETED
        mark_attendance(session, occurrence, learner.id, False, facilitator.id)
        assert session.scalar(select(Attendance.id)) is None


def test_group_meeting_attendance_names_the_team_and_leaves_the_step(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        member, other = make_people(session, registration, 2)
        enrollment = enroll(session, live_journey, member, course)
        group = make_group(session, course, [member])
        occurrence = schedule(
            session, live_journey, course, group=group, starts_at=utcnow(), capacity=None
        )
        check_in(session, occurrence, member.id, occurrence.check_in_code)
        with pytest.raises(JourneyError) as outsider:
            check_in(session, occurrence, other.id, occurrence.check_in_code)
        attended = statements(session, "/attended")
        assert len(attended[0]["context"]["team"]["member"]) == 1
        assert _step_status(session, enrollment.id) is None
    assert outsider.value.status == 403


def test_facilitator_cannot_mark_someone_outside_the_session(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        stranger, facilitator = make_people(session, registration, 2)
        occurrence = schedule(session, live_journey, course)
        with pytest.raises(JourneyError) as refused:
            mark_attendance(session, occurrence, stranger.id, True, facilitator.id)
        assert session.scalar(select(Attendance.id)) is None
    assert refused.value.status == 404
