"""Tables of the embedded LRS: credentials, statements with their query indexes, and documents.

Every row carries ``tenant``: the LRS credential's scope (an organisation of the tool). Statements
and documents stored with one tenant's credential are only visible to that tenant's credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xapi.db import JsonDocument, UTCDateTime, XapiBase, utcnow

# BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Credential(XapiBase):
    """An HTTP Basic key/secret pair with xAPI scopes; the secret is stored hashed."""

    __tablename__ = "xapi_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    authority: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Statement(XapiBase):
    """One stored statement; ``seq`` orders by ``stored`` and makes paging stable."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        UniqueConstraint("tenant", "statement_id"),
        Index("ix_xapi_statements_tenant_seq", "tenant", "seq"),
        Index("ix_xapi_statements_tenant_verb_seq", "tenant", "verb_id", "seq"),
        Index("ix_xapi_statements_tenant_registration_seq", "tenant", "registration", "seq"),
        Index("ix_xapi_statements_tenant_stored", "tenant", "stored"),
        # Statements whose object is a StatementRef (voiding ones included), and only those:
        # voiding targets by id, and the filter conditions for StatementRefs in seq order.
        Index(
            "ix_xapi_statements_tenant_object_statement_id",
            "tenant",
            "object_statement_id",
            postgresql_where=text("object_statement_id IS NOT NULL"),
            sqlite_where=text("object_statement_id IS NOT NULL"),
        ),
        Index(
            "ix_xapi_statements_tenant_refs_seq",
            "tenant",
            "seq",
            postgresql_where=text("object_statement_id IS NOT NULL"),
            sqlite_where=text("object_statement_id IS NOT NULL"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    statement_id: Mapped[str] = mapped_column(String(36))
    verb_id: Mapped[str] = mapped_column(String(1000))
    registration: Mapped[str | None] = mapped_column(String(36))
    # The statement this one voids (for voiding statements) or refers to.
    object_statement_id: Mapped[str | None] = mapped_column(String(36))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[str] = mapped_column(String(16))
    full: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("xapi_credentials.id"))


class StatementAgent(XapiBase):
    """An agent a statement is about, by inverse functional identifier and where it appears.

    The primary key is the lookup order of the ``agent`` filter (newest first by ``seq``). No
    foreign key to the statement: the row is written in the same SQL statement as the statement
    it indexes, and erasure and retention delete both explicitly, so a constraint would only
    add a check per row on the ingest path.
    """

    __tablename__ = "xapi_statement_agents"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    ifi: Mapped[str] = mapped_column(String(600), primary_key=True)
    # False for actor/object (matched by ``agent``), True for every other place (related_agents).
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, index=True)


class StatementActivity(XapiBase):
    """An activity a statement is about; ``related`` is True outside the statement's object.

    Keyed like ``StatementAgent`` (lookup order, no foreign key, for the same reasons).
    """

    __tablename__ = "xapi_statement_activities"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(1000), primary_key=True)
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False, index=True)


class Attachment(XapiBase):
    """Attachment content, stored once per tenant and SHA-2 hash."""

    __tablename__ = "xapi_attachments"
    __table_args__ = (UniqueConstraint("tenant", "sha2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    sha2: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Activity(XapiBase):
    """The canonical definition of an activity, as the LRS knows it."""

    __tablename__ = "xapi_activities"
    __table_args__ = (UniqueConstraint("tenant", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(String(1000))
    definition: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(XapiBase):
    """A state, activity profile or agent profile document."""

    __tablename__ = "xapi_documents"
    __table_args__ = (
        UniqueConstraint("tenant", "key_hash"),
        Index("ix_xapi_documents_lookup", "tenant", "kind", "activity_id", "agent", "registration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    # SHA-256 of (kind, activity_id, agent, registration, document_id): long IRIs make a unique
    # index on the columns themselves too wide for PostgreSQL's B-tree.
    key_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # state | activity_profile | agent_profile
    activity_id: Mapped[str] = mapped_column(String(1000), default="")
    agent: Mapped[str] = mapped_column(String(600), default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    document_id: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureRecord(XapiBase):
    """Audit of a data-protection erasure, without the erased person's data."""

    __tablename__ = "xapi_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    statements_removed: Mapped[int] = mapped_column(Integer)
    documents_removed: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionPolicy(XapiBase):
    """How long a tenant's statements are kept: ``days`` after they were stored."""

    __tablename__ = "xapi_retention_policies"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The tables, for Core statements (bulk inserts, index look-ups, deletes).
STATEMENTS: Table = Statement.__table__  # type: ignore[assignment]
AGENTS: Table = StatementAgent.__table__  # type: ignore[assignment]
ACTIVITIES: Table = StatementActivity.__table__  # type: ignore[assignment]
DEFINITIONS: Table = Activity.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]
