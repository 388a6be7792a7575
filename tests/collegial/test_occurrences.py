"""Scheduling, changing and cancelling occurrences: validation, sequence, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.collegial.models import OccurrenceStatus
from lti_tool.collegial.occurrences import (
    CODE_ALPHABET,
    OccurrenceFields,
    OccurrenceInvalidError,
    cancel_occurrence,
    edit_occurrence,
    new_check_in_code,
)
from lti_tool.collegial.signups import sign_up
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.reminders.models import Notice, NoticeKind
from tests.collegial.sessions_support import (  # noqa: F401 - fixtures
    live_journey_fixture,
    make_course,
    make_people,
    schedule,
)


def test_check_in_code_is_six_unambiguous_characters() -> None:
    codes = {new_check_in_code() for _ in range(200)}
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01IOL") & set(CODE_ALPHABET)
    assert len(codes) > 190


def test_schedule_refuses_each_bad_field_with_its_own_message(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        start = utcnow() + timedelta(days=1)
        with pytest.raises(OccurrenceInvalidError) as refused:
            schedule(
                session,
                live_journey,
                course,
                starts_at=start,
                minutes=-30,
                capacity=0,
                meeting_url="javascript:alert(1)",
                title="x" * 301,
            )
    assert set(refused.value.fields) == {"title", "ends_at", "meeting_url", "capacity"}
    assert refused.value.status == 400
    assert refused.value.fields["ends_at"] == "Träffen måste sluta efter att den har börjat."


def test_schedule_needs_a_place_or_a_link(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        with pytest.raises(OccurrenceInvalidError) as refused:
            schedule(session, live_journey, course, place="  ")
        ok = schedule(session, live_journey, course, place="", meeting_url="https://meet.test/x")
    assert "place" in refused.value.fields
    assert ok.meeting_url == "https://meet.test/x"
    assert ok.sequence == 0


def test_edit_of_time_raises_sequence_and_tells_the_signed_up(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 2)
        occurrence = schedule(session, live_journey, course)
        sign_up(session, occurrence, people[0].id)
        later = occurrence.starts_at + timedelta(hours=2)
        changed = edit_occurrence(
            session,
            occurrence,
            OccurrenceFields("Träff 1", later, later + timedelta(hours=1), "Aulan", None, 10),
        )
        title_only = edit_occurrence(
            session,
            occurrence,
            OccurrenceFields("Ny titel", later, later + timedelta(hours=1), "Aulan", None, 10),
        )
        notices = session.scalars(select(Notice)).all()
        assert changed and not title_only
        assert occurrence.sequence == 1
        assert [(n.person_id, n.kind, n.dedupe_key) for n in notices] == [
            (people[0].id, NoticeKind.SESSION_CHANGED, f"session-changed:{occurrence.key}:1")
        ]


def test_capacity_cannot_go_below_the_places_taken(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 3)
        occurrence = schedule(session, live_journey, course, capacity=5)
        for person in people:
            sign_up(session, occurrence, person.id)
        with pytest.raises(OccurrenceInvalidError) as refused:
            edit_occurrence(
                session,
                occurrence,
                OccurrenceFields("", occurrence.starts_at, occurrence.ends_at, "Aulan", None, 2),
            )
    assert "3" in refused.value.fields["capacity"]


def test_cancel_marks_it_cancelled_raises_sequence_and_tells_everyone_once(
    app: Flask, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        people = make_people(session, registration, 3)
        occurrence = schedule(session, live_journey, course, capacity=2)
        for person in people:
            sign_up(session, occurrence, person.id)
        cancel_occurrence(session, occurrence)
        cancel_occurrence(session, occurrence)
        told = sorted(session.scalars(select(Notice.person_id)).all())
        assert occurrence.status == OccurrenceStatus.CANCELLED
        assert occurrence.sequence == 1
        assert told == sorted(p.id for p in people)  # the waiting one too
