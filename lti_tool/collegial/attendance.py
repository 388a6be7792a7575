"""Attendance: the facilitator marks it, or learners check in with the code shown in the room.

Attendance of a course's occurrence completes the live session step for the person's
enrollments of the journey in that course, through the player, so progress, the grade passed
back and the statements stay as if the learner had done any other step.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_progress import meeting_attended
from lti_tool.collegial.models import (
    Attendance,
    AttendanceMethod,
    CheckInFailure,
    Occurrence,
    OccurrenceStatus,
    SignupStatus,
)
from lti_tool.collegial.occurrences import is_group_member
from lti_tool.collegial.session_events import SessionEvents, enrollments_in_course
from lti_tool.collegial.signups import signup_of
from lti_tool.db import utcnow
from lti_tool.journeys import player
from lti_tool.journeys.content import LiveSessionConfig, parse_step_config
from lti_tool.journeys.errors import (
    JourneyConflictError,
    JourneyError,
    JourneyForbiddenError,
    JourneyNotFoundError,
)
from lti_tool.journeys.events import JourneyEvents
from lti_tool.journeys.models import Enrollment, JourneyVersion, Step, StepType
from lti_tool.tenancy.models import Person

MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW_SECONDS = 15 * 60


def too_many_wrong_codes(
    session: Session, occurrence: Occurrence, person_id: int, now: datetime
) -> bool:
    """Whether the person has given the limit of wrong codes lately (six characters of 31
    make guessing hopeless within a handful of tries; the limit keeps it so)."""
    since = now - timedelta(seconds=WRONG_CODE_WINDOW_SECONDS)
    failures = session.scalar(
        select(func.count())
        .select_from(CheckInFailure)
        .where(
            CheckInFailure.occurrence_id == occurrence.id,
            CheckInFailure.person_id == person_id,
            CheckInFailure.failed_at > since,
        )
    )
    return (failures or 0) >= MAX_WRONG_CODES


def _remember_wrong_code(
    session: Session, occurrence: Occurrence, person_id: int, now: datetime
) -> None:
    # Committed at once: the refusal that follows rolls the request back, the count stays.
    session.add(CheckInFailure(occurrence_id=occurrence.id, person_id=person_id, failed_at=now))
    session.execute(
        delete(CheckInFailure).where(
            CheckInFailure.failed_at <= now - timedelta(seconds=WRONG_CODE_WINDOW_SECONDS)
        )
    )
    session.commit()


def step_config(session: Session, occurrence: Occurrence) -> LiveSessionConfig:
    """The live session step's settings in the newest version (defaults for a group meeting)."""
    step = session.scalar(
        select(Step)
        .join(JourneyVersion, JourneyVersion.id == Step.version_id)
        .where(
            JourneyVersion.journey_id == occurrence.journey_id,
            Step.key == occurrence.step_key,
            Step.type == StepType.LIVE_SESSION,
        )
        .order_by(JourneyVersion.id.desc())
        .limit(1)
    )
    if step is not None:
        config = parse_step_config(step.type.value, step.config)
        if isinstance(config, LiveSessionConfig):
            return config
    return LiveSessionConfig(description="")


def check_in_window(
    session: Session, occurrence: Occurrence, config: LiveSessionConfig | None = None
) -> tuple[datetime, datetime]:
    """From when to when the check-in code is accepted."""
    opens = (config or step_config(session, occurrence)).check_in_opens_minutes
    return occurrence.starts_at - timedelta(minutes=opens), occurrence.ends_at


def may_attend(session: Session, occurrence: Occurrence, person_id: int) -> bool:
    """A group's member for its meeting; else someone with a place (anyone, without a limit)."""
    if occurrence.group_id is not None:
        return is_group_member(session, occurrence, person_id)
    signup = signup_of(session, occurrence, person_id)
    if signup is not None and signup.status == SignupStatus.REGISTERED:
        return True
    return occurrence.capacity is None and bool(
        enrollments_in_course(session, occurrence, person_id)
    )


def may_be_marked(session: Session, occurrence: Occurrence, person_id: int) -> bool:
    """A group's member; else someone signed up (or waiting) or enrolled in the course."""
    if occurrence.group_id is not None:
        return is_group_member(session, occurrence, person_id)
    signup = signup_of(session, occurrence, person_id)
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        return True
    return bool(enrollments_in_course(session, occurrence, person_id))


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:32]


