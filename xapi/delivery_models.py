"""Tables of xAPI delivery: the LRS targets statements go to, and the outbox rows that carry them.

A target is an external LRS (endpoint, key, secret, xAPI version). ``tenant`` NULL means every
tenant. At most one target per tenant scope is the *primary* LRS (the system of record, always
sent everything); without one, the embedded LRS is the primary. Any number of forwarding targets
may narrow what they receive with a filter (verb IRIs, activity IRI prefixes).

One outbox row is one statement for one target; ``payload`` holds the exact JSON text sent, so
every retry sends the same statement with the same id. Rows go from ``pending`` to ``delivered``
(pruned after some days) or ``dead`` (refused by the LRS, with its reason in ``error``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xapi.db import JsonDocument, UTCDateTime, XapiBase, utcnow
from xapi.lrs.models import BigId

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"


class LrsTarget(XapiBase):
    """An external LRS that statements are delivered to, and its delivery state."""

    __tablename__ = "xapi_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The organisation's tenant (its id as a string); NULL: statements of every tenant.
    tenant: Mapped[str | None] = mapped_column(String(64), index=True)
    # The LRS root, without a trailing slash and without /statements.
    endpoint: Mapped[str] = mapped_column(String(1000))
    key: Mapped[str] = mapped_column(String(255))
    # Encrypted with the app's key-at-rest box when ``secret_encrypted``, else as given.
    secret: Mapped[str] = mapped_column(Text)
    secret_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[str] = mapped_column(String(8), default="1.0.3")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # Filter of a forwarding target; NULL or empty: no condition.
    verbs: Mapped[list[str] | None] = mapped_column(JsonDocument)
    activity_prefixes: Mapped[list[str] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Delivery state: consecutive failures, when to try next, and why it is paused (HTTP 401).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxEntry(XapiBase):
    """One statement to deliver to one target; ``id`` is the creation order."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (
        # A statement is queued at most once per target (replays and retried requests too).
        UniqueConstraint("target_id", "statement_id"),
        # Claiming: the oldest pending rows of a target.
        Index("ix_xapi_outbox_target_state_id", "target_id", "state", "id"),
        # Pruning delivered rows.
        Index("ix_xapi_outbox_state_delivered_at", "state", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("xapi_targets.id", ondelete="CASCADE"))
    tenant: Mapped[str] = mapped_column(String(64))
    statement_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Dead rows: the LRS's reason. Pending rows: the last transient error.
    error: Mapped[str | None] = mapped_column(Text)
