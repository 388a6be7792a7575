"""The learner's self-assessment: given once at the start (it may waive steps) and once at the end.

Only steps the learner has not begun are waived, so a step's own result (a failed knowledge
check) is never replaced by a waiver afterwards.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.errors import JourneyConflictError, JourneyError
from lti_tool.journeys.events import JourneyEvents
from lti_tool.journeys.models import (
    GoalRating,
    ProgressStatus,
    RatingPhase,
    RatingSource,
    StepProgress,
)
from lti_tool.journeys.player import (
    SCALE,
    JourneyState,
    after_progress,
    descriptors,
    journey_events,
    lock_state,
    touch,
)


def submit_self_assessment(
    session: Session, state: JourneyState, phase: RatingPhase, levels: dict[str, str]
) -> None:
    """Store a rating per goal; at the start, waive (or make optional) the steps already mastered.

    ``levels`` maps goal keys to the submitted level ("1".."4"); every goal must be rated.
    """
    goals = state.version.goals
    parsed: dict[int, int] = {}
    missing = []
    for goal in goals:
        raw = levels.get(goal.key, "")
        if raw not in {str(level) for level in SCALE}:
            missing.append(goal.title)
        else:
            parsed[goal.id] = int(raw)
    if missing:
        raise JourneyError(
            "rating_missing",
            _l(
                "Choose a level for every goal. Not rated yet: %(goals)s.", goals=", ".join(missing)
            ),
        )
    state = lock_state(session, state)
    given = {goal.id: state.rating(goal, phase) for goal in goals}
    if any(level is not None for level in given.values()):
        if given == parsed:
            session.commit()  # the same answers sent twice (a double click): nothing to add
            return
        raise JourneyConflictError(
            "self_assessment_given",
            _l("You have already given the opening self-assessment; it is given once.")
            if phase == RatingPhase.START
            else _l("You have already given the closing self-assessment; it is given once."),
        )
    if phase == RatingPhase.END and not state.complete:
        raise JourneyConflictError(
            "journey_not_complete",
            _l("The closing self-assessment opens when every required step is done."),
        )
    before = state.before()
    events = journey_events(session, state)
    for goal in goals:
        level = parsed[goal.id]
        session.add(
            GoalRating(
                enrollment_id=state.enrollment.id,
                goal_id=goal.id,
                source=RatingSource.SELF,
                phase=phase,
                level=level,
                rated_by_id=state.enrollment.person_id,
            )
        )
        state.ratings[(goal.id, phase.value)] = level
        events.rated(goal, level, descriptors(goal)[level - 1], phase.value)
    if phase == RatingPhase.START:
        state.enrollment.self_assessed_at = utcnow()
        _apply_mastery(session, state, parsed, events)
    touch(state)
    after_progress(state, events, before)
    events.flush()
    session.commit()


def _apply_mastery(
    session: Session, state: JourneyState, levels: dict[int, int], events: JourneyEvents
) -> None:
    by_key = {goal.key: goal for goal in state.version.goals}
    threshold = state.version.mastery_level
    for item in state.steps:
        goals = [by_key[k] for k in item.step.goal_keys if k in by_key]
        mastered = bool(goals) and all(levels.get(g.id, 0) >= threshold for g in goals)
        # A step the learner has begun keeps its own result: a failed knowledge check is
        # never waived (and so credited) afterwards.
        if not mastered or item.progress is not None:
            continue
        item.progress = StepProgress(
            enrollment_id=state.enrollment.id,
            step_id=item.step.id,
            status=ProgressStatus.WAIVED,
        )
        session.add(item.progress)
        # Under the optional policy the step only stops being required: nothing is waived.
        if item.waived:
            events.waived(item.step, item.section)
