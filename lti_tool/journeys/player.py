"""The learner's side: enrolling, the self-assessment, progress, and completing steps.

Every action commits together with its xAPI statements (``journeys.events``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.authoring import journey_by_slug, latest_published, load_published
from lti_tool.journeys.errors import JourneyForbiddenError, JourneyNotFoundError
from lti_tool.journeys.events import JourneyEvents, Scene
from lti_tool.journeys.gradebook import queue_initialized, queue_journey_score
from lti_tool.journeys.models import (
    Enrollment,
    Goal,
    GoalRating,
    Journey,
    JourneyVersion,
    MasteryPolicy,
    ProgressStatus,
    RatingPhase,
    RatingSource,
    Section,
    Step,
    StepProgress,
    StepType,
)
from lti_tool.lti.session_token import LaunchIdentity

SCALE = (1, 2, 3, 4)


def default_descriptors() -> list[str]:
    return [
        str(_l("New to me")),
        str(_l("I have started")),
        str(_l("I am confident")),
        str(_l("I can lead others")),
    ]


def descriptors(goal: Goal) -> list[str]:
    return (
        list(goal.level_descriptors)
        if len(goal.level_descriptors or []) == 4
        else (default_descriptors())
    )


@dataclass
class StepState:
    step: Step
    section: Section
    progress: StepProgress | None

    @property
    def status(self) -> ProgressStatus | None:
        return self.progress.status if self.progress else None

    @property
    def done(self) -> bool:
        return self.status == ProgressStatus.COMPLETED

    @property
    def waived(self) -> bool:
        return self.status == ProgressStatus.WAIVED

    @property
    def required(self) -> bool:
        return not self.waived

    @property
    def credit(self) -> float:
        """The step's share of done (0-1), the one measure of xAPI progress and of the score.

        Done and waived steps count 1 (a waived step is credited as mastered); a knowledge
        check not yet passed counts its best result; anything else 0.
        """
        progress = self.progress
        if progress is None:
            return 0.0
        if progress.status in (ProgressStatus.COMPLETED, ProgressStatus.WAIVED):
            return 1.0
        if self.step.type == StepType.KNOWLEDGE_CHECK and progress.score is not None:
            return max(0.0, min(1.0, progress.score))
        return 0.0


@dataclass
class JourneyState:
    """An enrollment with its version and the learner's progress on every step."""

    enrollment: Enrollment
    version: JourneyVersion
    steps: list[StepState]
    ratings: dict[tuple[int, str], int] = field(default_factory=dict)  # (goal id, phase) -> level

    @property
    def journey(self) -> Journey:
        return self.version.journey

    @property
    def required(self) -> list[StepState]:
        return [s for s in self.steps if s.required]

    @property
    def score(self) -> float:
        """The share of the journey done, 0-100 with two decimals (see ``StepState.credit``)."""
        if not self.steps:
            return 0.0
        return round(100 * sum(s.credit for s in self.steps) / len(self.steps), 2)

    @property
    def percent(self) -> int:
        """``score`` as a whole percent: the progress bar and the xAPI ``progress`` extension."""
        return round(self.score)

    @property
    def complete(self) -> bool:
        return bool(self.steps) and all(s.done for s in self.required)

    @property
    def next_step(self) -> StepState | None:
        """The first required step not done; else the first not done at all."""
        for state in self.steps:
            if state.required and not state.done:
                return state
        return next((s for s in self.steps if not s.done), None)

    @property
    def last_step(self) -> StepState | None:
        key = self.enrollment.last_step_key
        return next((s for s in self.steps if s.step.key == key), None) if key else None

    def step(self, key: str) -> StepState:
        for state in self.steps:
            if state.step.key == key:
                return state
        raise JourneyNotFoundError("step_not_found", _l("That step is not part of this journey."))

    def neighbours(self, key: str) -> tuple[StepState | None, StepState | None]:
        index = next(i for i, s in enumerate(self.steps) if s.step.key == key)
        before = self.steps[index - 1] if index > 0 else None
        after = self.steps[index + 1] if index + 1 < len(self.steps) else None
        return before, after

    @property
    def needs_self_assessment(self) -> bool:
        return bool(self.version.goals) and self.enrollment.self_assessed_at is None

    def rating(self, goal: Goal, phase: RatingPhase | str) -> int | None:
        return self.ratings.get((goal.id, str(phase)))


