"""The learner player: journey overview, self-assessment and steps, all without cookies."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from lti_tool.collegial import cycle_page, live_step
from lti_tool.db import get_session
from lti_tool.frameworks.services import competence_by_iri
from lti_tool.journeys import assignments, player, submissions, visits
from lti_tool.journeys.content import KnowledgeCheckConfig, parse_step_config
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.evidence import Upload, list_evidence, submit_evidence
from lti_tool.journeys.grading import grade
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.markdown import render_markdown, render_plain
from lti_tool.journeys.models import (
    Evidence,
    RatingPhase,
    Reflection,
    ReflectionComment,
    StepType,
)
from lti_tool.journeys.self_assessment import submit_self_assessment
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.lti.roles import is_staff
from lti_tool.tenancy.models import Person

bp = Blueprint("player", __name__, url_prefix="/journeys")
attach_labels(bp)


def _state(slug: str) -> player.JourneyState:
    identity = launch_identity()
    session = get_session()
    journey = player.open_journey(session, identity, slug)
    enrollment = player.enroll(session, identity, journey)
    g.no_store = True
    return player.load_state(session, enrollment)


def _page(
    template: str, state: player.JourneyState, status: int = 200, **values: object
) -> Response:
    # Every page of the journey counts towards the visit its leave beacon ends.
    visit = visits.visit_page(get_session(), state.enrollment)
    html = render_template(
        template,
        state=state,
        journey=state.journey,
        version=state.version,
        markdown=render_markdown,
        plain=render_plain,
        descriptors=player.descriptors,
        staff=is_staff(launch_identity().roles),
        visit=visit,
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.post("/<slug>/choose")
@require_launch()
def choose_journey(slug: str) -> ResponseReturnValue:
    """Choose a journey for one's own development, then open it."""
    identity = launch_identity()
    session = get_session()
    journey = player.open_journey(session, identity, slug)
    assignments.choose(session, identity, journey)
    return redirect(url_with_token("player.overview", slug=slug), 303)


@bp.get("/<slug>")
@require_launch()
def overview(slug: str) -> ResponseReturnValue:
    state = _state(slug)
    # The self-assessment comes first, until the learner starts without it ("Later").
    started = any(item.progress is not None for item in state.steps)
    if state.needs_self_assessment and not started and request.args.get("skip") != "1":
        return redirect(url_with_token("player.self_assessment", slug=slug), 303)
    competences = {
        goal.competency_iri: competence
        for goal in state.version.goals
        if goal.competency_iri
        and (
            competence := competence_by_iri(
                get_session(), state.journey.organization_id, goal.competency_iri
            )
        )
        is not None
    }
    return _page("journeys/overview.html", state, competences=competences)


@bp.route("/<slug>/self-assessment", methods=["GET", "POST"])
@require_launch()
def self_assessment(slug: str) -> ResponseReturnValue:
    state = _state(slug)
    phase = RatingPhase.END if request.values.get("phase") == "end" else RatingPhase.START
    if request.method == "GET":
        # A self-assessment is given once: a given one is shown as it was, without a form to send.
        given = {
            goal.key: str(level)
            for goal in state.version.goals
            if (level := state.rating(goal, phase)) is not None
        }
        return _page(
            "journeys/self_assessment.html",
            state,
            phase=phase,
            errors=None,
            chosen=given,
            given=bool(given),
        )
    chosen = {goal.key: request.form.get(f"goal-{goal.key}", "") for goal in state.version.goals}
    try:
        submit_self_assessment(get_session(), state, phase, chosen)
    except JourneyError as exc:
        get_session().rollback()
        return _page(
            "journeys/self_assessment.html",
            state,
            status=exc.status,
            phase=phase,
            errors=str(exc.detail),
            chosen=chosen,
        )
    return redirect(url_with_token("player.overview", slug=slug, saved=phase.value), 303)


def _step_page(
    state: player.JourneyState, key: str, status: int = 200, **values: object
) -> Response:
    session = get_session()
    if state.step(key).step.type == StepType.COLLEGIAL_CYCLE:
        # What the group did meanwhile (a meeting, the shared follow-up) may complete the step.
        state = cycle_page.settled(session, state, key)
    item = state.step(key)
    config = parse_step_config(item.step.type.value, item.step.config)
    extra: dict[str, object] = {}
    if item.step.type == StepType.REFLECTION:
        reflection = _reflection(state, item.step.id)
        extra["reflection"] = reflection
        extra["comments"] = _comments(reflection) if reflection else []
    elif item.step.type == StepType.KNOWLEDGE_CHECK:
        extra["attempts_used"] = submissions.attempts_used(session, state, item.step)
        attempt = submissions.latest_attempt(session, state, item.step)
        if attempt is not None and isinstance(config, KnowledgeCheckConfig):
            extra["last_attempt"] = attempt
            last_grade = grade(config, attempt.answers)
            extra["last_grade"] = last_grade
            extra["last_results"] = list(zip(config.questions, last_grade.questions, strict=True))
    elif item.step.type == StepType.PRACTICE:
        extra["evidence"] = list_evidence(session, state.enrollment.id, item.step.id)
    elif item.step.type == StepType.LIVE_SESSION:
        extra.update(live_step.step_values(session, launch_identity(), state, item))
    elif item.step.type == StepType.COLLEGIAL_CYCLE:
        extra["cycle"] = cycle_page.page(session, state, item)
    before, after = state.neighbours(key)
    return _page(
        "journeys/step.html",
        state,
        status=status,
        item=item,
        config=config,
        before=before,
        after=after,
        **extra,
        **values,
    )


