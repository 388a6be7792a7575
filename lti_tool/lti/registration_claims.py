"""Dynamic Registration URLs are single-use: the first attempt claims the URL's id atomically."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from lti_tool.db import Base, UTCDateTime, utcnow


class RegistrationClaim(Base):
    """A registration URL (by its ``jti``) that has been opened once; it never works again."""

    __tablename__ = "lti_registration_claims"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def claim(session: Session, jti: str, organization_id: int) -> bool:
    """Claim the URL ``jti`` and commit; False when it was claimed before (by anyone, anywhere).

    The primary key decides between concurrent attempts: exactly one INSERT succeeds.
    """
    session.add(RegistrationClaim(jti=jti[:64], organization_id=organization_id))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def is_claimed(session: Session, jti: str) -> bool:
    return session.get(RegistrationClaim, jti[:64]) is not None
