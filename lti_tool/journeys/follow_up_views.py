"""The instructor's follow-up pages in a course: progress table and one learner's work."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.journeys import follow_up, player
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.evidence import list_evidence
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.markdown import render_markdown, render_plain
from lti_tool.journeys.models import Evidence, QuizAttempt, Reflection, ReflectionComment
from lti_tool.journeys.player_views import evidence_response
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.lti.roles import ToolRole
from lti_tool.tenancy import roster
from lti_tool.tenancy.models import Context, Person
from lti_tool.validation import strict_int

bp = Blueprint("follow_up", __name__, url_prefix="/courses/<int:context_id>/journeys/<slug>")
attach_labels(bp)
log = logging.getLogger(__name__)

STAFF = (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.ADMIN)
MAX_PAGE = 100_000


@bp.get("")
@require_launch(*STAFF)
def course_progress(context_id: int, slug: str) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    journey = player.find_published_journey(session, identity, slug)
    roster_state = _roster_state(session, context_id)
    page = strict_int(request.args.get("page"), 1, MAX_PAGE) or 1
    progress = follow_up.course_progress(session, identity, journey, page)
    g.no_store = True
    return render_template(
        "journeys/follow_up/progress.html",
        progress=progress,
        context_id=context_id,
        slug=slug,
        roster=roster_state,
        roster_reason=_roster_reason(roster_state.error_code) if roster_state else None,
    )


def _roster_state(session: Session, context_id: int) -> roster.RosterStatus | None:
    """The course's roster status; the first visit of a course with a roster queues a fetch.

    The page never waits for the platform: a worker fetches the roster (see ``roster_worker``).
    """
    context = session.get(Context, context_id)
    if context is None or not context.nrps_url:
        return None
    status = roster.roster_status(session, context)
    if context.roster_fetched_at is None and not status.queued and status.error_code is None:
        roster.request_refresh(session, context)
        session.commit()
        status = roster.roster_status(session, context)
    return status


def _roster_reason(code: str | None) -> str | None:
    """Why the latest roster fetch failed, in the reader's language."""
    if code is None:
        return None
    reasons = {
        "unreachable": _("the learning platform did not answer in time or could not be reached"),
        "token_refused": _(
            "the learning platform refused the tool's access; check the tool's registration "
            "and its roster service on the platform"
        ),
        "refused": _("the learning platform refused to give the roster"),
        "too_large": _("the roster is larger than the tool accepts"),
        "no_service": _("the learning platform offers no roster for this course"),
    }
    return str(reasons.get(code, reasons["refused"]))


@bp.post("/roster")
@require_launch(*STAFF)
def refresh_roster(context_id: int, slug: str) -> ResponseReturnValue:
    """Queue a fetch of the course's members from the platform (NRPS)."""
    session = get_session()
    context = session.get(Context, context_id)
    if context is None or context.organization_id != launch_identity().organization_id:
        raise JourneyNotFoundError("course_not_found", _("That course does not exist."))
    roster.request_refresh(session, context)
    session.commit()
    url = url_with_token(
        "follow_up.course_progress", context_id=context_id, slug=slug, roster="queued"
    )
    return redirect(url, 303)


