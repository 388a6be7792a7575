"""A person's notices: listing them, marking them read, and their choice about e-mail."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.reminders.models import Notice, NoticePreference
from lti_tool.tenancy.models import Organization

PAGE_SIZE = 50
PANEL_SIZE = 5


def notices_of(
    session: Session, organization_id: int, person_id: int, limit: int = PAGE_SIZE
) -> list[Notice]:
    """A person's notices, newest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.organization_id == organization_id, Notice.person_id == person_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def unread_of(
    session: Session, organization_id: int, person_id: int, limit: int = PANEL_SIZE
) -> tuple[list[Notice], int]:
    """A person's newest unread notices (at most ``limit``) and how many are unread in all."""
    where = (
        Notice.organization_id == organization_id,
        Notice.person_id == person_id,
        Notice.read_at.is_(None),
    )
    total = session.scalar(select(func.count()).select_from(Notice).where(*where)) or 0
    rows = session.scalars(
        select(Notice)
        .where(*where)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    return list(rows), int(total)


def mark_read(session: Session, organization_id: int, person_id: int, notice_id: int) -> bool:
    """Mark one of the person's own notices read; False when it is not theirs (or not there)."""
    notice = session.scalars(
        select(Notice).where(
            Notice.id == notice_id,
            Notice.organization_id == organization_id,
            Notice.person_id == person_id,
        )
    ).first()
    if notice is None:
        return False
    if notice.read_at is None:
        notice.read_at = utcnow()
    session.commit()
    return True


def mark_all_read(session: Session, organization_id: int, person_id: int) -> int:
    """Mark every unread notice of the person read; returns how many."""
    result = session.execute(
        update(Notice)
        .where(
            Notice.organization_id == organization_id,
            Notice.person_id == person_id,
            Notice.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def email_opted_out(session: Session, person_id: int) -> bool:
    """Whether the person turned reminder e-mail off."""
    preference = session.get(NoticePreference, person_id)
    return preference is not None and preference.email_opt_out


def set_email_opt_out(session: Session, person_id: int, opt_out: bool) -> None:
    """Record the person's choice about reminder e-mail."""
    preference = session.get(NoticePreference, person_id)
    if preference is None:
        try:
            with session.begin_nested():
                session.add(NoticePreference(person_id=person_id, email_opt_out=opt_out))
        except IntegrityError:
            pass  # saved at the same moment from another tab: this choice is written below
        preference = session.get_one(NoticePreference, person_id)
    preference.email_opt_out = opt_out
    session.commit()


def set_organization_email(session: Session, organization: Organization, on: bool) -> None:
    """Turn reminder e-mail on or off for everyone in an organisation."""
    organization.reminder_email = on
    session.commit()
