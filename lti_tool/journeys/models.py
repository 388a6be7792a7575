"""Journey models: what a journey is (versions, goals, sections, steps) and how learners walk it.

A published ``JourneyVersion`` never changes: enrollments and xAPI statements point at it. Goals,
sections and steps carry a ``key`` (a UUID) that stays the same when a new draft is copied from a
published version, so activity IRIs and reports follow a step across versions.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, new_key, utcnow
from lti_tool.db import str_enum as _enum


class Visibility(StrEnum):
    PRIVATE = "private"
    SHARED = "shared"  # in the library: every organisation may copy it


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class MasteryPolicy(StrEnum):
    """What happens to a step whose goals the learner rates as mastered."""

    WAIVE = "waive"
    OPTIONAL = "optional"


class StepType(StrEnum):
    CONTENT = "content"
    REFLECTION = "reflection"
    KNOWLEDGE_CHECK = "knowledge_check"
    PRACTICE = "practice"
    LIVE_SESSION = "live_session"  # a meeting with occurrences, sign-up and attendance
    COLLEGIAL_CYCLE = "collegial_cycle"  # a group's prepare - meet - try - follow-up cycle


class ProgressStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAIVED = "waived"


class AssignmentLevel(StrEnum):
    """The three levels of competence development."""

    ORGANIZATION = "organization"
    UNIT = "unit"
    INDIVIDUAL = "individual"


class RatingSource(StrEnum):
    SELF = "self"
    INSTRUCTOR = "instructor"


class RatingPhase(StrEnum):
    START = "start"
    END = "end"


class Journey(Base):
    """A journey of one organisation; its content lives in versions."""

    __tablename__ = "journeys"
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.PRIVATE)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("journeys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[JourneyVersion]] = relationship(
        back_populates="journey", order_by="JourneyVersion.number"
    )


class JourneyVersion(Base):
    """One version of a journey: a draft being edited, or an immutable published version."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus), default=VersionStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="sv")
    estimated_minutes: Mapped[int | None] = mapped_column(Integer)
    mastery_policy: Mapped[MasteryPolicy] = mapped_column(
        _enum(MasteryPolicy), default=MasteryPolicy.WAIVE
    )
    # A goal rated at or above this level (1-4) in the self-assessment counts as mastered.
    mastery_level: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    journey: Mapped[Journey] = relationship(back_populates="versions")
    goals: Mapped[list[Goal]] = relationship(
        back_populates="version", order_by="Goal.position", cascade="all, delete-orphan"
    )
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Goal(Base):
    """A goal (mål) or, with a parent, a sub-goal (delmål) of a journey version."""

    __tablename__ = "journey_goals"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("journey_goals.id"))
    key: Mapped[str] = mapped_column(String(36), default=new_key)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    competency_iri: Mapped[str | None] = mapped_column(String(500))
    # Descriptors of the four levels of the self-assessment scale; empty means the default ones.
    level_descriptors: Mapped[list[str]] = mapped_column(JSON, default=list)

    version: Mapped[JourneyVersion] = relationship(back_populates="goals")
    parent: Mapped[Goal | None] = relationship(remote_side=[id])


class Section(Base):
    """An ordered group of steps (avsnitt)."""

    __tablename__ = "journey_sections"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(36), default=new_key)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[JourneyVersion] = relationship(back_populates="sections")
    steps: Mapped[list[Step]] = relationship(
        back_populates="section", order_by="Step.position", cascade="all, delete-orphan"
    )


