"""Visits: the time a learner spends on a journey's pages, measured by the server.

A visit starts when a journey page is served and no visit of the enrollment is open, and every
further page extends it. The page's script sends a beacon when the learner leaves the journey's
pages; ``leave`` then ends the visit and records ``suspended`` (journey not completed) or
``terminated`` (completed) with ``result.duration``, in the same transaction. The client only
names the visit: its start and end are the server's own clock readings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.errors import JourneyNotFoundError
from lti_tool.journeys.events import JourneyEvents, Scene
from lti_tool.journeys.models import Enrollment, Journey, JourneyVisit
from lti_tool.lti.session_token import LaunchIdentity

# Pages further apart than this belong to two visits (a beacon that never came: a crash, a
# browser that closed hard); a visit's end is never later than its last page plus this.
IDLE_LIMIT = timedelta(hours=1)
# The longest duration a visit can report.
DURATION_CAP = timedelta(hours=4)
KEY_LENGTH = 36


def visit_page(session: Session, enrollment: Enrollment) -> JourneyVisit:
    """The open visit of the enrollment extended to now, or a new one; commits."""
    now = utcnow()
    visit = session.scalars(
        select(JourneyVisit)
        .where(
            JourneyVisit.enrollment_id == enrollment.id,
            JourneyVisit.ended_at.is_(None),
            JourneyVisit.last_seen_at >= now - IDLE_LIMIT,
        )
        .order_by(JourneyVisit.last_seen_at.desc(), JourneyVisit.id.desc())
        .limit(1)
    ).first()
    if visit is None:
        visit = JourneyVisit(enrollment_id=enrollment.id, started_at=now, last_seen_at=now)
        session.add(visit)
    else:
        visit.last_seen_at = max(visit.last_seen_at, now)
    session.commit()
    return visit


def visit_duration(visit: JourneyVisit, left_at: datetime) -> timedelta:
    """Start to leaving (at most the idle limit after the last page), capped, whole seconds."""
    end = min(max(left_at, visit.last_seen_at), visit.last_seen_at + IDLE_LIMIT)
    spent = min(max(end - visit.started_at, timedelta(0)), DURATION_CAP)
    return timedelta(seconds=round(spent.total_seconds()))


def leave(session: Session, identity: LaunchIdentity, journey: Journey, key: str) -> str | None:
    """End the person's visit ``key`` of ``journey`` and record it; commits.

    Returns the verb recorded, or ``None`` when the visit had already ended (a second beacon).
    A visit that is not the person's own, in their organisation and journey, is not found.
    """
    row = None
    if key and len(key) <= KEY_LENGTH:
        row = session.execute(
            select(JourneyVisit, Enrollment)
            .join(Enrollment, Enrollment.id == JourneyVisit.enrollment_id)
            .where(
                JourneyVisit.key == key,
                Enrollment.person_id == identity.person_id,
                Enrollment.organization_id == identity.organization_id,
                Enrollment.journey_id == journey.id,
            )
        ).first()
    if row is None:
        raise JourneyNotFoundError(
            "visit_not_found", _l("That visit of the journey is not yours, or does not exist.")
        )
    visit, enrollment = row
    now = utcnow()
    # One statement per visit, even for two beacons at once: only one UPDATE ends it.
    ended = session.execute(
        update(JourneyVisit)
        .where(JourneyVisit.id == visit.id, JourneyVisit.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    events = JourneyEvents(session, Scene.load(session, enrollment))
    duration = visit_duration(visit, now)
    if enrollment.completed_at is not None:
        events.terminated(duration)
        verb = "terminated"
    else:
        events.suspended(duration)
        verb = "suspended"
    events.flush()
    session.commit()
    return verb
