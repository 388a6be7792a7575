"""Reminders: notices shown in the tool and, where the organisation sends e-mail, mailed once.

A notice is made once per person and reason (``dedupe_key``, e.g. ``session-soon:<occurrence>``),
so a worker that runs twice, or two workers at once, never remind anyone twice. Its e-mail state
moves from ``pending`` to ``sent`` (or ``skipped`` for a person who opted out or has no address,
or ``failed`` after the last retry).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import Base, UTCDateTime, utcnow
from lti_tool.db import str_enum as _enum


class NoticeKind(StrEnum):
    SESSION_SOON = "session_soon"  # an occurrence the person signed up for starts soon
    SESSION_CHANGED = "session_changed"  # its time or place changed, or it was cancelled
    WAITLIST_PLACE = "waitlist_place"  # a place came free and is now theirs
    PHASE_WAITING = "phase_waiting"  # the group waits on this person's part of a phase
    STEP_OVERDUE = "step_overdue"  # an assigned journey's due date has passed
    NUDGE = "nudge"  # a facilitator's reminder


class EmailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class Notice(Base):
    """One reminder to one person; the panel on the overview lists the unread ones."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("person_id", "dedupe_key"),
        Index("ix_notices_email_state", "email_state", "next_attempt_at"),
        Index("ix_notices_person_read", "person_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    # What the notice's text is made from (names, times, links), rendered in the reader's language.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[EmailState] = mapped_column(_enum(EmailState), default=EmailState.PENDING)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(String(500))


class NoticePreference(Base):
    """A person's choice about reminder e-mail (the panel in the tool always shows notices)."""

    __tablename__ = "notice_preferences"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
