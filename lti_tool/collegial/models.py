"""Groups of colleagues and the live sessions they meet in.

A group (lärgrupp, arbetslag) belongs to one course (``context_id``) or to a whole school unit
(``unit_id``); its members are people of the organisation, some of them its facilitators
(processledare). A person is a member of at most one group per course or unit (``scope``), as in
a Canvas group set; a facilitator may lead several groups.

A live session step (träff) has occurrences: one meeting each, for the step of a journey in one
course, or for one group (the meeting phase of a collegial cycle). Occurrences are data, not
journey content: their time and place change while the published journey does not, and each
change raises ``sequence`` so calendar clients update the event.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, utcnow
from lti_tool.db import str_enum as _enum
from lti_tool.tenancy.models import Person


class GroupSource(StrEnum):
    """Where a group came from: made in the tool, or imported from the platform."""

    MANUAL = "manual"
    ROSTER = "roster"  # split from the course roster (NRPS)
    PLATFORM = "platform"  # a group of the platform's own (a Canvas group set)


class GroupRole(StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class Group(Base):
    """A group of colleagues in one course or one school unit."""

    __tablename__ = "collegial_groups"
    __table_args__ = (
        CheckConstraint("(context_id IS NULL) <> (unit_id IS NULL)", name="course_or_unit"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        Index("ix_collegial_groups_scope", "scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable and random: the group's xAPI identity and the key in its links.
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    context_id: Mapped[int | None] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    # "context:<id>" or "unit:<id>": where a person may be a member of one group only.
    scope: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Learners may join it themselves (up to ``capacity`` members, when set).
    open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    capacity: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[GroupSource] = mapped_column(_enum(GroupSource), default=GroupSource.MANUAL)
    # The platform's id of an imported group, so a new import updates it instead of adding one.
    external_id: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="GroupMember.id"
    )


def scope_of(context_id: int | None, unit_id: int | None) -> str:
    """The ``Group.scope`` of a course's or a unit's groups."""
    return f"context:{context_id}" if context_id is not None else f"unit:{unit_id}"


class GroupMember(Base):
    """A person in a group, as a member or as one of its facilitators."""

    __tablename__ = "collegial_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        # One group per person and course (or unit), even when two joins race.
        Index(
            "uq_collegial_group_members_scope_member",
            "scope",
            "person_id",
            unique=True,
            postgresql_where=text("role = 'member'"),
            sqlite_where=text("role = 'member'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_groups.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The group's scope, copied so the database can hold the one-group rule.
    scope: Mapped[str] = mapped_column(String(40))
    role: Mapped[GroupRole] = mapped_column(_enum(GroupRole), default=GroupRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class OccurrenceStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Occurrence(Base):
    """One meeting of a live session step (or of a group's meeting phase)."""

    __tablename__ = "collegial_occurrences"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        Index("ix_collegial_occurrences_step", "journey_id", "step_key", "context_id"),
        Index("ix_collegial_occurrences_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The iCalendar UID and the xAPI activity's last part.
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    # The step's key (stable across versions): a session keeps its sign-ups over a new version.
    step_key: Mapped[str] = mapped_column(String(36))
    context_id: Mapped[int | None] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    # Set for a group's own meeting (a collegial cycle's meeting phase): only its members come.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("collegial_groups.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str | None] = mapped_column(String(2000))
    # Places; NULL means as many as come.
    capacity: Mapped[int | None] = mapped_column(Integer)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[OccurrenceStatus] = mapped_column(
        _enum(OccurrenceStatus), default=OccurrenceStatus.SCHEDULED
    )
    # iCalendar SEQUENCE: raised by every change of time, place or status.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The short code the facilitator shows in the room for self check-in.
    check_in_code: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    signups: Mapped[list[Signup]] = relationship(
        back_populates="occurrence", cascade="all, delete-orphan", order_by="Signup.id"
    )


class SignupStatus(StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Signup(Base):
    """A person's place on an occurrence, or on its waiting list (ordered by ``queued_at``, id).

    One row per person and occurrence: cancelling keeps the row (status ``cancelled``), and
    signing up again reuses it at the end of the queue.
    """

    __tablename__ = "collegial_signups"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_id"),
        Index("ix_collegial_signups_occurrence_status", "occurrence_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_occurrences.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[SignupStatus] = mapped_column(_enum(SignupStatus))
    # When the person joined the queue this time: the waiting list's order.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    occurrence: Mapped[Occurrence] = relationship(back_populates="signups")


class AttendanceMethod(StrEnum):
    SELF_CHECK_IN = "self"  # the learner entered the code shown in the room
    FACILITATOR = "facilitator"  # the facilitator marked them present


class Attendance(Base):
    """A person present at an occurrence, once."""

    __tablename__ = "collegial_attendance"
    __table_args__ = (UniqueConstraint("occurrence_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_occurrences.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    method: Mapped[AttendanceMethod] = mapped_column(_enum(AttendanceMethod))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckInFailure(Base):
    """A wrong check-in code, kept a while: the limit on guessing holds across every app host."""

    __tablename__ = "collegial_check_in_failures"
    __table_args__ = (
        Index("ix_collegial_check_in_failures_person", "occurrence_id", "person_id", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("collegial_occurrences.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(Base):
    """A person's personal iCalendar feed: a secret URL, kept only as its hash; revocable."""

    __tablename__ = "collegial_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # SHA-256 of the token in the URL: a copy of the database gives no working feed URL.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
