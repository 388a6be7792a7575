"""A group's work on a collegial cycle step: contributions, the logbook and peer feedback.

A cycle step (kollegialt lärande) of a journey is run by a group through the phases its author
defined (``journeys.content.CollegialCycleConfig``). Each member's own work in an individual
phase (a preparation's reflection, evidence from the classroom) is a ``Contribution``; the
group's shared follow-up is written in its logbook. Everything here is visible to the group's
members and facilitators only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, utcnow
from lti_tool.db import str_enum as _enum


class ContributionKind(StrEnum):
    REFLECTION = "reflection"  # a preparation's individual reflection
    EVIDENCE = "evidence"  # practice evidence: text, a link or a file


class Contribution(Base):
    """One member's work in an individual phase of a cycle (one per person, phase and kind)."""

    __tablename__ = "collegial_contributions"
    __table_args__ = (
        UniqueConstraint("group_id", "journey_id", "step_key", "phase_key", "person_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_groups.id", ondelete="CASCADE"), index=True
    )
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(36))
    phase_key: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[ContributionKind] = mapped_column(_enum(ContributionKind))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PhaseCompletion(Base):
    """A phase of a cycle done: by one member (individual phases) or by the group (person NULL)."""

    __tablename__ = "collegial_phase_completions"
    __table_args__ = (
        UniqueConstraint("group_id", "journey_id", "step_key", "phase_key", "person_id"),
        Index("ix_collegial_phase_completions_group_step", "group_id", "journey_id", "step_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("collegial_groups.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(36))
    phase_key: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogbookEntry(Base):
    """An entry in a group's logbook (loggbok); tied to a cycle's phase when written for one."""

    __tablename__ = "collegial_logbook_entries"
    __table_args__ = (
        Index("ix_collegial_logbook_entries_group_created", "group_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("collegial_groups.id", ondelete="CASCADE"))
    journey_id: Mapped[int | None] = mapped_column(ForeignKey("journeys.id", ondelete="SET NULL"))
    step_key: Mapped[str | None] = mapped_column(String(36))
    phase_key: Mapped[str | None] = mapped_column(String(36))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    comments: Mapped[list[LogbookComment]] = relationship(
        order_by="LogbookComment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[LogbookAttachment]] = relationship(
        order_by="LogbookAttachment.id", cascade="all, delete-orphan"
    )


class LogbookComment(Base):
    """A comment on a logbook entry by a member or a facilitator (the formative dialogue)."""

    __tablename__ = "collegial_logbook_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_logbook_entries.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogbookAttachment(Base):
    """A file attached to a logbook entry, under the evidence limits; kept in the database."""

    __tablename__ = "collegial_logbook_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_logbook_entries.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeerFeedback(Base):
    """One member's structured feedback on a colleague's practice evidence (once per giver)."""

    __tablename__ = "collegial_peer_feedback"
    __table_args__ = (UniqueConstraint("contribution_id", "giver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_contributions.id", ondelete="CASCADE"), index=True
    )
    giver_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The author's structure, by default two strengths and one next step.
    strengths: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
