"""The reminder scan: notices for sessions that start soon, phases a group waits on, overdue steps.

Each rule makes its notices through ``notify``, keyed so that a person gets each reminder once
however often the scan runs, and however many workers run it at once. A session moved to a new
time (a higher ``sequence``) is a new reason, and so is a new due date of a journey (an
organisation's and a unit's assignment of one journey with one due date remind once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_models import PhaseCompletion
from lti_tool.collegial.models import (
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
    OccurrenceStatus,
    Signup,
    SignupStatus,
)
from lti_tool.journeys.content import CollegialCycleConfig, CyclePhase
from lti_tool.journeys.models import (
    Assignment,
    AssignmentLevel,
    Enrollment,
    Journey,
    JourneyVersion,
    Step,
    StepType,
    VersionStatus,
)
from lti_tool.leadership.staff import staff_person_ids
from lti_tool.reminders.models import Notice, NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Person

# The phases each member does on their own; the others are done by the group together.
INDIVIDUAL_PHASES = frozenset({"prepare", "practice"})


@dataclass(frozen=True)
class ReminderRules:
    """When the rules remind: ``session_lead`` before a session, after ``phase_grace`` waiting."""

    session_lead: timedelta = timedelta(hours=24)
    phase_grace: timedelta = timedelta(hours=48)


@dataclass
class ScanTotals:
    session_soon: int = 0
    phase_waiting: int = 0
    step_overdue: int = 0

    @property
    def made(self) -> int:
        return self.session_soon + self.phase_waiting + self.step_overdue


def scan(session: Session, now: datetime, rules: ReminderRules | None = None) -> ScanTotals:
    """Run every rule once and commit the notices they made."""
    rules = rules or ReminderRules()
    totals = ScanTotals(
        session_soon=remind_sessions(session, now, rules.session_lead),
        phase_waiting=remind_waiting_phases(session, now, rules.phase_grace),
        step_overdue=remind_overdue(session, now),
    )
    session.commit()
    return totals


def _already(session: Session, dedupe_key: str, person_ids: set[int]) -> set[int]:
    """Of ``person_ids``, those who already have the notice (one query, not one per person)."""
    if not person_ids:
        return set()
    return set(
        session.scalars(
            select(Notice.person_id).where(
                Notice.dedupe_key == dedupe_key, Notice.person_id.in_(person_ids)
            )
        )
    )


def _notify_each(
    session: Session,
    organization_id: int,
    person_ids: set[int],
    kind: NoticeKind,
    dedupe_key: str,
    payload: dict[str, Any],
) -> int:
    made = 0
    for person_id in sorted(person_ids - _already(session, dedupe_key, person_ids)):
        notice = notify(
            session,
            organization_id=organization_id,
            person_id=person_id,
            kind=kind,
            dedupe_key=dedupe_key,
            payload=dict(payload),
        )
        made += notice is not None
    return made


def _step(session: Session, journey_id: int, step_key: str) -> Step | None:
    """The step as its latest published version of the journey has it."""
    return session.scalars(
        select(Step)
        .join(JourneyVersion, JourneyVersion.id == Step.version_id)
        .where(
            JourneyVersion.journey_id == journey_id,
            JourneyVersion.status == VersionStatus.PUBLISHED,
            Step.key == step_key,
        )
        .order_by(JourneyVersion.number.desc())
        .limit(1)
    ).first()


# -- sessions that start soon -------------------------------------------------------------------
def remind_sessions(session: Session, now: datetime, lead: timedelta) -> int:
    """SESSION_SOON to everyone registered to a scheduled occurrence starting within ``lead``."""
    occurrences = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_at > now,
            Occurrence.starts_at <= now + lead,
        )
        .order_by(Occurrence.starts_at, Occurrence.id)
    ).all()
    made = 0
    for occurrence in occurrences:
        people = set(
            session.scalars(
                select(Signup.person_id).where(
                    Signup.occurrence_id == occurrence.id,
                    Signup.status == SignupStatus.REGISTERED,
                )
            )
        )
        journey = session.get(Journey, occurrence.journey_id)
        if not people or journey is None:
            continue
        step = _step(session, occurrence.journey_id, occurrence.step_key)
        payload = {
            "title": occurrence.title or (step.title if step else ""),
            "starts_at": occurrence.starts_at.isoformat(),
            "ends_at": occurrence.ends_at.isoformat(),
            "place": occurrence.place,
            "meeting_url": occurrence.meeting_url,
            "journey": journey.slug,
            "step": occurrence.step_key,
            "occurrence": occurrence.key,
        }
        made += _notify_each(
            session,
            occurrence.organization_id,
            people,
            NoticeKind.SESSION_SOON,
            f"session-soon:{occurrence.key}:{occurrence.sequence}",
            payload,
        )
    return made


# -- phases a group waits on --------------------------------------------------------------------
def current_phase(
    phases: list[CyclePhase], members: set[int], done: dict[str, dict[int | None, datetime]]
) -> CyclePhase | None:
    """The group's first phase not done: by every member (individual phases) or by the group."""
    for phase in phases:
        completions = done.get(phase.key, {})
        if None in completions:
            continue  # the group (or its facilitator) marked the whole phase done
        if phase.kind in INDIVIDUAL_PHASES and members and members <= set(completions):
            continue
        return phase
    return None


