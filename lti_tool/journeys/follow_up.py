"""The instructor's follow-up in a course: every learner's progress, reflections and goal ratings.

Every query is scoped by the course (context) and the organisation of the instructor's token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lti_tool.journeys.authoring import latest_published, load_version
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.events import JourneyEvents, Scene
from lti_tool.journeys.models import (
    Enrollment,
    GoalRating,
    Journey,
    ProgressStatus,
    QuizAttempt,
    RatingSource,
    Reflection,
    StepProgress,
)
from lti_tool.journeys.player import JourneyState, descriptors, load_state
from lti_tool.lti.roles import ToolRole
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Membership, Person


@dataclass
class LearnerRow:
    person: Person
    enrollment: Enrollment | None = None
    done: int = 0
    waived: int = 0
    best_score: float | None = None
    last_activity: datetime | None = None
    reflections: int = 0
    unanswered_reflections: int = 0

    @property
    def completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None


@dataclass
class CourseProgress:
    journey: Journey
    total_steps: int
    learners: list[LearnerRow] = field(default_factory=list)


def course_progress(session: Session, identity: LaunchIdentity, journey: Journey) -> CourseProgress:
    """Every learner of the course who launched the tool, with their enrollment in the journey."""
    if identity.context_id is None:
        raise JourneyError("no_course", _l("Open the follow-up from a course."))
    members = session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.context_id == identity.context_id,
            Membership.organization_id == identity.organization_id,
        )
    )
    learners = {
        person.id: LearnerRow(person=person)
        for membership, person in members
        if ToolRole.LEARNER.value in (membership.tool_roles or [])
    }
    enrollments = session.scalars(
        select(Enrollment).where(
            Enrollment.context_id == identity.context_id,
            Enrollment.journey_id == journey.id,
            Enrollment.organization_id == identity.organization_id,
        )
    ).all()
    by_enrollment: dict[int, LearnerRow] = {}
    for enrollment in enrollments:
        row = learners.get(enrollment.person_id)
        if row is None:
            continue  # an instructor who looked at the journey as a learner
        row.enrollment = enrollment
        row.last_activity = enrollment.last_activity_at
        by_enrollment[enrollment.id] = row
    if by_enrollment:
        ids = list(by_enrollment)
        for enrollment_id, status, count in session.execute(
            select(StepProgress.enrollment_id, StepProgress.status, func.count())
            .where(StepProgress.enrollment_id.in_(ids))
            .group_by(StepProgress.enrollment_id, StepProgress.status)
        ):
            if status == ProgressStatus.COMPLETED:
                by_enrollment[enrollment_id].done = count
            elif status == ProgressStatus.WAIVED:
                by_enrollment[enrollment_id].waived = count
        for enrollment_id, best in session.execute(
            select(QuizAttempt.enrollment_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.enrollment_id.in_(ids))
            .group_by(QuizAttempt.enrollment_id)
        ):
            by_enrollment[enrollment_id].best_score = best
        for reflection in session.scalars(
            select(Reflection)
            .where(Reflection.enrollment_id.in_(ids))
            .options(selectinload(Reflection.comments))
        ):
            row = by_enrollment[reflection.enrollment_id]
            row.reflections += 1
            if not any(c.author_id != row.person.id for c in reflection.comments):
                row.unanswered_reflections += 1
    latest = latest_published(session, journey)
    total = sum(len(s.steps) for s in load_version(session, latest.id).sections) if latest else 0
    ordered = sorted(learners.values(), key=lambda r: (r.person.display_name or "~").casefold())
    return CourseProgress(journey=journey, total_steps=total, learners=ordered)


def learner_state(
    session: Session, identity: LaunchIdentity, journey: Journey, enrollment_id: int
) -> JourneyState:
    """One learner's enrollment in the instructor's course (never another course's)."""
    enrollment = session.get(Enrollment, enrollment_id)
    if (
        enrollment is None
        or enrollment.journey_id != journey.id
        or enrollment.context_id != identity.context_id
        or enrollment.organization_id != identity.organization_id
    ):
        raise JourneyNotFoundError(
            "enrollment_not_found", _l("That learner is not on this journey in your course.")
        )
    return load_state(session, enrollment)


def instructor_ratings(session: Session, enrollment_id: int) -> dict[int, GoalRating]:
    """The latest instructor rating per goal."""
    latest: dict[int, GoalRating] = {}
    for rating in session.scalars(
        select(GoalRating)
        .where(
            GoalRating.enrollment_id == enrollment_id,
            GoalRating.source == RatingSource.INSTRUCTOR,
        )
        .order_by(GoalRating.created_at, GoalRating.id)
    ):
        latest[rating.goal_id] = rating
    return latest


def rate_goals(
    session: Session,
    state: JourneyState,
    rater: Person,
    levels: dict[str, str],
    comments: dict[str, str],
) -> int:
    """Store the instructor's ratings (only the goals given a level); returns how many."""
    events = JourneyEvents(session, Scene.load(session, state.enrollment))
    count = 0
    for goal in state.version.goals:
        raw = levels.get(goal.key, "")
        if not raw:
            continue
        if raw not in ("1", "2", "3", "4"):
            raise JourneyError("rating_invalid", _l("Choose a level between 1 and 4."))
        level = int(raw)
        session.add(
            GoalRating(
                enrollment_id=state.enrollment.id,
                goal_id=goal.id,
                source=RatingSource.INSTRUCTOR,
                phase=None,
                level=level,
                comment=comments.get(goal.key, "").strip()[:5000],
                rated_by_id=rater.id,
            )
        )
        events.instructor_rated(goal, level, descriptors(goal)[level - 1], rater)
        count += 1
    if count == 0:
        raise JourneyError("rating_missing", _l("Choose a level for at least one goal."))
    events.flush()
    session.commit()
    return count