def find_published_journey(session: Session, identity: LaunchIdentity, slug: str) -> Journey:
    journey = journey_by_slug(session, identity.organization_id, slug)
    if journey is None or latest_published(session, journey) is None:
        raise JourneyNotFoundError(
            "journey_not_published",
            _l(
                "The journey “%(slug)s” has not been published in your organisation. Ask the "
                "person who set up this link to publish it or to choose another journey.",
                slug=slug,
            ),
        )
    return journey


def open_journey(session: Session, identity: LaunchIdentity, slug: str) -> Journey:
    """The journey a learner may walk under this launch: the link's own, when it names one.

    A link bound to a journey (or a launch naming one) opens that journey only, so its line
    item can only ever receive that journey's score.
    """
    journey = find_published_journey(session, identity, slug)
    if identity.journey_slug and identity.journey_slug != slug:
        raise JourneyForbiddenError(
            "journey_not_linked",
            _l(
                "This link of your course opens the journey “%(linked)s”, not “%(slug)s”. Open "
                "the other journey from its own link in the course.",
                linked=identity.journey_slug,
                slug=slug,
            ),
        )
    return journey


@dataclass(frozen=True)
class LinkedJourney:
    journey: Journey
    version: JourneyVersion


def linked_journey(session: Session, identity: LaunchIdentity) -> LinkedJourney | None:
    """The published journey the launch asked for (custom parameter or the link's binding)."""
    if not identity.journey_slug:
        return None
    journey = journey_by_slug(session, identity.organization_id, identity.journey_slug)
    version = latest_published(session, journey) if journey is not None else None
    if journey is None or version is None:
        return None
    return LinkedJourney(journey=journey, version=version)


def _find_enrollment(
    session: Session, identity: LaunchIdentity, journey: Journey
) -> Enrollment | None:
    # One enrollment per (person, resource link, journey); without a link, one per course.
    if identity.resource_link_id is not None:
        place = Enrollment.resource_link_id == identity.resource_link_id
    else:
        place = Enrollment.resource_link_id.is_(None) & (
            Enrollment.context_id == identity.context_id
            if identity.context_id is not None
            else Enrollment.context_id.is_(None)
        )
    return session.scalars(
        select(Enrollment).where(
            Enrollment.person_id == identity.person_id,
            Enrollment.journey_id == journey.id,
            place,
        )
    ).first()


def enroll(session: Session, identity: LaunchIdentity, journey: Journey) -> Enrollment:
    """The learner's enrollment in the journey under this link, made on first visit."""
    enrollment = _find_enrollment(session, identity, journey)
    if enrollment is not None:
        return enrollment
    version = latest_published(session, journey)
    if version is None:  # pragma: no cover - find_published_journey checked it
        raise JourneyNotFoundError("journey_not_published", _l("The journey is not published."))
    enrollment = Enrollment(
        organization_id=identity.organization_id,
        person_id=identity.person_id,
        journey_id=journey.id,
        version_id=version.id,
        context_id=identity.context_id,
        resource_link_id=identity.resource_link_id,
    )
    session.add(enrollment)
    try:
        session.flush()
    except IntegrityError:
        # The same learner opened the journey in two tabs at once: use the other enrollment.
        session.rollback()
        existing = _find_enrollment(session, identity, journey)
        if existing is None:  # pragma: no cover
            raise
        return existing
    events = JourneyEvents(session, Scene.load(session, enrollment))
    events.initialized()
    events.flush()
    queue_initialized(session, events.scene)
    session.commit()
    return enrollment


