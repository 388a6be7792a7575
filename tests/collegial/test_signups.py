"""Signing up, cancelling and the waiting list; 50 sign-ups racing for 10 places on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.collegial.models import Signup, SignupStatus
from lti_tool.collegial.signups import cancel_signup, sign_up, waiting_list, waiting_position
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.reminders.models import Notice, NoticeKind
from tests.collegial.sessions_support import (  # noqa: F401 - fixtures
    enroll,
    live_journey_fixture,
    make_course,
    make_group,
    make_people,
    schedule,
    statements,
)


def test_sign_up_takes_places_then_the_waiting_list_in_order(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 4)
        occurrence = schedule(session, live_journey, course, capacity=2)
        made = [sign_up(session, occurrence, p.id) for p in people]
        assert [s.status for s in made] == [SignupStatus.REGISTERED] * 2 + [
            SignupStatus.WAITING
        ] * 2
        assert [waiting_position(session, s) for s in made] == [None, None, 1, 2]


def test_signing_up_twice_changes_nothing(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course)
        first = sign_up(session, occurrence, person.id)
        again = sign_up(session, occurrence, person.id)
        assert first.id == again.id
        assert len(statements(session, "/registered")) == 1


def test_cancel_moves_the_first_waiting_person_up_and_tells_them(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 3)
        for person in people:
            enroll(session, live_journey, person, course)
        occurrence = schedule(session, live_journey, course, capacity=1)
        for person in people:
            sign_up(session, occurrence, person.id)
        cancel_signup(session, occurrence, people[0].id)
        statuses = {s.person_id: s.status for s in session.scalars(select(Signup)).all()}
        notices = session.scalars(select(Notice)).all()
        registered = statements(session, "/registered")
        unregistered = statements(session, "/unregistered")
        ids = [p.id for p in people]
        told = [(n.person_id, n.kind) for n in notices]
    assert statuses == {
        ids[0]: SignupStatus.CANCELLED,
        ids[1]: SignupStatus.REGISTERED,
        ids[2]: SignupStatus.WAITING,
    }
    assert told == [(ids[1], NoticeKind.WAITLIST_PLACE)]
    session_ext = next(k for k in registered[-1]["context"]["extensions"] if k.endswith("/session"))
    assert registered[-1]["context"]["extensions"][session_ext]["status"] == "registered"
    assert registered[2]["context"]["extensions"][session_ext]["position"] == 2
    assert len(unregistered) == 1
    # The learner's enrollment is the statement's registration.
    assert "registration" in registered[0]["context"]


def test_cancel_without_a_sign_up_is_a_404(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        occurrence = schedule(session, live_journey, course)
        with pytest.raises(JourneyError) as refused:
            cancel_signup(session, occurrence, person.id)
    assert refused.value.status == 404


def test_no_sign_up_for_a_past_or_a_group_occurrence(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (person,) = make_people(session, registration, 1)
        past = schedule(session, live_journey, course, starts_at=utcnow() - timedelta(days=2))
        group = make_group(session, course, [person])
        meeting = schedule(session, live_journey, course, group=group, capacity=None)
        with pytest.raises(JourneyError) as over:
            sign_up(session, past, person.id)
        with pytest.raises(JourneyError) as group_meeting:
            sign_up(session, meeting, person.id)
    assert over.value.status == 409
    assert group_meeting.value.code == "signup_not_needed"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_fifty_concurrent_sign_ups_for_ten_places(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    database = get_database(app)
    with app.app_context(), database.session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 50)
        occurrence = schedule(session, live_journey, course, capacity=10)
        ids = [p.id for p in people]
        occurrence_id = occurrence.id
    start = threading.Barrier(len(ids))
    failures: list[BaseException] = []

    def one(person_id: int) -> None:
        try:
            start.wait()
            with app.app_context(), database.session() as own:
                row = own.get_one(type(occurrence), occurrence_id)
                sign_up(own, row, person_id)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context(), database.session() as session:
        row = session.get_one(type(occurrence), occurrence_id)
        rows = session.scalars(select(Signup).where(Signup.occurrence_id == occurrence_id)).all()
        queue = waiting_list(session, row)
        positions = [waiting_position(session, s) for s in queue]
    assert sum(1 for s in rows if s.status == SignupStatus.REGISTERED) == 10
    assert len(queue) == 40
    assert positions == list(range(1, 41))
    # Everyone with a place signed up before everyone waiting.
    last_place = max(s.queued_at for s in rows if s.status == SignupStatus.REGISTERED)
    assert all(s.queued_at >= last_place for s in queue)
