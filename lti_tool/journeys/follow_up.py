"""The instructor's follow-up in a course: every learner's progress, reflections and goal ratings.

Every query is scoped by the course (context) and the organisation of the instructor's token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lti_tool.journeys.authoring import latest_published, load_published
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.models import (
    Enrollment,
    GoalRating,
    Journey,
    ProgressStatus,
    QuizAttempt,
    RatingSource,
    Reflection,
    ReflectionComment,
    StepProgress,
)
from lti_tool.journeys.player import (
    JourneyState,
    descriptors,
    journey_events,
    load_state,
    lock_enrollment,
)
from lti_tool.journeys.submissions import add_reflection_comment
from lti_tool.lti.roles import ToolRole
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Context, Membership, Person, RosterMember


@dataclass
class LearnerRow:
    person_id: int | None  # None: on the platform's roster, never launched the tool
    name: str
    enrollment_id: int | None = None
    completed: bool = False
    done: int = 0
    waived: int = 0
    best_score: float | None = None
    last_activity: datetime | None = None
    reflections: int = 0
    unanswered_reflections: int = 0


@dataclass
class CourseProgress:
    journey: Journey
    total_steps: int
    learners: list[LearnerRow] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    total_learners: int = 0
    completed: int = 0
    started: int = 0
    roster_service: bool = False
    roster_fetched_at: datetime | None = None


PAGE_SIZE = 100


def _name(name: str | None, given: str | None, family: str | None, email: str | None) -> str:
    joined = " ".join(p for p in (given, family) if p)
    return name or joined or email or ""


def course_progress(
    session: Session, identity: LaunchIdentity, journey: Journey, page: int = 1
) -> CourseProgress:
    """Every learner of the course who launched the tool, with their progress in the journey.

    Built from column queries and aggregates (no ORM objects per learner): a course may have a
    thousand learners. One page of ``PAGE_SIZE`` learners, sorted by name.
    """
    if identity.context_id is None:
        raise JourneyError("no_course", _l("Open the follow-up from a course."))
    members = session.execute(
        select(
            Person.id,
            Person.name,
            Person.given_name,
            Person.family_name,
            Person.email,
            Membership.tool_roles,
            Person.sub,
        )
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.context_id == identity.context_id,
            Membership.organization_id == identity.organization_id,
        )
    ).all()
    learners = [
        LearnerRow(person_id=pid, name=_name(name, given, family, email))
        for pid, name, given, family, email, roles, _sub in members
        if ToolRole.LEARNER.value in (roles or [])
    ]
    launched = {row[6] for row in members}
    context = session.get(Context, identity.context_id)
    # The platform's roster adds the learners who never opened the tool.
    for sub, name, email, roles in session.execute(
        select(
            RosterMember.sub, RosterMember.name, RosterMember.email, RosterMember.tool_roles
        ).where(
            RosterMember.context_id == identity.context_id,
            RosterMember.organization_id == identity.organization_id,
        )
    ):
        if sub not in launched and ToolRole.LEARNER.value in (roles or []):
            learners.append(LearnerRow(person_id=None, name=name or email or ""))
    learners.sort(key=lambda r: (r.name or "~").casefold())
    by_person = {row.person_id: row for row in learners if row.person_id is not None}
    for eid, pid, completed_at, last in session.execute(
        select(
            Enrollment.id,
            Enrollment.person_id,
            Enrollment.completed_at,
            Enrollment.last_activity_at,
        )
        .where(
            Enrollment.context_id == identity.context_id,
            Enrollment.journey_id == journey.id,
            Enrollment.organization_id == identity.organization_id,
        )
        # A learner may be enrolled under several links of the course: the latest work shows.
        .order_by(Enrollment.last_activity_at, Enrollment.id)
    ):
        row = by_person.get(pid)
        if row is not None:  # not an instructor who looked at the journey as a learner
            row.enrollment_id, row.completed, row.last_activity = (
                eid,
                completed_at is not None,
                last,
            )
    latest = latest_published(session, journey)
    total = sum(len(s.steps) for s in load_published(session, latest.id).sections) if latest else 0
    pages = max(1, -(-len(learners) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = learners[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    by_enrollment = {r.enrollment_id: r for r in shown if r.enrollment_id is not None}
    if by_enrollment:
        _add_counts(session, by_enrollment)
    return CourseProgress(
        journey=journey,
        total_steps=total,
        learners=shown,
        page=page,
        pages=pages,
        total_learners=len(learners),
        completed=sum(1 for r in learners if r.completed),
        started=sum(1 for r in learners if r.enrollment_id is not None),
        roster_service=bool(context is not None and context.nrps_url),
        roster_fetched_at=context.roster_fetched_at if context is not None else None,
    )


def _add_counts(session: Session, rows: dict[int, LearnerRow]) -> None:
    ids = list(rows)
    for enrollment_id, status, count in session.execute(
        select(StepProgress.enrollment_id, StepProgress.status, func.count())
        .where(StepProgress.enrollment_id.in_(ids))
        .group_by(StepProgress.enrollment_id, StepProgress.status)
    ):
        if status == ProgressStatus.COMPLETED:
            rows[enrollment_id].done = count
        elif status == ProgressStatus.WAIVED:
            rows[enrollment_id].waived = count
    for enrollment_id, best in session.execute(
        select(QuizAttempt.enrollment_id, func.max(QuizAttempt.score))
        .where(QuizAttempt.enrollment_id.in_(ids))
        .group_by(QuizAttempt.enrollment_id)
    ):
        rows[enrollment_id].best_score = best
    # A reflection is unanswered while nobody but its author has commented on it.
    answered = (
        select(ReflectionComment.id)
        .where(
            ReflectionComment.reflection_id == Reflection.id,
            ReflectionComment.author_id != Enrollment.person_id,
        )
        .exists()
    )
    for enrollment_id, count, unanswered in session.execute(
        select(
            Reflection.enrollment_id,
            func.count(),
            func.sum(case((answered, 0), else_=1)),
        )
        .join(Enrollment, Enrollment.id == Reflection.enrollment_id)
        .where(Reflection.enrollment_id.in_(ids))
        .group_by(Reflection.enrollment_id)
    ):
        rows[enrollment_id].reflections = count
        rows[enrollment_id].unanswered_reflections = int(unanswered or 0)


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
    """Store the instructor's ratings (only the goals given a level); returns how many are new.

    A rating equal to the goal's latest one by the same instructor (the form sent twice) is not
    stored again.
    """
    given: dict[int, tuple[int, str]] = {}
    for goal in state.version.goals:
        raw = levels.get(goal.key, "")
        if not raw:
            continue
        if raw not in ("1", "2", "3", "4"):
            raise JourneyError("rating_invalid", _l("Choose a level between 1 and 4."))
        given[goal.id] = (int(raw), comments.get(goal.key, "").strip()[:5000])
    if not given:
        raise JourneyError("rating_missing", _l("Choose a level for at least one goal."))
    lock_enrollment(session, state.enrollment.id)
    latest = instructor_ratings(session, state.enrollment.id)
    events = journey_events(session, state, actor=rater)
    count = 0
    for goal in state.version.goals:
        if goal.id not in given:
            continue
        level, comment = given[goal.id]
        before = latest.get(goal.id)
        if before is not None and (before.rated_by_id, before.level, before.comment) == (
            rater.id,
            level,
            comment,
        ):
            continue
        session.add(
            GoalRating(
                enrollment_id=state.enrollment.id,
                goal_id=goal.id,
                source=RatingSource.INSTRUCTOR,
                phase=None,
                level=level,
                comment=comment,
                rated_by_id=rater.id,
            )
        )
        events.rated(goal, level, descriptors(goal)[level - 1], rater=rater)
        count += 1
    events.flush()
    session.commit()
    return count


def answer_reflection(
    session: Session, state: JourneyState, reflection: Reflection, author: Person, text: str
) -> ReflectionComment:
    """An instructor's answer in the dialogue on a learner's reflection, with its statement."""
    comment = add_reflection_comment(session, reflection, author.id, text)
    if comment not in session.new:  # the same answer sent twice: recorded the first time
        session.commit()
        return comment
    item = next(s for s in state.steps if s.step.id == reflection.step_id)
    events = journey_events(session, state, actor=author)
    events.replied(item.step, item.section, len(comment.body), actor=author)
    events.flush()
    session.commit()
    return comment