def load_state(session: Session, enrollment: Enrollment) -> JourneyState:
    version = load_published(session, enrollment.version_id)
    progress = {
        p.step_id: p
        for p in session.scalars(
            select(StepProgress).where(StepProgress.enrollment_id == enrollment.id)
        )
    }
    ratings: dict[tuple[int, str], int] = {}
    for rating in session.scalars(
        select(GoalRating)
        .where(GoalRating.enrollment_id == enrollment.id, GoalRating.source == RatingSource.SELF)
        .order_by(GoalRating.created_at, GoalRating.id)
    ):
        if rating.phase is not None:
            ratings[(rating.goal_id, rating.phase.value)] = rating.level
    steps = [
        StepState(step=step, section=section, progress=progress.get(step.id))
        for section in version.sections
        for step in section.steps
    ]
    return JourneyState(enrollment=enrollment, version=version, steps=steps, ratings=ratings)


def lock_state(session: Session, state: JourneyState) -> JourneyState:
    """Wait for the learner's other requests on this enrollment, then its state as committed.

    Every change of a learner's progress starts here, so a request sent twice at once (a
    double click, a retried upload) runs after the first one and sees what it did.
    """
    lock_enrollment(session, state.enrollment.id)
    return load_state(session, state.enrollment)


def lock_enrollment(session: Session, enrollment_id: int) -> None:
    """Hold the enrollment's lock until the session commits; what the session read is expired."""
    # An UPDATE row-locks the enrollment on PostgreSQL until commit; on SQLite, as the
    # transaction's first write, it waits for the single writer lock. Reads before it ran in
    # no transaction (pysqlite begins one at the first write), so nothing stale is held.
    session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment_id)
        .values(last_activity_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def touch(state: JourneyState, step: Step | None = None) -> None:
    state.enrollment.last_activity_at = utcnow()
    if step is not None:
        state.enrollment.last_step_key = step.key


def waive_label_policy(state: JourneyState) -> MasteryPolicy:
    return state.version.mastery_policy


def progress_row(session: Session, state: JourneyState, item: StepState) -> StepProgress:
    if item.progress is None:
        item.progress = StepProgress(
            enrollment_id=state.enrollment.id,
            step_id=item.step.id,
            status=ProgressStatus.IN_PROGRESS,
            attempts=0,
        )
        session.add(item.progress)
    return item.progress


def complete_step(
    item: StepState, events: JourneyEvents, score: float | None = None, success: bool | None = None
) -> None:
    progress = item.progress
    if progress is None:  # pragma: no cover - callers create it
        return
    if score is not None:
        progress.score = max(score, progress.score or 0.0)
    if progress.status == ProgressStatus.COMPLETED:
        return
    progress.status = ProgressStatus.COMPLETED
    progress.completed_at = utcnow()
    events.completed_step(item.step, item.section, score, success)


def after_progress(
    state: JourneyState,
    events: JourneyEvents,
    previous_percent: int | None,
    just_done: StepState | None = None,
) -> None:
    """Progress, goals satisfied by the step just done, and the journey's completion, once each."""
    percent = state.percent
    if previous_percent is not None and percent != previous_percent:
        events.progressed(percent)
    if just_done is not None and just_done.done:
        for goal in state.version.goals:
            # A goal covers its own steps and those of its sub-goals.
            keys = {goal.key} | {g.key for g in state.version.goals if g.parent_id == goal.id}
            if not keys & set(just_done.step.goal_keys):
                continue
            required = [s for s in state.steps if keys & set(s.step.goal_keys) and s.required]
            if all(s.done for s in required):
                events.satisfied(goal)
    if state.complete and state.enrollment.completed_at is None:
        state.enrollment.completed_at = utcnow()
        events.completed_journey()
    queue_journey_score(events.session, events.scene, state)
