"""Peer feedback: a member's structured feedback (strengths, next steps) on a colleague's evidence.

Once per giver and piece of evidence, never on one's own, and only within one's own group; the
words stay in the tool, the statement counts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_events import CycleEvents
from lti_tool.collegial.cycle_models import Contribution, ContributionKind, PeerFeedback
from lti_tool.collegial.cycle_progress import advance
from lti_tool.collegial.cycle_state import cycle_config, find_phase, require_group
from lti_tool.journeys.errors import (
    JourneyConflictError,
    JourneyError,
    JourneyForbiddenError,
    JourneyNotFoundError,
)
from lti_tool.journeys.models import StepType
from lti_tool.journeys.player import JourneyState, lock_state
from lti_tool.tenancy.models import Person

MAX_POINT = 2_000


@dataclass(frozen=True)
class Given:
    """Feedback on a piece of evidence, with who gave it."""

    feedback: PeerFeedback
    giver: Person


def _points(values: list[str], count: int, what: str) -> list[str]:
    points = [v.strip() for v in values[:count]]
    if len(points) < count or any(not p for p in points):
        raise JourneyError(
            "feedback_incomplete",
            _l("Fill in every %(what)s of your feedback.", what=what),
        )
    if any(len(p) > MAX_POINT for p in points):
        raise JourneyError(
            "feedback_too_long", _l("Keep each point of your feedback under 2,000 characters.")
        )
    return points


def give_feedback(
    session: Session,
    state: JourneyState,
    key: str,
    contribution_key: str,
    strengths: list[str],
    next_steps: list[str],
) -> PeerFeedback:
    """The learner's feedback on a colleague's evidence in the cycle step ``key``."""
    item = state.step(key)
    if item.step.type != StepType.COLLEGIAL_CYCLE:
        raise JourneyError("wrong_step_type", _l("This step is not a collegial learning cycle."))
    config = cycle_config(item.step)
    enrollment = state.enrollment
    contribution = session.scalars(
        select(Contribution).where(
            Contribution.key == contribution_key,
            Contribution.organization_id == enrollment.organization_id,
            Contribution.kind == ContributionKind.EVIDENCE,
            Contribution.journey_id == enrollment.journey_id,
            Contribution.step_key == item.step.key,
        )
    ).first()
    if contribution is None:
        raise JourneyNotFoundError("evidence_not_found", _l("That evidence does not exist."))
    group = require_group(session, enrollment)
    if contribution.group_id != group.id:
        raise JourneyForbiddenError(
            "feedback_other_group", _l("You can give feedback only to colleagues in your group.")
        )
    if contribution.person_id == enrollment.person_id:
        raise JourneyConflictError(
            "feedback_own", _l("Give your feedback on a colleague's evidence, not on your own.")
        )
    if config.feedback_strengths + config.feedback_next_steps < 1:
        raise JourneyConflictError(
            "feedback_off", _l("This cycle does not ask for feedback on colleagues' evidence.")
        )
    kept_strengths = _points(strengths, config.feedback_strengths, str(_l("strength")))
    kept_steps = _points(next_steps, config.feedback_next_steps, str(_l("next step")))
    phase = find_phase(config, contribution.phase_key)
    state = lock_state(session, state)
    item = state.step(key)
    given = session.scalar(
        select(PeerFeedback.id).where(
            PeerFeedback.contribution_id == contribution.id,
            PeerFeedback.giver_id == enrollment.person_id,
        )
    )
    if given is not None:
        raise JourneyConflictError(
            "feedback_given", _l("You have already given feedback on this evidence.")
        )
    feedback = PeerFeedback(
        contribution_id=contribution.id,
        giver_id=enrollment.person_id,
        strengths=kept_strengths,
        next_steps=kept_steps,
    )
    try:
        with session.begin_nested():
            session.add(feedback)
    except IntegrityError as exc:
        raise JourneyConflictError(
            "feedback_given", _l("You have already given feedback on this evidence.")
        ) from exc
    giver = session.get_one(Person, enrollment.person_id)
    events = CycleEvents(session, group, state.journey, item.step, config, state.version.language)
    events.feedback_given(
        giver, state.enrollment, phase, contribution, (len(kept_strengths), len(kept_steps))
    )
    events.flush()
    advance(session, state, item, group)
    session.commit()
    return feedback


def feedback_on(session: Session, contribution_ids: list[int]) -> dict[int, list[Given]]:
    """The feedback given on each piece of evidence, oldest first."""
    found: dict[int, list[Given]] = {cid: [] for cid in contribution_ids}
    if not contribution_ids:
        return found
    rows = session.execute(
        select(PeerFeedback, Person)
        .join(Person, Person.id == PeerFeedback.giver_id)
        .where(PeerFeedback.contribution_id.in_(contribution_ids))
        .order_by(PeerFeedback.created_at, PeerFeedback.id)
    )
    for feedback, giver in rows:
        found[feedback.contribution_id].append(Given(feedback, giver))
    return found
