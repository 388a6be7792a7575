"""A learner's journey in the platform's gradebook: the score and progress sent by AGS.

The score (0-100) is the share of the journey's steps the learner has done, where a knowledge
check counts with its best result (a check answered 60 % right counts 0.6) and a step waived by
the opening self-assessment counts as done; it is ``JourneyState.score``, the same measure as the
``progress`` extension of the xAPI ``progressed`` statements. ``activityProgress`` follows the journey:

* ``Initialized``: enrolled, nothing done yet (sent without a score, ``NotReady``);
* ``Started``: self-assessed or working on a step, no required step done;
* ``InProgress``: some required steps done;
* ``Submitted``: every required step done, the closing self-assessment still open;
* ``Completed``: every required step done (and the closing self-assessment given, if any).

``gradingProgress`` is ``FullyGraded`` once every required step is done (the score is final) and
``Pending`` before (the score grows as the learner goes on). Moodle records a grade only when it
is ``FullyGraded``; Canvas shows the running score.

Scores are queued only for learners, on a resource link whose course has AGS with the score
scope; the worker in ``lti_tool.lti.passback`` sends them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.lti.ags import SCOPE_SCORE
from lti_tool.lti.passback import QueuedScore, queue_score
from lti_tool.lti.roles import ToolRole
from lti_tool.tenancy.models import Membership, ResourceLink

if TYPE_CHECKING:
    from lti_tool.journeys.events import Scene
    from lti_tool.journeys.player import JourneyState


def journey_score(state: JourneyState) -> float:
    """The learner's score on the journey, 0-100, two decimals: the same share of the journey
    done as the xAPI ``progress`` extension (``JourneyState.score``)."""
    return state.score


def activity_progress(state: JourneyState) -> str:
    if state.complete:
        closing_open = bool(state.version.goals) and any(
            state.rating(goal, "end") is None for goal in state.version.goals
        )
        return "Submitted" if closing_open else "Completed"
    if any(s.done for s in state.required):
        return "InProgress"
    if state.enrollment.self_assessed_at is not None or any(s.progress for s in state.steps):
        return "Started"
    return "Initialized"


def _graded(session: Session, scene: Scene) -> bool:
    """Whether the enrollment's link is bound to its journey and can take scores, and the
    person is a learner of the course."""
    context = scene.context
    enrollment = scene.enrollment
    if (
        context is None
        or enrollment.resource_link_id is None
        or SCOPE_SCORE not in (context.ags_scopes or [])
    ):
        return False
    # A link's line item takes the score of the journey the link is bound to, never another's
    # (a link without a journey, such as a course-navigation link, takes none).
    bound = session.scalars(
        select(ResourceLink.journey_slug).where(ResourceLink.id == enrollment.resource_link_id)
    ).first()
    if bound != scene.journey.slug:
        return False
    roles = session.scalars(
        select(Membership.tool_roles).where(
            Membership.person_id == enrollment.person_id, Membership.context_id == context.id
        )
    ).first()
    return roles is not None and ToolRole.LEARNER.value in roles


def _queue(
    session: Session, scene: Scene, score: float | None, progress: str, grading: str
) -> None:
    enrollment = scene.enrollment
    if scene.context is None or enrollment.resource_link_id is None:  # pragma: no cover
        return  # _graded checked both
    queue_score(
        session,
        QueuedScore(
            organization_id=enrollment.organization_id,
            registration_id=scene.context.registration_id,
            resource_link_id=enrollment.resource_link_id,
            person_id=enrollment.person_id,
            label=scene.version.title,
            resource_id=scene.journey.key,
            score_given=score,
            activity_progress=progress,
            grading_progress=grading,
            scored_at=utcnow(),
        ),
    )


def queue_initialized(session: Session, scene: Scene) -> bool:
    """Tell the platform the learner has begun (no score yet); False when not graded."""
    if not _graded(session, scene):
        return False
    _queue(session, scene, None, "Initialized", "NotReady")
    return True


def queue_journey_score(session: Session, scene: Scene, state: JourneyState) -> bool:
    """Queue the learner's current score for the platform; False when there is nowhere to send it."""
    if not _graded(session, scene):
        return False
    progress = activity_progress(state)
    score = None if progress == "Initialized" else journey_score(state)
    grading = "FullyGraded" if state.complete else "Pending"
    _queue(session, scene, score, progress, "NotReady" if score is None else grading)
    return True
