"""Signing up for an occurrence, cancelling, and the waiting list that moves up on a cancel.

Every change starts by locking the occurrence's row, so sign-ups that race for the last places
run one after another: 50 at once for 10 places give 10 places and a waiting list in the order
the sign-ups got the lock.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lti_tool.collegial.models import Occurrence, OccurrenceStatus, Signup, SignupStatus
from lti_tool.collegial.session_events import SessionEvents
from lti_tool.db import utcnow
from lti_tool.journeys.errors import JourneyConflictError, JourneyError, JourneyNotFoundError
from lti_tool.reminders.models import NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Person

ACTIVE = (SignupStatus.REGISTERED, SignupStatus.WAITING)


def lock_occurrence(session: Session, occurrence_id: int) -> Occurrence:
    """Hold the occurrence's lock until the session commits; the occurrence as committed."""
    # An UPDATE row-locks it on PostgreSQL until commit; on SQLite, as the transaction's first
    # write, it waits for the single writer lock (as journeys.player.lock_enrollment does).
    session.execute(
        update(Occurrence)
        .where(Occurrence.id == occurrence_id)
        .values(sequence=Occurrence.sequence)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return session.get_one(Occurrence, occurrence_id)


def registered_count(session: Session, occurrence: Occurrence) -> int:
    return int(
        session.scalar(
            select(func.count(Signup.id)).where(
                Signup.occurrence_id == occurrence.id, Signup.status == SignupStatus.REGISTERED
            )
        )
        or 0
    )


def places_left(session: Session, occurrence: Occurrence) -> int | None:
    """Free places, or None when the occurrence has no limit."""
    if occurrence.capacity is None:
        return None
    return max(occurrence.capacity - registered_count(session, occurrence), 0)


def signup_of(session: Session, occurrence: Occurrence, person_id: int) -> Signup | None:
    return session.scalar(
        select(Signup).where(Signup.occurrence_id == occurrence.id, Signup.person_id == person_id)
    )


def waiting_list(session: Session, occurrence: Occurrence) -> list[Signup]:
    """The waiting list, first in line first."""
    return list(
        session.scalars(
            select(Signup)
            .where(Signup.occurrence_id == occurrence.id, Signup.status == SignupStatus.WAITING)
            .order_by(Signup.queued_at, Signup.id)
        )
    )


def registered(session: Session, occurrence: Occurrence) -> list[Signup]:
    """The people with a place, in the order they got it."""
    return list(
        session.scalars(
            select(Signup)
            .where(Signup.occurrence_id == occurrence.id, Signup.status == SignupStatus.REGISTERED)
            .order_by(Signup.registered_at, Signup.id)
        )
    )


def waiting_position(session: Session, signup: Signup) -> int | None:
    """The place in the waiting list (1 = next), or None when not waiting."""
    if signup.status != SignupStatus.WAITING:
        return None
    ahead = session.scalar(
        select(func.count(Signup.id)).where(
            Signup.occurrence_id == signup.occurrence_id,
            Signup.status == SignupStatus.WAITING,
            (Signup.queued_at < signup.queued_at)
            | ((Signup.queued_at == signup.queued_at) & (Signup.id < signup.id)),
        )
    )
    return int(ahead or 0) + 1


def _check_open(occurrence: Occurrence, now: datetime) -> None:
    if occurrence.group_id is not None:
        raise JourneyError(
            "signup_not_needed",
            _l("This is your group's meeting: no sign-up is needed, just come."),
        )
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise JourneyConflictError(
            "occurrence_cancelled", _l("This session is cancelled. Choose another one.")
        )
    if occurrence.ends_at <= now:
        raise JourneyConflictError(
            "occurrence_over", _l("This session is over. Choose another one.")
        )


def sign_up(session: Session, occurrence: Occurrence, person_id: int) -> Signup:
    """A place for the person, or a place on the waiting list when all are taken; committed.

    Signing up again while signed up changes nothing.
    """
    _check_open(occurrence, utcnow())
    occurrence = lock_occurrence(session, occurrence.id)
    _check_open(occurrence, utcnow())
    signup = signup_of(session, occurrence, person_id)
    if signup is not None and signup.status in ACTIVE:
        session.commit()
        return signup
    now = utcnow()
    left = places_left(session, occurrence)
    status = SignupStatus.REGISTERED if left is None or left > 0 else SignupStatus.WAITING
    if signup is None:
        signup = Signup(occurrence_id=occurrence.id, person_id=person_id, status=status)
        session.add(signup)
    signup.status = status
    signup.queued_at = now
    signup.registered_at = now if status == SignupStatus.REGISTERED else None
    signup.cancelled_at = None
    session.flush()
    events = SessionEvents(session, occurrence)
    events.emit(
        "registered",
        session.get_one(Person, person_id),
        status=status,
        position=waiting_position(session, signup),
        at=now,
    )
    events.flush()
    session.commit()
    return signup


def cancel_signup(session: Session, occurrence: Occurrence, person_id: int) -> Signup:
    """Give up one's place (or place in line); the first waiting person gets it. Committed."""
    occurrence = lock_occurrence(session, occurrence.id)
    signup = signup_of(session, occurrence, person_id)
    if signup is None or signup.status not in ACTIVE:
        raise JourneyNotFoundError("not_signed_up", _l("You are not signed up for this session."))
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise JourneyConflictError(
            "occurrence_cancelled", _l("This session is cancelled: there is nothing to cancel.")
        )
    now = utcnow()
    was = signup.status
    position = waiting_position(session, signup)
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = now
    session.flush()
    events = SessionEvents(session, occurrence)
    events.emit(
        "unregistered",
        session.get_one(Person, person_id),
        status=SignupStatus.CANCELLED,
        position=position if was == SignupStatus.WAITING else None,
        at=now,
    )
    promote_waiting(session, occurrence, events)
    events.flush()
    session.commit()
    return signup


def promote_waiting(
    session: Session, occurrence: Occurrence, events: SessionEvents | None = None
) -> list[Signup]:
    """Give free places to the first on the waiting list, tell them; in the caller's
    transaction (the occurrence is locked)."""
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return []
    left = places_left(session, occurrence)
    queue = waiting_list(session, occurrence)
    moved = queue if left is None else queue[:left]
    if not moved:
        return []
    own = events is None
    events = events or SessionEvents(session, occurrence)
    now = utcnow()
    for signup in moved:
        signup.status = SignupStatus.REGISTERED
        signup.registered_at = now
        notify(
            session,
            organization_id=occurrence.organization_id,
            person_id=signup.person_id,
            kind=NoticeKind.WAITLIST_PLACE,
            dedupe_key=f"waitlist-place:{occurrence.key}:{signup.id}:{signup.queued_at.isoformat()}",
            payload={
                "occurrence": occurrence.key,
                "title": occurrence.title,
                "starts_at": occurrence.starts_at.isoformat(),
                "place": occurrence.place,
            },
        )
        events.emit(
            "registered",
            session.get_one(Person, signup.person_id),
            status=SignupStatus.REGISTERED,
            at=now,
        )
    session.flush()
    if own:
        events.flush()
    return moved
