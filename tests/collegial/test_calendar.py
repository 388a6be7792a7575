"""The personal iCalendar feed: what it lists, stable UIDs, SEQUENCE, CANCELLED, revocation."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar  # type: ignore[import-untyped]
from sqlalchemy import select

from lti_tool.collegial.calendar import make_feed, revoke_feeds, token_hash
from lti_tool.collegial.models import CalendarFeed
from lti_tool.collegial.occurrences import OccurrenceFields, cancel_occurrence, edit_occurrence
from lti_tool.collegial.signups import sign_up
from lti_tool.db import get_database
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from tests.collegial.sessions_support import (  # noqa: F401 - fixtures
    live_journey_fixture,
    make_course,
    make_group,
    make_people,
    schedule,
)


def _events(client: FlaskClient, token: str) -> dict[str, dict[str, str]]:
    response = client.get(f"/sessions/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    return {str(e["UID"]): {k: str(v) for k, v in e.items()} for e in calendar.walk("VEVENT")}


def test_feed_lists_my_places_and_my_groups_meetings_only(
    app: Flask, client: FlaskClient, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        me, other = make_people(session, registration, 2)
        mine = schedule(session, live_journey, course, meeting_url="https://meet.test/a")
        not_mine = schedule(session, live_journey, course, place="Biblioteket")
        group = make_group(session, course, [me])
        meeting = schedule(session, live_journey, course, group=group, capacity=None)
        sign_up(session, mine, me.id)
        sign_up(session, not_mine, other.id)
        token = make_feed(session, registration.organization_id, me.id)
        keys = (mine.key, not_mine.key, meeting.key)
        stored = session.scalars(select(CalendarFeed.token_hash)).all()
    events = _events(client, token)
    assert set(events) == {f"{keys[0]}@tool.test", f"{keys[2]}@tool.test"}
    first = events[f"{keys[0]}@tool.test"]
    assert first["LOCATION"] == "Aulan"
    assert first["URL"] == "https://meet.test/a"
    assert "https://meet.test/a" in first["DESCRIPTION"]
    assert first["SEQUENCE"] == "0"
    assert first["STATUS"] == "CONFIRMED"
    # Only the token's hash is kept.
    assert stored == [token_hash(token)]


def test_change_raises_sequence_and_cancel_marks_it_cancelled(
    app: Flask, client: FlaskClient, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        course = make_course(session, registration)
        (me,) = make_people(session, registration, 1)
        moved = schedule(session, live_journey, course)
        cancelled = schedule(session, live_journey, course)
        sign_up(session, moved, me.id)
        sign_up(session, cancelled, me.id)
        later = moved.starts_at + timedelta(days=1)
        edit_occurrence(
            session,
            moved,
            OccurrenceFields("Träff 1", later, later + timedelta(hours=1), "Rum 12", None, 10),
        )
        cancel_occurrence(session, cancelled)
        token = make_feed(session, registration.organization_id, me.id)
        keys = (moved.key, cancelled.key)
    events = _events(client, token)
    assert events[f"{keys[0]}@tool.test"]["SEQUENCE"] == "1"
    assert events[f"{keys[0]}@tool.test"]["LOCATION"] == "Rum 12"
    assert events[f"{keys[1]}@tool.test"]["STATUS"] == "CANCELLED"
    assert events[f"{keys[1]}@tool.test"]["SEQUENCE"] == "1"


def test_revoked_and_unknown_tokens_are_404(
    app: Flask, client: FlaskClient, registration: Registration, live_journey: Journey
) -> None:
    with app.app_context(), get_database(app).session() as session:
        (me,) = make_people(session, registration, 1)
        old = make_feed(session, registration.organization_id, me.id)
        new = make_feed(session, registration.organization_id, me.id)
        newest_revoked = revoke_feeds(session, registration.organization_id, me.id)
    assert newest_revoked == 1
    assert client.get(f"/sessions/calendar/{old}.ics").status_code == 404
    assert client.get(f"/sessions/calendar/{new}.ics").status_code == 404
    assert client.get("/sessions/calendar/nothing.ics").status_code == 404