def _learner_page(
    context_id: int, slug: str, enrollment_id: int, status: int = 200, **values: object
) -> Response:
    identity = launch_identity()
    session = get_session()
    journey = player.find_published_journey(session, identity, slug)
    state = follow_up.learner_state(session, identity, journey, enrollment_id)
    learner = session.get(Person, state.enrollment.person_id)
    reflections = {
        r.step_id: r
        for r in session.scalars(
            select(Reflection).where(Reflection.enrollment_id == state.enrollment.id)
        )
    }
    authors = {
        p.id: p
        for p in session.scalars(
            select(Person).where(
                Person.id.in_(
                    select(ReflectionComment.author_id).where(
                        ReflectionComment.reflection_id.in_([r.id for r in reflections.values()])
                    )
                )
            )
        )
    }
    attempts = {
        a.step_id: a
        for a in session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == state.enrollment.id)
            .order_by(QuizAttempt.number)
        )
    }
    evidence = {
        item.step.id: list_evidence(session, state.enrollment.id, item.step.id)
        for item in state.steps
        if item.step.type.value == "practice"
    }
    g.no_store = True
    html = render_template(
        "journeys/follow_up/learner.html",
        state=state,
        version=state.version,
        learner=learner,
        reflections=reflections,
        authors=authors,
        attempts=attempts,
        evidence=evidence,
        instructor_ratings=follow_up.instructor_ratings(session, state.enrollment.id),
        descriptors=player.descriptors,
        markdown=render_markdown,
        plain=render_plain,
        context_id=context_id,
        slug=slug,
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/learners/<int:enrollment_id>")
@require_launch(*STAFF)
def learner(context_id: int, slug: str, enrollment_id: int) -> ResponseReturnValue:
    return _learner_page(context_id, slug, enrollment_id, saved=request.args.get("saved"))


def _learner_state(slug: str, enrollment_id: int) -> player.JourneyState:
    identity = launch_identity()
    session = get_session()
    journey = player.find_published_journey(session, identity, slug)
    return follow_up.learner_state(session, identity, journey, enrollment_id)


def _back_to_learner(
    context_id: int, slug: str, enrollment_id: int, saved: str, anchor: str
) -> ResponseReturnValue:
    url = url_with_token(
        "follow_up.learner",
        context_id=context_id,
        slug=slug,
        enrollment_id=enrollment_id,
        saved=saved,
    )
    return redirect(f"{url}#{anchor}", 303)


@bp.post("/learners/<int:enrollment_id>/ratings")
@require_launch(*STAFF)
def rate(context_id: int, slug: str, enrollment_id: int) -> ResponseReturnValue:
    session = get_session()
    state = _learner_state(slug, enrollment_id)
    rater = session.get(Person, launch_identity().person_id)
    levels = {g.key: request.form.get(f"goal-{g.key}", "") for g in state.version.goals}
    comments = {g.key: request.form.get(f"comment-{g.key}", "") for g in state.version.goals}
    try:
        if rater is None:  # pragma: no cover - the token names an existing person
            raise JourneyNotFoundError("person_not_found", "")
        follow_up.rate_goals(session, state, rater, levels, comments)
    except JourneyError as exc:
        session.rollback()
        return _learner_page(
            context_id, slug, enrollment_id, status=exc.status, error=str(exc.detail)
        )
    return _back_to_learner(context_id, slug, enrollment_id, "ratings", "ratings")


@bp.post("/learners/<int:enrollment_id>/reflections/<int:reflection_id>/comments")
@require_launch(*STAFF)
def comment(
    context_id: int, slug: str, enrollment_id: int, reflection_id: int
) -> ResponseReturnValue:
    session = get_session()
    state = _learner_state(slug, enrollment_id)
    reflection = session.get(Reflection, reflection_id)
    if reflection is None or reflection.enrollment_id != state.enrollment.id:
        raise JourneyNotFoundError("reflection_not_found", _("That reflection does not exist."))
    author = session.get(Person, launch_identity().person_id)
    try:
        if author is None:  # pragma: no cover - the token names an existing person
            raise JourneyNotFoundError("person_not_found", "")
        follow_up.answer_reflection(
            session, state, reflection, author, request.form.get("text", "")
        )
    except JourneyError as exc:
        session.rollback()
        return _learner_page(
            context_id, slug, enrollment_id, status=exc.status, error=str(exc.detail)
        )
    return _back_to_learner(
        context_id, slug, enrollment_id, "comment", f"reflection-{reflection_id}"
    )


@bp.get("/learners/<int:enrollment_id>/evidence/<int:evidence_id>")
@require_launch(*STAFF)
def evidence_file(
    context_id: int, slug: str, enrollment_id: int, evidence_id: int
) -> ResponseReturnValue:
    state = _learner_state(slug, enrollment_id)
    evidence = get_session().get(Evidence, evidence_id)
    if evidence is None or evidence.enrollment_id != state.enrollment.id or evidence.data is None:
        raise JourneyNotFoundError("evidence_not_found", _("That file does not exist."))
    return evidence_response(evidence)
