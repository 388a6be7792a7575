"""The three levels of competence development: journeys assigned to the whole organisation, to a
school unit, or chosen by a person for themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.goals.models import CompetenceGoal
from lti_tool.journeys.assignment_events import AssignmentEvents
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.errors import JourneyConflictError, JourneyError
from lti_tool.journeys.models import (
    Assignment,
    AssignmentLevel,
    Enrollment,
    Journey,
    JourneyVersion,
    VersionStatus,
)
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Context, Organization, Unit


@dataclass(frozen=True)
class AssignedJourney:
    journey: Journey
    version: JourneyVersion
    level: AssignmentLevel
    unit: Unit | None
    due_at: datetime | None
    enrollment: Enrollment | None


def assign(
    session: Session,
    journey: Journey,
    level: AssignmentLevel,
    unit: Unit | None = None,
    person_id: int | None = None,
    due_at: datetime | None = None,
    recording: Recording | None = None,
    goal: CompetenceGoal | None = None,
) -> Assignment:
    """Assign a published journey and record ``assigned``; the same assignment twice is refused.

    ``goal``: the organisation or unit goal the assignment serves (``Assignment.goal_id``).
    """
    if latest_published(session, journey) is None:
        raise JourneyError("journey_not_published", _l("Publish the journey before you assign it."))
    if level == AssignmentLevel.UNIT and unit is None:
        raise JourneyError("unit_missing", _l("Name the school unit to assign the journey to."))
    if unit is not None and unit.organization_id != journey.organization_id:
        raise JourneyError("unit_missing", _l("That school unit belongs to another organisation."))
    if goal is not None and goal.organization_id != journey.organization_id:
        raise JourneyError("goal_missing", _l("That goal belongs to another organisation."))
    unit_clause = Assignment.unit_id == unit.id if unit else Assignment.unit_id.is_(None)
    person_clause = (
        Assignment.person_id == person_id if person_id else Assignment.person_id.is_(None)
    )
    existing = session.scalars(
        select(Assignment).where(
            Assignment.journey_id == journey.id,
            Assignment.level == level,
            unit_clause,
            person_clause,
        )
    ).first()
    if existing is not None:
        raise JourneyConflictError(
            "already_assigned",
            _l(
                "This journey is already assigned there. Choose another journey or another "
                "organisation, unit or person."
            ),
        )
    assignment = Assignment(
        organization_id=journey.organization_id,
        journey_id=journey.id,
        level=level,
        unit_id=unit.id if unit else None,
        person_id=person_id,
        due_at=due_at,
        goal_id=goal.id if goal is not None else None,
    )
    session.add(assignment)
    events = AssignmentEvents(
        session,
        recording or get_recording(),
        session.get_one(Organization, journey.organization_id),
    )
    events.record_assigned(assignment, journey, unit, goal=goal)
    session.commit()
    return assignment


def journeys_for(session: Session, identity: LaunchIdentity) -> list[AssignedJourney]:
    """The journeys of a person: the organisation's, their course's unit's, and their own choices."""
    unit_id = None
    if identity.context_id is not None:
        unit_id = session.scalar(select(Context.unit_id).where(Context.id == identity.context_id))
    clauses = [
        Assignment.level == AssignmentLevel.ORGANIZATION,
        Assignment.person_id == identity.person_id,
    ]
    if unit_id is not None:
        clauses.append(Assignment.unit_id == unit_id)
    assignments = session.scalars(
        select(Assignment)
        .where(Assignment.organization_id == identity.organization_id, or_(*clauses))
        .order_by(Assignment.created_at)
    ).all()
    enrollments = {
        e.journey_id: e
        for e in session.scalars(
            select(Enrollment).where(
                Enrollment.person_id == identity.person_id,
                Enrollment.organization_id == identity.organization_id,
            )
        )
    }
    seen: set[int] = set()
    result: list[AssignedJourney] = []
    for assignment in assignments:
        if assignment.journey_id in seen:
            continue
        journey = session.get(Journey, assignment.journey_id)
        version = latest_published(session, journey) if journey else None
        if journey is None or version is None:
            continue
        seen.add(journey.id)
        result.append(
            AssignedJourney(
                journey=journey,
                version=version,
                level=assignment.level,
                unit=session.get(Unit, assignment.unit_id) if assignment.unit_id else None,
                due_at=assignment.due_at,
                enrollment=enrollments.get(journey.id),
            )
        )
    return result


def choosable(session: Session, identity: LaunchIdentity) -> list[tuple[Journey, JourneyVersion]]:
    """Published journeys of the organisation a person may choose for themselves."""
    rows = session.execute(
        select(Journey, JourneyVersion)
        .join(JourneyVersion, JourneyVersion.journey_id == Journey.id)
        .where(
            Journey.organization_id == identity.organization_id,
            JourneyVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(Journey.slug, JourneyVersion.number.desc())
    )
    latest: dict[int, tuple[Journey, JourneyVersion]] = {}
    for journey, version in rows:
        latest.setdefault(journey.id, (journey, version))
    return list(latest.values())


def choose(
    session: Session,
    identity: LaunchIdentity,
    journey: Journey,
    recording: Recording | None = None,
) -> None:
    """A person chooses a journey for their own development (the individual level)."""
    mine = session.scalars(
        select(Assignment).where(
            Assignment.journey_id == journey.id, Assignment.person_id == identity.person_id
        )
    ).first()
    if mine is not None:
        return
    assignment = Assignment(
        organization_id=identity.organization_id,
        journey_id=journey.id,
        level=AssignmentLevel.INDIVIDUAL,
        person_id=identity.person_id,
    )
    session.add(assignment)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # the same choice sent twice at once: the other one stands
        return
    events = AssignmentEvents(
        session,
        recording or get_recording(),
        session.get_one(Organization, identity.organization_id),
    )
    events.record_assigned(assignment, journey, self_chosen=True)
    session.commit()