def remind_waiting_phases(session: Session, now: datetime, grace: timedelta) -> int:
    """PHASE_WAITING to members whose group has waited on their part longer than ``grace``."""
    cycles = session.execute(
        select(PhaseCompletion.group_id, PhaseCompletion.journey_id, PhaseCompletion.step_key)
        .where(PhaseCompletion.person_id.is_not(None), PhaseCompletion.completed_at <= now - grace)
        .distinct()
    ).all()
    made = 0
    for group_id, journey_id, step_key in cycles:
        made += _remind_group(session, now, grace, group_id, journey_id, step_key)
    return made


def _remind_group(
    session: Session, now: datetime, grace: timedelta, group_id: int, journey_id: int, step_key: str
) -> int:
    group = session.get(Group, group_id)
    journey = session.get(Journey, journey_id)
    step = _step(session, journey_id, step_key)
    if group is None or journey is None or step is None or step.type != StepType.COLLEGIAL_CYCLE:
        return 0
    try:
        config = CollegialCycleConfig.model_validate(step.config)
    except ValidationError:
        return 0
    members = set(
        session.scalars(
            select(GroupMember.person_id).where(
                GroupMember.group_id == group.id, GroupMember.role == GroupRole.MEMBER
            )
        )
    )
    done: dict[str, dict[int | None, datetime]] = defaultdict(dict)
    for row in session.scalars(
        select(PhaseCompletion).where(
            PhaseCompletion.group_id == group.id,
            PhaseCompletion.journey_id == journey_id,
            PhaseCompletion.step_key == step_key,
        )
    ):
        done[row.phase_key][row.person_id] = row.completed_at
    phase = current_phase(config.phases, members, done)
    if phase is None or phase.kind not in INDIVIDUAL_PHASES:
        return 0
    completed = {pid: at for pid, at in done[phase.key].items() if pid in members}
    if not completed or min(completed.values()) > now - grace:
        return 0
    payload = {
        "group": group.name,
        "group_key": group.key,
        "journey": journey.slug,
        "step": step_key,
        "step_title": step.title,
        "phase": phase.key,
        "phase_kind": phase.kind,
        "phase_title": phase.title,
        "done": len(completed),
        "members": len(members),
    }
    return _notify_each(
        session,
        group.organization_id,
        members - set(completed),
        NoticeKind.PHASE_WAITING,
        f"phase-waiting:{group.key}:{step_key}:{phase.key}",
        payload,
    )


# -- overdue assigned journeys ------------------------------------------------------------------
def reached_by(session: Session, assignment: Assignment) -> set[int]:
    """The people an assignment reaches: everyone, a unit's staff, or the one who chose it."""
    if assignment.level == AssignmentLevel.INDIVIDUAL:
        return {assignment.person_id} if assignment.person_id is not None else set()
    if assignment.level == AssignmentLevel.UNIT:
        if assignment.unit_id is None:
            return set()
        return staff_person_ids(session, assignment.organization_id, assignment.unit_id)
    return set(
        session.scalars(
            select(Person.id).where(Person.organization_id == assignment.organization_id)
        )
    )


def remind_overdue(session: Session, now: datetime) -> int:
    """STEP_OVERDUE to people reached by an assignment past its due date, not yet completed."""
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.due_at.is_not(None), Assignment.due_at < now)
        .order_by(Assignment.id)
    ).all()
    made = 0
    for assignment in assignments:
        journey = session.get(Journey, assignment.journey_id)
        version = session.scalars(
            select(JourneyVersion)
            .where(
                JourneyVersion.journey_id == assignment.journey_id,
                JourneyVersion.status == VersionStatus.PUBLISHED,
            )
            .order_by(JourneyVersion.number.desc())
            .limit(1)
        ).first()
        if journey is None or version is None or assignment.due_at is None:
            continue
        finished = set(
            session.scalars(
                select(Enrollment.person_id).where(
                    Enrollment.organization_id == assignment.organization_id,
                    Enrollment.journey_id == assignment.journey_id,
                    Enrollment.completed_at.is_not(None),
                )
            )
        )
        people = reached_by(session, assignment) - finished
        payload = {
            "journey": journey.slug,
            "title": version.title,
            "due_at": assignment.due_at.isoformat(),
        }
        made += _notify_each(
            session,
            assignment.organization_id,
            people,
            NoticeKind.STEP_OVERDUE,
            f"step-overdue:{journey.key}:{assignment.due_at:%Y%m%dT%H%M}",
            payload,
        )
    return made
