"""The learner's side: enrolling, the self-assessment, progress, and completing steps.

Every action commits together with its xAPI statements (``journeys.events``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from lti_tool.tenancy.models import Person

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
    # What rating the step's goals as mastered does to it (the version's policy).
    policy: MasteryPolicy = MasteryPolicy.WAIVE
    # The step's progress was made by this request: it is being opened for the first time.
    opened_now: bool = False

    @property
    def status(self) -> ProgressStatus | None:
        return self.progress.status if self.progress else None

    @property
    def done(self) -> bool:
        return self.status == ProgressStatus.COMPLETED

    @property
    def mastered(self) -> bool:
        """Not begun, and its goals rated as mastered in the opening self-assessment."""
        return self.status == ProgressStatus.WAIVED

    @property
    def waived(self) -> bool:
        """Mastered under the waive policy: credited as done without being done."""
        return self.mastered and self.policy == MasteryPolicy.WAIVE

    @property
    def required(self) -> bool:
        # Under either policy a mastered step may be left: waived, or optional.
        return not self.mastered

    @property
    def counts(self) -> bool:
        """Whether the step is part of the measure: an optional step only once it is done."""
        return not (self.mastered and not self.waived and not self.done)

    @property
    def credit(self) -> float:
        """The step's share of done (0-1), the one measure of xAPI progress and of the score.

        Done and waived steps count 1 (a waived step is credited as mastered; an optional one
        is not, until it is done); a knowledge check not yet passed counts its best result;
        anything else 0.
        """
        progress = self.progress
        if progress is None:
            return 0.0
        if self.done or self.waived:
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
        """The share of the journey done, 0-100 with two decimals (see ``StepState.credit``).

        Steps made optional by the self-assessment (the optional policy) are left out until
        they are done, so a journey completed without them scores 100.
        """
        counted = [s for s in self.steps if s.counts]
        if not counted:
            return 100.0 if self.steps else 0.0
        return round(100 * sum(s.credit for s in counted) / len(counted), 2)

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

    def goal_steps(self, goal: Goal) -> list[StepState]:
        """The steps of a goal: its own and those of its sub-goals."""
        keys = {goal.key} | {g.key for g in self.version.goals if g.parent_id == goal.id}
        return [s for s in self.steps if keys & set(s.step.goal_keys)]

    def goal_met(self, goal: Goal) -> bool:
        """Every required step of the goal done, and at least one of its steps done or waived."""
        steps = self.goal_steps(goal)
        return all(s.done for s in steps if s.required) and any(s.done or s.waived for s in steps)

    @property
    def goals_met(self) -> frozenset[int]:
        return frozenset(goal.id for goal in self.version.goals if self.goal_met(goal))

    def before(self) -> Before:
        """What ``after_progress`` compares with: taken before a change of progress."""
        return Before(percent=self.percent, goals_met=self.goals_met)


@dataclass(frozen=True)
class Before:
    """The share done and the goals met before a change, so each is announced once."""

    percent: int
    goals_met: frozenset[int]


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
        StepState(
            step=step,
            section=section,
            progress=progress.get(step.id),
            policy=version.mastery_policy,
        )
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


def journey_events(
    session: Session, state: JourneyState, actor: Person | None = None
) -> JourneyEvents:
    """The events of the learner's enrollment, naming the goals the state has loaded;
    ``actor`` is the person acting on it when that is not the learner (an instructor)."""
    return JourneyEvents(
        session, Scene.load(session, state.enrollment, actor=actor), goals=state.version.goals
    )


def progress_row(session: Session, state: JourneyState, item: StepState) -> StepProgress:
    if item.progress is None:
        item.progress = StepProgress(
            enrollment_id=state.enrollment.id,
            step_id=item.step.id,
            status=ProgressStatus.IN_PROGRESS,
            attempts=0,
        )
        item.opened_now = True
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
    # One reading of the clock: the step's completion, its duration and the statement's
    # timestamp are the same moment.
    now = utcnow()
    duration = time_on_step(item, now)
    progress.status = ProgressStatus.COMPLETED
    progress.completed_at = now
    events.completed_step(item.step, item.section, score, success, duration=duration, at=now)


def time_on_step(item: StepState, now: datetime) -> timedelta | None:
    """Time from the step's first opening to ``now``, by the server's clock.

    None when it cannot be measured: the step is opened by this very request (opened and done
    at once), or it was mastered in the self-assessment (its progress dates from then, not
    from an opening).
    """
    progress = item.progress
    if progress is None or item.opened_now or item.mastered or progress.started_at is None:
        return None
    return max(now - progress.started_at, timedelta(0))


def after_progress(state: JourneyState, events: JourneyEvents, before: Before) -> None:
    """Progress, goals newly met (by a done or a waived step), and the journey's completion.

    Each is recorded once: a goal is satisfied when it turns met, which it never stops being.
    """
    percent = state.percent
    if percent != before.percent:
        events.progressed(percent)
    met = state.goals_met
    for goal in state.version.goals:
        if goal.id in met and goal.id not in before.goals_met:
            events.satisfied(goal)
    if state.complete and state.enrollment.completed_at is None:
        now = utcnow()
        state.enrollment.completed_at = now
        events.completed_journey(
            done=sum(1 for s in state.steps if s.done),
            waived=sum(1 for s in state.steps if s.waived),
            total=len(state.steps),
            at=now,
        )
    queue_journey_score(events.session, events.scene, state)
