"""Scheduling, changing and cancelling the occurrences of a live session step (träffar).

An occurrence belongs to one step of a journey in one course, or to one group (the meeting of a
collegial cycle step). Every change of its time, place, link or status raises ``sequence``, so the
learners' calendars update the event, and tells the people who signed up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import (
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
    OccurrenceStatus,
    Signup,
    SignupStatus,
)
from lti_tool.collegial.signups import lock_occurrence, promote_waiting, registered_count
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.reminders.models import NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.validation import CONTROL, CONTROL_IN_TEXT

# No 0/O, 1/I/L: a code read aloud or from a projector is typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_TITLE = 300
MAX_PLACE = 300
MAX_URL = 2000
MAX_CAPACITY = 10_000
MAX_LENGTH = timedelta(hours=24)


def new_check_in_code() -> str:
    """A short random code to show in the room (31**6, about 890 million codes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class OccurrenceInvalidError(JourneyError):
    """The occurrence's fields do not hold; ``fields`` maps each field to what is wrong."""

    status = 400

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("occurrence_invalid", " ".join(str(v) for v in fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class OccurrenceFields:
    """What a facilitator gives for an occurrence."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    meeting_url: str | None
    capacity: int | None
    facilitator_id: int | None = None


def field_errors(fields: OccurrenceFields, registered: int = 0) -> dict[str, str]:
    """Per field, what is wrong (empty when all is well); ``registered``: places taken now."""
    errors: dict[str, str] = {}
    if len(fields.title) > MAX_TITLE or CONTROL.search(fields.title):
        errors["title"] = str(_l("Keep the title under %(n)d characters.", n=MAX_TITLE))
    if fields.starts_at is None:
        errors["starts_at"] = str(_l("Give the date and the start time."))
    if fields.ends_at is None:
        errors["ends_at"] = str(_l("Give the end time."))
    elif fields.starts_at is not None:
        if fields.ends_at <= fields.starts_at:
            errors["ends_at"] = str(_l("The session must end after it starts."))
        elif fields.ends_at - fields.starts_at > MAX_LENGTH:
            errors["ends_at"] = str(_l("A session lasts at most 24 hours."))
    if len(fields.place) > MAX_PLACE or CONTROL_IN_TEXT.search(fields.place):
        errors["place"] = str(_l("Keep the place under %(n)d characters.", n=MAX_PLACE))
    if fields.meeting_url:
        parts = urlsplit(fields.meeting_url)
        if (
            len(fields.meeting_url) > MAX_URL
            or CONTROL.search(fields.meeting_url)
            or parts.scheme not in ("http", "https")
            or not parts.netloc
        ):
            errors["meeting_url"] = str(
                _l("The meeting link must be a full web address starting with https://.")
            )
    if fields.capacity is not None:
        if not 1 <= fields.capacity <= MAX_CAPACITY:
            errors["capacity"] = str(
                _l("Places must be a number from 1 to %(n)d, or empty.", n=MAX_CAPACITY)
            )
        elif fields.capacity < registered:
            errors["capacity"] = str(
                _l(
                    "%(count)d people already have a place: give at least that many places.",
                    count=registered,
                )
            )
    if not fields.place.strip() and not fields.meeting_url:
        errors.setdefault("place", str(_l("Give a place, a meeting link, or both.")))
    return errors


def schedule_occurrence(
    session: Session,
    *,
    organization_id: int,
    journey_id: int,
    step_key: str,
    context_id: int | None,
    group_id: int | None,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    place: str,
    meeting_url: str | None,
    capacity: int | None,
    facilitator_id: int | None,
    created_by_id: int | None,
) -> Occurrence:
    """A new occurrence of the step in the course (or of the group's meeting); committed."""
    fields = OccurrenceFields(
        title.strip(), starts_at, ends_at, place.strip(), meeting_url or None, capacity
    )
    errors = field_errors(fields)
    if errors:
        raise OccurrenceInvalidError(errors)
    assert fields.starts_at is not None and fields.ends_at is not None  # noqa: S101 - checked
    occurrence = Occurrence(
        organization_id=organization_id,
        journey_id=journey_id,
        step_key=step_key,
        context_id=context_id,
        group_id=group_id,
        title=fields.title,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        place=fields.place,
        meeting_url=fields.meeting_url,
        capacity=fields.capacity,
        facilitator_id=facilitator_id,
        status=OccurrenceStatus.SCHEDULED,
        sequence=0,
        check_in_code=new_check_in_code(),
        created_by_id=created_by_id,
    )
    session.add(occurrence)
    session.commit()
    return occurrence


def edit_occurrence(session: Session, occurrence: Occurrence, fields: OccurrenceFields) -> bool:
    """Change the occurrence; committed. True when its time, place or link changed (and
    the people coming were told)."""
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise JourneyError(
            "occurrence_cancelled",
            _l("This session is cancelled and can no longer be changed. Schedule a new one."),
            409,
        )
    occurrence = lock_occurrence(session, occurrence.id)
    fields = OccurrenceFields(
        fields.title.strip(),
        fields.starts_at,
        fields.ends_at,
        fields.place.strip(),
        fields.meeting_url or None,
        fields.capacity,
        fields.facilitator_id,
    )
    errors = field_errors(fields, registered_count(session, occurrence))
    if errors:
        raise OccurrenceInvalidError(errors)
    changed = (
        occurrence.starts_at != fields.starts_at
        or occurrence.ends_at != fields.ends_at
        or occurrence.place != fields.place
        or (occurrence.meeting_url or None) != fields.meeting_url
    )
    assert fields.starts_at is not None and fields.ends_at is not None  # noqa: S101 - checked
    occurrence.title = fields.title
    occurrence.starts_at = fields.starts_at
    occurrence.ends_at = fields.ends_at
    occurrence.place = fields.place
    occurrence.meeting_url = fields.meeting_url
    occurrence.capacity = fields.capacity
    if fields.facilitator_id is not None:
        occurrence.facilitator_id = fields.facilitator_id
    if changed:
        occurrence.sequence += 1
        _tell_people(session, occurrence, "changed")
    # More places may let people on the waiting list in.
    promote_waiting(session, occurrence)
    session.commit()
    return changed


def cancel_occurrence(session: Session, occurrence: Occurrence) -> None:
    """Cancel the occurrence and tell the people coming; committed. Cancelling twice is a no-op."""
    occurrence = lock_occurrence(session, occurrence.id)
    if occurrence.status == OccurrenceStatus.CANCELLED:
        session.commit()
        return
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.sequence += 1
    _tell_people(session, occurrence, "cancelled")
    session.commit()


def coming(session: Session, occurrence: Occurrence) -> list[int]:
    """The people expected: the group's members, or those with a place or on the waiting list."""
    if occurrence.group_id is not None:
        return list(
            session.scalars(
                select(GroupMember.person_id)
                .where(GroupMember.group_id == occurrence.group_id)
                .order_by(GroupMember.id)
            )
        )
    return list(
        session.scalars(
            select(Signup.person_id)
            .where(
                Signup.occurrence_id == occurrence.id,
                Signup.status.in_((SignupStatus.REGISTERED, SignupStatus.WAITING)),
            )
            .order_by(Signup.id)
        )
    )


def _tell_people(session: Session, occurrence: Occurrence, what: str) -> None:
    payload = {
        "occurrence": occurrence.key,
        "title": occurrence.title,
        "what": what,
        "starts_at": occurrence.starts_at.isoformat(),
        "ends_at": occurrence.ends_at.isoformat(),
        "place": occurrence.place,
        "meeting_url": occurrence.meeting_url,
    }
    for person_id in coming(session, occurrence):
        notify(
            session,
            organization_id=occurrence.organization_id,
            person_id=person_id,
            kind=NoticeKind.SESSION_CHANGED,
            dedupe_key=f"session-changed:{occurrence.key}:{occurrence.sequence}",
            payload=payload,
        )


def occurrence_by_key(session: Session, organization_id: int, key: str) -> Occurrence:
    """The organisation's occurrence with this key, else a 404."""
    occurrence = session.scalar(
        select(Occurrence).where(
            Occurrence.organization_id == organization_id, Occurrence.key == key[:36]
        )
    )
    if occurrence is None:
        raise JourneyNotFoundError(
            "occurrence_not_found", _l("That session does not exist, or it is not yours to see.")
        )
    return occurrence


def step_occurrences(
    session: Session, organization_id: int, journey_id: int, step_key: str, context_id: int | None
) -> list[Occurrence]:
    """The course's own occurrences of the step (not groups' meetings), by start."""
    return list(
        session.scalars(
            select(Occurrence)
            .where(
                Occurrence.organization_id == organization_id,
                Occurrence.journey_id == journey_id,
                Occurrence.step_key == step_key,
                Occurrence.context_id == context_id
                if context_id is not None
                else Occurrence.context_id.is_(None),
                Occurrence.group_id.is_(None),
            )
            .order_by(Occurrence.starts_at, Occurrence.id)
        )
    )


def group_step_occurrences(
    session: Session, organization_id: int, journey_id: int, step_key: str, group_ids: list[int]
) -> list[Occurrence]:
    """The meetings of these groups for the step, by start."""
    if not group_ids:
        return []
    return list(
        session.scalars(
            select(Occurrence)
            .where(
                Occurrence.organization_id == organization_id,
                Occurrence.journey_id == journey_id,
                Occurrence.step_key == step_key,
                Occurrence.group_id.in_(group_ids),
            )
            .order_by(Occurrence.starts_at, Occurrence.id)
        )
    )


def is_group_member(session: Session, occurrence: Occurrence, person_id: int) -> bool:
    """Whether the person is a member of the occurrence's group."""
    if occurrence.group_id is None:
        return False
    role = session.scalar(
        select(GroupMember.role).where(
            GroupMember.group_id == occurrence.group_id, GroupMember.person_id == person_id
        )
    )
    return role == GroupRole.MEMBER


def group_of(session: Session, occurrence: Occurrence) -> Group | None:
    return session.get(Group, occurrence.group_id) if occurrence.group_id is not None else None
