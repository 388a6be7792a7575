"""Each learner's personal iCalendar feed of their sessions, behind a secret, revocable URL.

Only the SHA-256 of the URL's token is kept: the URL is shown once, when it is made. A feed
lists the occurrences the person has a place at and their groups' meetings; a change of time or
place raises the event's SEQUENCE, and a cancelled occurrence stays in it as CANCELLED so the
calendar removes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event  # type: ignore[import-untyped]
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lti_tool.collegial.models import (
    CalendarFeed,
    GroupMember,
    Occurrence,
    OccurrenceStatus,
    Signup,
    SignupStatus,
)
from lti_tool.db import utcnow
from lti_tool.journeys.models import JourneyVersion, Step

# How far back a feed reaches: a calendar keeps past events itself.
HISTORY = timedelta(days=180)
MAX_EVENTS = 500
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_feed(session: Session, organization_id: int, person_id: int) -> str:
    """A new feed for the person (their earlier ones stop working); its token. Committed."""
    revoke_feeds(session, organization_id, person_id, commit=False)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        CalendarFeed(
            organization_id=organization_id, person_id=person_id, token_hash=token_hash(token)
        )
    )
    session.commit()
    return token


def revoke_feeds(
    session: Session, organization_id: int, person_id: int, commit: bool = True
) -> int:
    """Stop the person's feeds; how many were active."""
    result = session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.organization_id == organization_id,
            CalendarFeed.person_id == person_id,
            CalendarFeed.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if commit:
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def active_feed(session: Session, organization_id: int, person_id: int) -> CalendarFeed | None:
    return session.scalar(
        select(CalendarFeed)
        .where(
            CalendarFeed.organization_id == organization_id,
            CalendarFeed.person_id == person_id,
            CalendarFeed.revoked_at.is_(None),
        )
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def feed_by_token(session: Session, token: str) -> CalendarFeed | None:
    """The active feed with this token, or None (unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    return session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )


def feed_occurrences(session: Session, feed: CalendarFeed) -> list[Occurrence]:
    """The person's occurrences, by start."""
    person = feed.person_id
    has_place = select(Signup.occurrence_id).where(
        Signup.person_id == person, Signup.status == SignupStatus.REGISTERED
    )
    in_group = select(GroupMember.group_id).where(GroupMember.person_id == person)
    return list(
        session.scalars(
            select(Occurrence)
            .where(
                Occurrence.organization_id == feed.organization_id,
                Occurrence.ends_at >= utcnow() - HISTORY,
                or_(
                    Occurrence.id.in_(has_place),
                    Occurrence.group_id.in_(in_group),
                    Occurrence.facilitator_id == person,
                ),
            )
            .order_by(Occurrence.starts_at, Occurrence.id)
            .limit(MAX_EVENTS)
        )
    )


def _step_titles(session: Session, items: list[Occurrence]) -> dict[tuple[int, str], str]:
    """The steps' titles in their journeys' newest versions, read in one query."""
    if not items:
        return {}
    rows = session.execute(
        select(JourneyVersion.journey_id, Step.key, Step.title)
        .join(JourneyVersion, JourneyVersion.id == Step.version_id)
        .where(
            JourneyVersion.journey_id.in_({o.journey_id for o in items}),
            Step.key.in_({o.step_key for o in items}),
        )
        .order_by(JourneyVersion.id)
    )
    return {(row[0], row[1]): row[2] for row in rows}


def render_feed(session: Session, feed: CalendarFeed, base_url: str, name: str) -> bytes:
    """The feed as an iCalendar document; notes when it was read."""
    host = urlsplit(base_url).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//lti-journeys//sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    items = feed_occurrences(session, feed)
    titles = _step_titles(session, items)
    for occurrence in items:
        step_title = titles.get((occurrence.journey_id, occurrence.step_key), "")
        event = Event()
        event.add("uid", f"{occurrence.key}@{host}")
        event.add("dtstamp", occurrence.updated_at)
        event.add("last-modified", occurrence.updated_at)
        event.add("dtstart", occurrence.starts_at)
        event.add("dtend", occurrence.ends_at)
        event.add("sequence", occurrence.sequence)
        event.add("summary", occurrence.title or step_title)
        cancelled = occurrence.status == OccurrenceStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if occurrence.place:
            event.add("location", occurrence.place)
        description = [step_title] if step_title else []
        if occurrence.meeting_url:
            event.add("url", occurrence.meeting_url)
            description.append(occurrence.meeting_url)
        event.add("description", "\n".join(description))
        calendar.add_component(event)
    feed.last_read_at = utcnow()
    session.commit()
    return bytes(calendar.to_ical())
