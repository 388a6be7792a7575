"""Making notices: once per person and reason, whoever asks and however often."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.reminders.models import EmailState, Notice, NoticeKind

MAX_DEDUPE_KEY = 200


def notify(
    session: Session,
    *,
    organization_id: int,
    person_id: int,
    kind: NoticeKind,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
) -> Notice | None:
    """A notice to one person, unless one with the same ``dedupe_key`` exists (then None).

    Runs in a savepoint, so a notice made at the same moment by another worker or request ends
    only this insert, not the caller's transaction; the caller commits.
    """
    key = dedupe_key[:MAX_DEDUPE_KEY]
    existing = session.scalar(
        select(Notice.id).where(Notice.person_id == person_id, Notice.dedupe_key == key)
    )
    if existing is not None:
        return None
    notice = Notice(
        organization_id=organization_id,
        person_id=person_id,
        kind=kind,
        dedupe_key=key,
        payload=payload or {},
        email_state=EmailState.PENDING,
    )
    try:
        with session.begin_nested():
            session.add(notice)
    except IntegrityError:
        return None
    return notice
