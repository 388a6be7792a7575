"""What the learner's page of a live session step shows: this course's occurrences and their part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.attendance import attendance_of, check_in_window, step_config
from lti_tool.collegial.models import (
    Attendance,
    Occurrence,
    OccurrenceStatus,
    Signup,
    SignupStatus,
)
from lti_tool.collegial.occurrences import step_occurrences
from lti_tool.collegial.signups import places_left, signup_of, waiting_position
from lti_tool.db import utcnow
from lti_tool.journeys.player import JourneyState, StepState
from lti_tool.lti.session_token import LaunchIdentity

LOCAL = ZoneInfo("Europe/Stockholm")


def local(moment: datetime) -> datetime:
    """A moment in Swedish local time (the sessions happen in Sweden)."""
    return moment.astimezone(LOCAL)


@dataclass(frozen=True)
class OccurrenceView:
    """One occurrence as the learner sees it."""

    occurrence: Occurrence
    starts: datetime
    ends: datetime
    places_left: int | None
    signup: Signup | None
    position: int | None
    attendance: Attendance | None
    check_in_open: bool
    over: bool

    @property
    def cancelled(self) -> bool:
        return self.occurrence.status == OccurrenceStatus.CANCELLED

    @property
    def registered(self) -> bool:
        return self.signup is not None and self.signup.status == SignupStatus.REGISTERED

    @property
    def waiting(self) -> bool:
        return self.signup is not None and self.signup.status == SignupStatus.WAITING


def occurrence_view(
    session: Session, occurrence: Occurrence, person_id: int, now: datetime
) -> OccurrenceView:
    signup = signup_of(session, occurrence, person_id)
    attendance = attendance_of(session, occurrence, person_id)
    opens, closes = check_in_window(session, occurrence)
    return OccurrenceView(
        occurrence=occurrence,
        starts=local(occurrence.starts_at),
        ends=local(occurrence.ends_at),
        places_left=places_left(session, occurrence),
        signup=signup,
        position=waiting_position(session, signup) if signup is not None else None,
        attendance=attendance,
        check_in_open=occurrence.status == OccurrenceStatus.SCHEDULED
        and opens <= now <= closes
        and attendance is None,
        over=occurrence.ends_at < now,
    )


def step_values(
    session: Session, identity: LaunchIdentity, state: JourneyState, item: StepState
) -> dict[str, object]:
    """The values the step page's live session part needs."""
    now = utcnow()
    occurrences = step_occurrences(
        session, identity.organization_id, state.journey.id, item.step.key, identity.context_id
    )
    views = [occurrence_view(session, o, identity.person_id, now) for o in occurrences]
    attended = any(v.attendance is not None for v in views)
    config = step_config(session, occurrences[0]) if occurrences else None
    return {
        "sessions": views,
        "sessions_attended": attended,
        "sessions_self_check_in": config.self_check_in if config is not None else True,
        "sessions_any_signup": session.scalar(
            select(Signup.id).where(
                Signup.person_id == identity.person_id,
                Signup.occurrence_id.in_([o.id for o in occurrences] or [0]),
                Signup.status.in_((SignupStatus.REGISTERED, SignupStatus.WAITING)),
            )
        )
        is not None,
    }
