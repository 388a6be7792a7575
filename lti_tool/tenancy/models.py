"""Tenancy models. Every row that holds people's data is reachable from exactly one Organization."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, utcnow
from lti_tool.privacy.suppression import DEFAULT_MIN_GROUP, MIN_GROUP_HIGHEST, MIN_GROUP_LOWEST

if TYPE_CHECKING:
    from lti_tool.lti.models import Deployment, Registration

PSEUDONYM_KEY_BYTES = 32


def new_pseudonym_key() -> bytes:
    """A random key for an organisation's pseudonyms (HMAC-SHA256 of the LMS user id)."""
    return secrets.token_bytes(PSEUDONYM_KEY_BYTES)


class Organization(Base):
    """A huvudman: a municipality's education administration or an independent school group."""

    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(
            f"privacy_min_group BETWEEN {MIN_GROUP_LOWEST} AND {MIN_GROUP_HIGHEST}",
            name="privacy_min_group_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # How people appear in xAPI statements (see docs/xapi-profile.md).
    xapi_pseudonymise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    xapi_include_identity: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The organisation's own key for pseudonyms: kept apart from the secret key, so rotating the
    # secret leaves pseudonyms as they were; replaced only on purpose (``--rotate-pseudonym-key``).
    xapi_pseudonym_key: Mapped[bytes] = mapped_column(
        LargeBinary(PSEUDONYM_KEY_BYTES), default=new_pseudonym_key
    )
    # The smallest group any aggregate view may show (lti_tool.privacy: 2..100 people).
    privacy_min_group: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MIN_GROUP, server_default=str(DEFAULT_MIN_GROUP)
    )
    # Reminders are also e-mailed to its people (when the tool has an SMTP server configured).
    reminder_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="organization")
    registrations: Mapped[list[Registration]] = relationship(back_populates="organization")


class Unit(Base):
    """A skolenhet (school unit) of an organisation, led by a rektor."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        # Unique when set: NULLs never collide, so units without a code are free to repeat.
        UniqueConstraint("organization_id", "school_unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The national skolenhetskod (8 digits, Skolverket's register of school units), when known.
    school_unit_code: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="units")


class Person(Base):
    """A user as known to one platform registration (``sub`` is only unique per registration)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("registration_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_launch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()

    @property
    def display_name(self) -> str:
        """The best name the platform shared, or a neutral label when it shared none."""
        if self.name:
            return self.name
        joined = " ".join(p for p in (self.given_name, self.family_name) if p)
        return joined or self.email or ""


class Context(Base):
    """An LMS course (or other context) seen through one registration."""

    __tablename__ = "contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The platform's Names and Role Provisioning Service for this course, from the launch.
    nrps_url: Mapped[str | None] = mapped_column(String(1000))
    # The platform's Assignment and Grade Services for this course, from the launch: the line
    # items URL and the scopes the platform grants (Moodle's "grade sync only" grants the score
    # scope alone; then the resource link's own line item is the only one to use).
    ags_lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    roster_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The platform's Course Groups Service for this course, from the launch (Canvas group sets).
    groups_url: Mapped[str | None] = mapped_column(String(1000))
    group_sets_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
    deployment: Mapped[Deployment] = relationship()


class ResourceLink(Base):
    """A placement of the tool inside a context; may name the journey it shows."""

    __tablename__ = "resource_links"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("contexts.id"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    journey_slug: Mapped[str | None] = mapped_column(String(100))
    # The link's line item (from the launch's AGS claim, or found or created by the tool).
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    context: Mapped[Context] = relationship()


class Membership(Base):
    """A person's roles in a context, as of their latest launch."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    context_id: Mapped[int] = mapped_column(ForeignKey("contexts.id"), index=True)
    tool_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    lti_roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    last_launch_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    context: Mapped[Context] = relationship()


class RosterMember(Base):
    """A member of a course as the platform's roster (NRPS) lists it, launched or not."""

    __tablename__ = "roster_members"
    __table_args__ = (UniqueConstraint("context_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("contexts.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    tool_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """An administrative or security-relevant event, without personal data in ``detail``."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