def check_in(
    session: Session, occurrence: Occurrence, person_id: int, code: str, at: datetime | None = None
) -> Attendance:
    """The learner checks in with the code shown in the room; committed."""
    now = at or utcnow()
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise JourneyConflictError(
            "occurrence_cancelled",
            _l("This session is cancelled: there is nothing to check in to."),
        )
    config = step_config(session, occurrence)
    if not config.self_check_in:
        raise JourneyForbiddenError(
            "self_check_in_off",
            _l(
                "Check-in with a code is not used for this session: the facilitator marks attendance."
            ),
        )
    if too_many_wrong_codes(session, occurrence, person_id, now):
        raise JourneyError(
            "check_in_blocked",
            _l(
                "Too many wrong codes. Wait a quarter of an hour, or ask the facilitator to mark you present."
            ),
            429,
        )
    opens, closes = check_in_window(session, occurrence, config)
    if now < opens:
        raise JourneyConflictError(
            "check_in_not_open",
            _l(
                "Check-in opens %(minutes)d minutes before the session starts.",
                minutes=int((occurrence.starts_at - opens).total_seconds() // 60),
            ),
        )
    if now > closes:
        raise JourneyConflictError(
            "check_in_closed", _l("This session is over: check-in is closed.")
        )
    if not may_attend(session, occurrence, person_id):
        raise JourneyForbiddenError(
            "check_in_not_signed_up",
            _l("You have no place at this session. Sign up first, or talk to the facilitator."),
        )
    if not hmac.compare_digest(normalise_code(code).encode(), occurrence.check_in_code.encode()):
        _remember_wrong_code(session, occurrence, person_id, now)
        raise JourneyError(
            "check_in_wrong_code",
            _l(
                "That is not the code of this session. Check the code shown in the room and try again."
            ),
        )
    attendance = record_attendance(
        session, occurrence, person_id, AttendanceMethod.SELF_CHECK_IN, None, now
    )
    if attendance is None:
        session.rollback()
        raise JourneyConflictError("already_checked_in", _l("You are already checked in. Welcome!"))
    session.commit()
    return attendance


def mark_attendance(
    session: Session, occurrence: Occurrence, person_id: int, present: bool, marked_by_id: int
) -> Attendance | None:
    """The facilitator marks the person present (or absent: their attendance is removed); committed.

    A step already completed by the attendance stays completed.
    """
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise JourneyConflictError(
            "occurrence_cancelled", _l("This session is cancelled: attendance cannot be marked.")
        )
    if not may_be_marked(session, occurrence, person_id):
        raise JourneyNotFoundError(
            "person_not_in_session", _l("That person is not in this session.")
        )
    if not present:
        session.execute(
            delete(Attendance).where(
                Attendance.occurrence_id == occurrence.id, Attendance.person_id == person_id
            )
        )
        session.commit()
        return None
    attendance = record_attendance(
        session, occurrence, person_id, AttendanceMethod.FACILITATOR, marked_by_id, utcnow()
    )
    session.commit()
    return attendance


def attendance_of(session: Session, occurrence: Occurrence, person_id: int) -> Attendance | None:
    return session.scalar(
        select(Attendance).where(
            Attendance.occurrence_id == occurrence.id, Attendance.person_id == person_id
        )
    )


def record_attendance(
    session: Session,
    occurrence: Occurrence,
    person_id: int,
    method: AttendanceMethod,
    marked_by_id: int | None,
    at: datetime,
) -> Attendance | None:
    """The person present, with its statements and (for a course's occurrence) the step done;
    None when they already were. In the caller's transaction."""
    attendance = Attendance(
        occurrence_id=occurrence.id,
        person_id=person_id,
        method=method,
        marked_by_id=marked_by_id,
        created_at=at,
    )
    try:
        # A savepoint: a second check-in at the same moment ends here, not the transaction.
        with session.begin_nested():
            session.add(attendance)
    except IntegrityError:
        return None
    person = session.get_one(Person, person_id)
    events = SessionEvents(session, occurrence)
    steps: list[JourneyEvents] = []
    if occurrence.group_id is None:
        steps = _complete_step(session, occurrence, events.enrollments(person_id))
        if steps:
            # The statements share the enrollment's context the player has just loaded.
            events.adopt(person, steps[0])
    if method == AttendanceMethod.SELF_CHECK_IN:
        events.emit("checked-in", person, method=method, at=at)
    events.emit(
        "attended",
        person,
        method=method,
        result={"duration": occurrence.ends_at - occurrence.starts_at},
        at=at,
    )
    # Attendance first, then what it did to the step and the journey.
    events.flush()
    for step_events in steps:
        step_events.flush()
    if occurrence.group_id is not None:
        # A group's meeting in a collegial cycle: the member's meeting phase is done.
        meeting_attended(session, occurrence, person_id, at)
    return attendance


def _complete_step(
    session: Session, occurrence: Occurrence, enrollments: list[Enrollment]
) -> list[JourneyEvents]:
    """The live session step done in each of the person's enrollments of the journey here;
    their statements, not yet recorded."""
    done: list[JourneyEvents] = []
    for enrollment in enrollments:
        # player.lock_state, without reading the state twice: lock, then read it as committed.
        player.lock_enrollment(session, enrollment.id)
        state = player.load_state(session, enrollment)
        item = next((s for s in state.steps if s.step.key == occurrence.step_key), None)
        if item is None or item.step.type != StepType.LIVE_SESSION or item.done:
            continue
        events = player.journey_events(session, state)
        before = state.before()
        player.progress_row(session, state, item)
        player.complete_step(item, events)
        player.after_progress(state, events, before)
        done.append(events)
    return done