def _reflection(state: player.JourneyState, step_id: int) -> Reflection | None:
    return (
        get_session()
        .scalars(
            select(Reflection).where(
                Reflection.enrollment_id == state.enrollment.id, Reflection.step_id == step_id
            )
        )
        .first()
    )


def _comments(reflection: Reflection) -> list[tuple[ReflectionComment, Person]]:
    rows = get_session().execute(
        select(ReflectionComment, Person)
        .join(Person, Person.id == ReflectionComment.author_id)
        .where(ReflectionComment.reflection_id == reflection.id)
        .order_by(ReflectionComment.created_at, ReflectionComment.id)
    )
    return [(row[0], row[1]) for row in rows]


@bp.get("/<slug>/steps/<key>")
@require_launch()
def show_step(slug: str, key: str) -> ResponseReturnValue:
    state = submissions.open_step(get_session(), _state(slug), key)
    return _step_page(state, key, saved=request.args.get("saved"))


def _guarded(slug: str, key: str, action: str) -> ResponseReturnValue:
    """Run one step action; a refused one re-renders the step with the reason (4xx)."""
    state = _state(slug)
    session = get_session()
    try:
        if action == "reflection":
            submissions.submit_reflection(session, state, key, request.form.get("text", ""))
        elif action == "quiz":
            answers = {
                name[2:]: request.form.getlist(name)
                for name in request.form
                if name.startswith("q-")
            }
            _grade, attempt = submissions.submit_quiz(
                session, state, key, answers, _attempt_number(request.form.get("attempt"))
            )
            return redirect(
                url_with_token("player.show_step", slug=slug, key=key, attempt=attempt.number)
                + "#result",
                303,
            )
        elif action == "evidence":
            upload = request.files.get("file")
            submit_evidence(
                session,
                state,
                key,
                request.form.get("kind", ""),
                text=request.form.get("text", ""),
                url=request.form.get("url", ""),
                upload=Upload(upload.filename or "", upload.read()) if upload else None,
            )
        elif action == "comment":
            reflection = _reflection(state, state.step(key).step.id)
            if reflection is None:
                raise JourneyNotFoundError(
                    "reflection_missing", _("Write your reflection before you comment on it.")
                )
            submissions.reply_to_reflection(
                session, state, reflection, request.form.get("text", "")
            )
    except JourneyError as exc:
        session.rollback()
        fresh = player.load_state(session, state.enrollment)
        return _step_page(fresh, key, status=exc.status, error=str(exc.detail), form=request.form)
    return redirect(url_with_token("player.show_step", slug=slug, key=key, saved=action), 303)


def _attempt_number(raw: str | None) -> int | None:
    """The attempt a knowledge-check form was shown for (absent from older pages)."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise JourneyError(
            "attempt_invalid",
            _("The form is damaged. Open the knowledge check again and answer it."),
        )
    return int(raw)


@bp.post("/<slug>/steps/<key>/reflection")
@require_launch()
def save_reflection(slug: str, key: str) -> ResponseReturnValue:
    return _guarded(slug, key, "reflection")


@bp.post("/<slug>/steps/<key>/quiz")
@require_launch()
def answer_quiz(slug: str, key: str) -> ResponseReturnValue:
    return _guarded(slug, key, "quiz")


@bp.post("/<slug>/steps/<key>/evidence")
@require_launch()
def add_evidence(slug: str, key: str) -> ResponseReturnValue:
    return _guarded(slug, key, "evidence")


@bp.post("/<slug>/steps/<key>/comments")
@require_launch()
def add_comment(slug: str, key: str) -> ResponseReturnValue:
    return _guarded(slug, key, "comment")


@bp.post("/<slug>/leave")
@require_launch()
def leave_journey(slug: str) -> ResponseReturnValue:
    """The pages' beacon: the learner left the journey's pages; the visit's time is recorded."""
    identity = launch_identity()
    session = get_session()
    journey = player.open_journey(session, identity, slug)
    visits.leave(session, identity, journey, request.form.get("visit", ""))
    g.no_store = True
    return Response(status=204)


@bp.get("/<slug>/evidence/<int:evidence_id>")
@require_launch()
def download_evidence(slug: str, evidence_id: int) -> ResponseReturnValue:
    """The learner's own file; instructors reach it through the follow-up pages."""
    state = _state(slug)
    evidence = get_session().get(Evidence, evidence_id)
    if evidence is None or evidence.enrollment_id != state.enrollment.id or evidence.data is None:
        raise JourneyNotFoundError("evidence_not_found", _("That file does not exist."))
    return evidence_response(evidence)


def evidence_response(evidence: Evidence) -> Response:
    response = Response(evidence.data, mimetype=evidence.content_type or "application/octet-stream")
    # Always a download: an uploaded file is never rendered as a page of this site.
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{_quote(evidence.filename or 'evidence')}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")