class Step(Base):
    """A step of a section; ``config`` holds the type's content (see ``journeys.content``)."""

    __tablename__ = "journey_steps"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int] = mapped_column(
        ForeignKey("journey_sections.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(36), default=new_key)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[StepType] = mapped_column(_enum(StepType))
    title: Mapped[str] = mapped_column(String(300))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Keys of the goals this step works towards: the self-assessment waives it when all are mastered.
    goal_keys: Mapped[list[str]] = mapped_column(JSON, default=list)

    section: Mapped[Section] = relationship(back_populates="steps")
    version: Mapped[JourneyVersion] = relationship()


class Assignment(Base):
    """A journey assigned to a whole organisation, to a unit, or chosen by one person."""

    __tablename__ = "journey_assignments"
    __table_args__ = (
        # A person chooses a journey once, even when the choice is sent twice at once.
        Index(
            "uq_journey_assignments_journey_person",
            "journey_id",
            "person_id",
            unique=True,
            postgresql_where=text("person_id IS NOT NULL"),
            sqlite_where=text("person_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    level: Mapped[AssignmentLevel] = mapped_column(_enum(AssignmentLevel))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The goal the assignment serves, when a leader assigned it from a goal.
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence_goals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enrollment(Base):
    """A learner on one journey version under one resource link; ``registration`` is in statements.

    The enrollment belongs to the link the work is done under, so its score goes to that link's
    line item and never to another placement of the same journey in the course.
    """

    __tablename__ = "journey_enrollments"
    __table_args__ = (
        UniqueConstraint("person_id", "resource_link_id", "journey_id"),
        # A launch without a resource link (NULLs never collide in a unique constraint) keeps
        # one enrollment per course.
        Index(
            "uq_journey_enrollments_person_journey_context_unlinked",
            "person_id",
            "journey_id",
            "context_id",
            unique=True,
            postgresql_where=text("resource_link_id IS NULL"),
            sqlite_where=text("resource_link_id IS NULL"),
        ),
        Index("ix_journey_enrollments_context_journey", "context_id", "journey_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("journey_versions.id"))
    context_id: Mapped[int | None] = mapped_column(ForeignKey("contexts.id"))
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("resource_links.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    self_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step_key: Mapped[str | None] = mapped_column(String(36))

    version: Mapped[JourneyVersion] = relationship()


class StepProgress(Base):
    """Where a learner stands on one step."""

    __tablename__ = "journey_step_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("journey_steps.id"))
    status: Mapped[ProgressStatus] = mapped_column(_enum(ProgressStatus))
    score: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GoalRating(Base):
    """A rating of a goal on the 4-level scale: the learner's own or an instructor's, never mixed."""

    __tablename__ = "journey_goal_ratings"
    __table_args__ = (Index("ix_journey_goal_ratings_enrollment", "enrollment_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("journey_goals.id"))
    source: Mapped[RatingSource] = mapped_column(_enum(RatingSource))
    phase: Mapped[RatingPhase | None] = mapped_column(_enum(RatingPhase))
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reflection(Base):
    """A learner's reflection on a step, private to them and the course's instructors."""

    __tablename__ = "journey_reflections"
    __table_args__ = (UniqueConstraint("enrollment_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("journey_steps.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    comments: Mapped[list[ReflectionComment]] = relationship(
        order_by="ReflectionComment.created_at", cascade="all, delete-orphan"
    )


class ReflectionComment(Base):
    """One message of the formative dialogue on a reflection (learner or instructor)."""

    __tablename__ = "journey_reflection_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("journey_reflections.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(Base):
    """One submitted attempt at a knowledge check, with the answers and the scaled score."""

    __tablename__ = "journey_quiz_attempts"
    __table_args__ = (UniqueConstraint("enrollment_id", "step_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("journey_steps.id"))
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(Base):
    """Evidence submitted for a practice task: text, a link or a file (kept in the database)."""

    __tablename__ = "journey_evidence"
    __table_args__ = (Index("ix_journey_evidence_enrollment_step", "enrollment_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("journey_steps.id"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    # Files live in the database so that any number of stateless app hosts serve them.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JourneyVisit(Base):
    """A learner's time on a journey's pages: from the first page served to leaving them.

    Measured by the server alone (page times and the leave beacon's arrival); ``ended_at`` is
    set once, when the visit's ``suspended`` or ``terminated`` statement is recorded.
    """

    __tablename__ = "journey_visits"
    __table_args__ = (Index("ix_journey_visits_enrollment_ended", "enrollment_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, embedded in the pages of the visit and sent back by the leave beacon.
    key: Mapped[str] = mapped_column(String(36), unique=True, default=new_key)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
