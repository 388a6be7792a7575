"""The state of each course's roster refresh: requested, leased by a worker, failed and when next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import Base, UTCDateTime, utcnow


class RosterRefresh(Base):
    """One row per course whose roster should be fetched from the platform (NRPS)."""

    __tablename__ = "roster_refreshes"

    context_id: Mapped[int] = mapped_column(
        ForeignKey("contexts.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Set while a refresh is wanted; cleared when one succeeds.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Not before this time (back-off after failures).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker holds the refresh until then; another may take it over afterwards.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Why the latest attempt failed: a code the progress page explains in the reader's language.
    error_code: Mapped[str | None] = mapped_column(String(40))
    # The platform's own words (cut short, control characters removed): shown to the course's
    # staff, never logged, since a platform may quote names or tokens in them.
    error: Mapped[str | None] = mapped_column(String(500))
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
