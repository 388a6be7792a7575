"""A group's logbook (loggbok): entries by members, comments by members and facilitators.

An entry may be written for a phase of a cycle step; one written for a follow-up phase does that
phase for the whole group. Files attached to entries follow the evidence limits. Statements carry
the length of what was written, never the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lti_tool.collegial.cycle_access import Viewer
from lti_tool.collegial.cycle_models import LogbookAttachment, LogbookComment, LogbookEntry
from lti_tool.collegial.cycle_progress import group_phase_done, lock_group
from lti_tool.collegial.cycle_state import cycle_config, find_phase
from lti_tool.collegial.models import Group
from lti_tool.collegial.statements import CollegialStatements
from lti_tool.journeys.authoring import journey_by_slug, latest_published
from lti_tool.journeys.content import DEFAULT_FILE_TYPES, CyclePhase
from lti_tool.journeys.errors import JourneyError, JourneyForbiddenError, JourneyNotFoundError
from lti_tool.journeys.evidence import Upload, check_file
from lti_tool.journeys.models import Journey, StepType
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Organization, Person
from xapi.statements import ActivityRef

MAX_TITLE = 300
MAX_BODY = 20_000
MAX_COMMENT = 10_000
ATTACHMENT_MB = 10
ENTRY_NAMES = {"sv": "Loggboksinlägg", "en": "Logbook entry"}


@dataclass(frozen=True)
class PhaseTag:
    """The cycle phase an entry is written for: journey slug, step key, phase key."""

    journey_slug: str
    step_key: str
    phase_key: str


@dataclass(frozen=True)
class TaggedPhase:
    journey: Journey
    step_key: str
    phase: CyclePhase


@dataclass(frozen=True)
class LogbookActivity:
    entries: int
    comments: int
    last_at: datetime | None


def _text(value: str, limit: int, code: str) -> str:
    text = value.strip()
    if not text:
        raise JourneyError(f"{code}_empty", _l("Write something before you send it."))
    if len(text) > limit:
        raise JourneyError(
            f"{code}_too_long", _l("Keep it under %(count)d characters.", count=limit)
        )
    return text


def _tagged(session: Session, group: Group, tag: PhaseTag) -> TaggedPhase:
    journey = journey_by_slug(session, group.organization_id, tag.journey_slug)
    version = latest_published(session, journey) if journey is not None else None
    step = next(
        (
            s
            for section in (version.sections if version is not None else [])
            for s in section.steps
            if s.key == tag.step_key and s.type == StepType.COLLEGIAL_CYCLE
        ),
        None,
    )
    if journey is None or step is None:
        raise JourneyNotFoundError("phase_not_found", _l("That phase is not part of this cycle."))
    return TaggedPhase(journey, step.key, find_phase(cycle_config(step), tag.phase_key))


def _statements(session: Session, group: Group) -> CollegialStatements:
    organization = session.get_one(Organization, group.organization_id)
    return CollegialStatements(session, get_recording(), organization)


def _entry_activity(
    statements: CollegialStatements, group: Group, entry: LogbookEntry
) -> ActivityRef:
    factory = statements.factory
    return factory.activity(
        "logbook-entry",
        factory.activity_iri("groups", group.key, "logbook", entry.key),
        ENTRY_NAMES,
    )


def post_entry(
    session: Session,
    group: Group,
    viewer: Viewer,
    author_id: int,
    title: str,
    body: str,
    upload: Upload | None = None,
    tag: PhaseTag | None = None,
) -> LogbookEntry:
    """A member's entry; one for a follow-up phase does the phase for the group."""
    if viewer != Viewer.MEMBER:
        raise JourneyForbiddenError(
            "logbook_members_only",
            _l("Entries are written by the group's members; comment on them instead."),
        )
    heading = title.strip()
    if len(heading) > MAX_TITLE:
        raise JourneyError("logbook_title_too_long", _l("Keep the title under 300 characters."))
    text = _text(body, MAX_BODY, "logbook_body")
    tagged = _tagged(session, group, tag) if tag is not None else None
    if tagged is not None and tagged.phase.kind == "follow_up":
        lock_group(session, group)
    entry = LogbookEntry(
        organization_id=group.organization_id,
        group_id=group.id,
        author_id=author_id,
        title=heading,
        body=text,
    )
    if tagged is not None:
        entry.journey_id = tagged.journey.id
        entry.step_key = tagged.step_key
        entry.phase_key = tagged.phase.key
    if upload is not None and (upload.filename or upload.data):
        types = tagged.phase.file_types if tagged else list(DEFAULT_FILE_TYPES)
        limit = tagged.phase.max_file_mb if tagged else ATTACHMENT_MB
        name, content_type, data = check_file(upload, types, limit)
        entry.attachments.append(
            LogbookAttachment(filename=name, content_type=content_type, size=len(data), data=data)
        )
    session.add(entry)
    session.flush()
    statements = _statements(session, group)
    author = session.get_one(Person, author_id)
    extension = statements.factory.profile.extension("text-length")
    statements.record(
        [
            statements.build(
                "posted",
                author,
                _entry_activity(statements, group, entry),
                statements.situation(group=group),
                {"extensions": {extension: len(text)}},
            )
        ]
    )
    if tagged is not None and tagged.phase.kind == "follow_up":
        group_phase_done(session, group, tagged.journey, tagged.step_key, tagged.phase.key)
    session.commit()
    return entry


