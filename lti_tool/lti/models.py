"""LTI models: platform registrations, deployments, tool keys and short-lived launch state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import Base, UTCDateTime, utcnow
from lti_tool.tenancy.models import Organization


class Registration(Base):
    """A platform registration, identified by (issuer, client_id): never by the issuer alone."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    keyset_url: Mapped[str] = mapped_column(String(1000))
    auto_approve_deployments: Mapped[bool] = mapped_column(Boolean, default=False)
    # Dynamic registration with a platform that names no deployment (Canvas): the first
    # deployment a launch brings is approved on sight, later ones wait as usual.
    approve_first_deployment: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="registrations")
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", order_by="Deployment.id"
    )


class RegistrationOrigin(Base):
    """A site whose pages may frame the tool for a registration (where its LMS pages live)."""

    __tablename__ = "registration_origins"
    __table_args__ = (UniqueConstraint("registration_id", "origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # scheme://host[:port], lower-case, as browsers compare origins.
    origin: Mapped[str] = mapped_column(String(300))
    # "admin" (added with the CLI) or "launch" (learned from a validated launch).
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeploymentStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"


class Deployment(Base):
    """A deployment of the tool on a registration; unknown ones wait for approval."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[DeploymentStatus] = mapped_column(
        Enum(
            DeploymentStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class ToolKey(Base):
    """An RSA key pair of the tool; the private half is encrypted at rest.

    The newest key without ``retires_at`` signs; every key whose ``retires_at`` is unset or in
    the future is published in the JWKS, so platforms keep verifying during a rotation.
    """

    __tablename__ = "tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16), default="RS256")
    public_jwk: Mapped[str] = mapped_column(Text)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LaunchState(Base):
    """Short-lived login state, nonces and launch data, shared by every process and host."""

    __tablename__ = "lti_launch_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ScoreState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class ScoreSubmission(Base):
    """The latest score of one person on one resource link, queued for the platform's gradebook.

    One row per (resource link, person): a newer score replaces a queued one (the platform keeps
    only the latest anyway) and bumps ``revision``, so a delivery that was under way when it
    arrived does not mark the newer score delivered. A worker leases due rows (``leased_until``)
    instead of holding row locks while it talks to the platform, so queueing never waits on it.
    """

    __tablename__ = "lti_score_submissions"
    __table_args__ = (
        UniqueConstraint("resource_link_id", "person_id"),
        Index("ix_lti_score_submissions_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # The line item's label and resourceId, used when the tool must create the line item.
    label: Mapped[str] = mapped_column(String(255))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float, default=100.0)
    activity_progress: Mapped[str] = mapped_column(String(16))
    grading_progress: Mapped[str] = mapped_column(String(16))
    # When the learner did what the score reflects (the AGS ``timestamp``).
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[ScoreState] = mapped_column(
        Enum(
            ScoreState, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        ),
        default=ScoreState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Dead rows: the platform's reason. Pending rows: the last transient error.
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
