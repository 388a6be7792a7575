"""Leadership models: the grants that let a person follow up other people's development.

An organisation leader (``Leader.unit_id`` is NULL) leads everyone in the organisation; a unit
leader (a rektor) leads the staff of one school unit; a mentor follows the people the platform
names in a ``Mentor`` launch (``role_scope_mentor``). Every grant is audited.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, str_enum, utcnow
from lti_tool.tenancy.models import Person, Unit


class GrantSource(StrEnum):
    # Named by an administrator (``lti-journeys org leader add``, ``unit leader add``).
    ADMIN = "admin"
    # Read from an LTI launch: Administrator in a unit's course, or Mentor with role_scope_mentor.
    LAUNCH = "launch"


class Leader(Base):
    """A person who leads the whole organisation (``unit_id`` NULL) or one school unit."""

    __tablename__ = "leaders"
    # NULLs never collide in a unique constraint: the services refuse a second organisation grant.
    __table_args__ = (UniqueConstraint("organization_id", "person_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    source: Mapped[GrantSource] = mapped_column(str_enum(GrantSource))
    # Who granted it, for the audit trail: "cli", an admin's person id, or "launch".
    granted_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit | None] = relationship()


class Mentorship(Base):
    """A mentor follows a mentee named by the platform (by ``sub``: they may not have launched)."""

    __tablename__ = "mentorships"
    __table_args__ = (
        UniqueConstraint("mentor_id", "mentee_sub"),
        Index("ix_mentorships_registration_id_mentee_sub", "registration_id", "mentee_sub"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    mentee_sub: Mapped[str] = mapped_column(String(255))
    source: Mapped[GrantSource] = mapped_column(str_enum(GrantSource))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The latest launch that still named this mentee; a launch that no longer does ends it.
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor: Mapped[Person] = relationship()