def comment(
    session: Session, group: Group, viewer: Viewer, author_id: int, entry_key: str, body: str
) -> LogbookComment:
    """A comment on an entry of the group's logbook, by a member, facilitator or course staff."""
    entry = session.scalars(
        select(LogbookEntry).where(LogbookEntry.key == entry_key, LogbookEntry.group_id == group.id)
    ).first()
    if entry is None:
        raise JourneyNotFoundError("entry_not_found", _l("That logbook entry does not exist."))
    text = _text(body, MAX_COMMENT, "logbook_comment")
    reply = LogbookComment(entry_id=entry.id, author_id=author_id, body=text)
    session.add(reply)
    session.flush()
    statements = _statements(session, group)
    author = session.get_one(Person, author_id)
    extension = statements.factory.profile.extension("text-length")
    statements.record(
        [
            statements.build(
                "replied",
                author,
                _entry_activity(statements, group, entry),
                statements.situation(group=group),
                {"extensions": {extension: len(text)}},
            )
        ]
    )
    session.commit()
    return reply


def entries(session: Session, group: Group) -> list[LogbookEntry]:
    """The group's entries, newest first, with their comments and attachments."""
    return list(
        session.scalars(
            select(LogbookEntry)
            .where(LogbookEntry.group_id == group.id)
            .options(selectinload(LogbookEntry.comments), selectinload(LogbookEntry.attachments))
            .order_by(LogbookEntry.created_at.desc(), LogbookEntry.id.desc())
        )
    )


def authors(session: Session, found: list[LogbookEntry]) -> dict[int, Person]:
    """The people who wrote the entries and comments, by id."""
    ids = {e.author_id for e in found} | {c.author_id for e in found for c in e.comments}
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def attachment(session: Session, group: Group, attachment_id: int) -> LogbookAttachment:
    """A file of one of the group's entries (never another group's)."""
    found = session.scalars(
        select(LogbookAttachment)
        .join(LogbookEntry, LogbookEntry.id == LogbookAttachment.entry_id)
        .where(LogbookAttachment.id == attachment_id, LogbookEntry.group_id == group.id)
    ).first()
    if found is None:
        raise JourneyNotFoundError("attachment_not_found", _l("That file does not exist."))
    return found


def activity(session: Session, group_ids: list[int]) -> dict[int, LogbookActivity]:
    """Per group: its entries, the comments on them, and the latest of either."""
    counts: dict[int, LogbookActivity] = {g: LogbookActivity(0, 0, None) for g in group_ids}
    if not group_ids:
        return counts
    entry_rows = session.execute(
        select(
            LogbookEntry.group_id, func.count(LogbookEntry.id), func.max(LogbookEntry.created_at)
        )
        .where(LogbookEntry.group_id.in_(group_ids))
        .group_by(LogbookEntry.group_id)
    ).all()
    comment_rows = session.execute(
        select(
            LogbookEntry.group_id,
            func.count(LogbookComment.id),
            func.max(LogbookComment.created_at),
        )
        .join(LogbookEntry, LogbookEntry.id == LogbookComment.entry_id)
        .where(LogbookEntry.group_id.in_(group_ids))
        .group_by(LogbookEntry.group_id)
    ).all()
    for group_id, count, last in entry_rows:
        counts[group_id] = LogbookActivity(int(count), 0, last)
    for group_id, count, last in comment_rows:
        before = counts[group_id]
        latest = max((t for t in (before.last_at, last) if t is not None), default=None)
        counts[group_id] = LogbookActivity(before.entries, int(count), latest)
    return counts
