"""Authoring pages for instructors, content developers and admins: journeys, goals, sections, steps.

Every form posts, then redirects back (303) with what was done in the URL; refused input re-renders
the page with the reasons (400). No cookies: links and forms carry the session token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.journeys import authoring, editing
from lti_tool.journeys.content import PHASE_KINDS, JourneyDocument, parse_step_config
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.group_step_forms import apply_cycle_action, cycle_rows
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.markdown import render_markdown
from lti_tool.journeys.models import Journey, StepType
from lti_tool.journeys.player import StepState, default_descriptors
from lti_tool.journeys.step_forms import config_from_form, editor_rows
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.lti.roles import ToolRole
from lti_tool.validation import strict_int

bp = Blueprint("authoring", __name__, url_prefix="/author")
attach_labels(bp)

AUTHORS = (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.ADMIN)
# A section holds at most 500 steps; a position beyond is no position.
MAX_POSITION = 1000


def _journey(session: Session, journey_id: int) -> Journey:
    return authoring.get_journey(session, launch_identity().organization_id, journey_id)


def _page(template: str, status: int = 200, **values: Any) -> Response:
    g.no_store = True
    html = render_template(template, markdown=render_markdown, **values)
    return Response(html, status=status, mimetype="text/html")


def _back(endpoint: str, done: str, anchor: str = "", **values: Any) -> Response:
    url = url_with_token(endpoint, done=done, **values) + (f"#{anchor}" if anchor else "")
    return redirect(url, 303)  # type: ignore[return-value]


@bp.get("/")
@require_launch(*AUTHORS)
def list_journeys(status: int = 200, error: str | None = None) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    return _page(
        "journeys/author/list.html",
        status=status,
        journeys=authoring.list_journeys(session, identity.organization_id),
        library=authoring.list_library(session, identity.organization_id),
        error=error,
        form=request.form,
    )


@bp.post("/journeys")
@require_launch(*AUTHORS)
def create_journey() -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    try:
        document = JourneyDocument.model_validate(
            {
                "slug": request.form.get("slug", "").strip(),
                "title": request.form.get("title", ""),
                "language": request.form.get("language", "sv"),
            }
        )
    except ValueError as exc:
        return list_journeys(status=400, error=_validation_text(exc))
    try:
        journey = authoring.create_journey(session, identity.organization_id, document)
    except JourneyError as exc:
        session.rollback()
        return list_journeys(status=exc.status, error=str(exc.detail))
    return _back("authoring.edit_journey", "created", journey_id=journey.id)


@bp.post("/library/<int:journey_id>/copy")
@require_launch(*AUTHORS)
def copy_journey(journey_id: int) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    source = session.get(Journey, journey_id)
    if source is None:
        return list_journeys(status=404, error=str(_not_found()))
    slug = request.form.get("slug", "").strip() or source.slug
    try:
        copy = authoring.copy_journey(session, source, identity.organization_id, slug)
    except JourneyError as exc:
        session.rollback()
        return list_journeys(status=exc.status, error=str(exc.detail))
    return _back("authoring.edit_journey", "copied", journey_id=copy.id)


def _not_found() -> str:
    return str(_("That journey does not exist."))


def _editor(journey: Journey, status: int = 200, **values: Any) -> Response:
    session = get_session()
    # Viewing changes nothing: without a draft the editor shows the next one (rolled back at the
    # end of the request); the first saved change makes it for real.
    has_draft = authoring.current_draft(session, journey) is not None
    version = editing.draft(session, journey)
    steps = [step for section in version.sections for step in section.steps]
    return _page(
        "journeys/author/edit.html",
        status=status,
        journey=journey,
        version=version,
        step_count=len(steps),
        versions=journey.versions,
        has_draft=has_draft,
        problems=authoring.publish_problems(version),
        published=authoring.latest_published(session, journey),
        step_types=[t.value for t in StepType],
        done=request.args.get("done"),
        **values,
    )


@bp.get("/journeys/<int:journey_id>")
@require_launch(*AUTHORS)
def edit_journey(journey_id: int) -> ResponseReturnValue:
    return _editor(_journey(get_session(), journey_id))


def _guarded(journey_id: int, action: Any, done: str, anchor: str = "") -> ResponseReturnValue:
    """Run an edit; refused input re-renders the editor with the reason."""
    session = get_session()
    journey = _journey(session, journey_id)
    try:
        action(session, journey)
    except JourneyError as exc:
        session.rollback()
        return _editor(_journey(session, journey_id), status=exc.status, error=str(exc.detail))
    return _back("authoring.edit_journey", done, anchor, journey_id=journey_id)


@bp.post("/journeys/<int:journey_id>/settings")
@require_launch(*AUTHORS)
def save_settings(journey_id: int) -> ResponseReturnValue:
    values = request.form.to_dict()
    return _guarded(
        journey_id, lambda s, j: editing.update_settings(s, j, values), "settings", "settings"
    )


@bp.post("/journeys/<int:journey_id>/goals")
@require_launch(*AUTHORS)
def add_goal(journey_id: int) -> ResponseReturnValue:
    values = request.form.to_dict()
    return _guarded(journey_id, lambda s, j: editing.save_goal(s, j, values), "goal", "goals")


@bp.post("/journeys/<int:journey_id>/goals/<key>")
@require_launch(*AUTHORS)
def change_goal(journey_id: int, key: str) -> ResponseReturnValue:
    values = request.form.to_dict()
    if values.get("action") == "delete":
        return _guarded(journey_id, lambda s, j: editing.delete_goal(s, j, key), "goal", "goals")
    return _guarded(journey_id, lambda s, j: editing.save_goal(s, j, values, key), "goal", "goals")


@bp.post("/journeys/<int:journey_id>/sections")
@require_launch(*AUTHORS)
def add_section(journey_id: int) -> ResponseReturnValue:
    values = request.form.to_dict()
    return _guarded(
        journey_id, lambda s, j: editing.save_section(s, j, values), "section", "sections"
    )


@bp.post("/journeys/<int:journey_id>/sections/<key>")
@require_launch(*AUTHORS)
def change_section(journey_id: int, key: str) -> ResponseReturnValue:
    values = request.form.to_dict()
    action = values.get("action")
    anchor = f"section-{key}"
    if action == "delete":
        return _guarded(journey_id, lambda s, j: editing.delete_section(s, j, key), "section")
    if action in ("up", "down"):
        offset = -1 if action == "up" else 1
        return _guarded(
            journey_id, lambda s, j: editing.move_section(s, j, key, offset), "moved", anchor
        )
    if action == "add_step":
        return _guarded(
            journey_id,
            lambda s, j: editing.add_step(
                s, j, key, values.get("type", ""), values.get("title", "")
            ),
            "step",
            anchor,
        )
    return _guarded(
        journey_id, lambda s, j: editing.save_section(s, j, values, key), "section", anchor
    )


@bp.post("/journeys/<int:journey_id>/steps/<key>/move")
@require_launch(*AUTHORS)
def move_step(journey_id: int, key: str) -> ResponseReturnValue:
    action = request.form.get("action", "")
    position = request.form.get("position", "")
    section = request.form.get("section") or None
    offset = {"up": -1, "down": 1}.get(action, 0)
    return _guarded(
        journey_id,
        lambda s, j: editing.move_step(
            s, j, key, offset, section, strict_int(position, 0, MAX_POSITION)
        ),
        "moved",
        f"step-{key}",
    )


@bp.post("/journeys/<int:journey_id>/steps/<key>/delete")
@require_launch(*AUTHORS)
def delete_step(journey_id: int, key: str) -> ResponseReturnValue:
    return _guarded(journey_id, lambda s, j: editing.delete_step(s, j, key), "deleted", "sections")


@bp.post("/journeys/<int:journey_id>/publish")
@require_launch(*AUTHORS)
def publish(journey_id: int) -> ResponseReturnValue:
    return _guarded(journey_id, lambda s, j: authoring.publish(s, j), "published")


def _step_editor(journey: Journey, key: str, status: int = 200, **values: Any) -> Response:
    session = get_session()
    version, step = editing.find_step(session, journey, key)
    config = values.pop("config", None) or editing.step_config(step)
    return _page(
        "journeys/author/step.html",
        status=status,
        journey=journey,
        version=version,
        step=step,
        config=config,
        questions=editor_rows(config, values.pop("add_question", False))
        if step.type == StepType.KNOWLEDGE_CHECK
        else [],
        phases=cycle_rows(config) if step.type == StepType.COLLEGIAL_CYCLE else [],
        phase_kinds=PHASE_KINDS,
        field_problems=values.pop("field_problems", {}),
        title=values.pop("title", step.title),
        chosen_goals=values.pop("goals", step.goal_keys),
        done=request.args.get("done"),
        **values,
    )


@bp.get("/journeys/<int:journey_id>/steps/<key>")
@require_launch(*AUTHORS)
def edit_step(journey_id: int, key: str) -> ResponseReturnValue:
    return _step_editor(_journey(get_session(), journey_id), key)


@bp.post("/journeys/<int:journey_id>/steps/<key>")
@require_launch(*AUTHORS)
def save_step(journey_id: int, key: str) -> ResponseReturnValue:
    session = get_session()
    journey = _journey(session, journey_id)
    _version, step = editing.find_step(session, journey, key)
    config = config_from_form(step.type, request.form)
    title = request.form.get("title", "")
    goals = request.form.getlist("goals")
    action = request.form.get("action", "save")
    if action == "add_question":
        # Show one more empty question; nothing is saved yet.
        return _step_editor(
            journey, key, config=config, title=title, goals=goals, add_question=True
        )
    if step.type == StepType.COLLEGIAL_CYCLE and action != "save":
        # Add or move a phase, or show the fields of a changed kind; nothing is saved yet.
        config = apply_cycle_action(config, action, request.form.get("new_phase_kind", ""))
        return _step_editor(journey, key, config=config, title=title, goals=goals)
    try:
        editing.save_step(session, journey, key, title, goals, config)
    except editing.EditError as exc:
        session.rollback()
        return _step_editor(
            _journey(session, journey_id),
            key,
            status=400,
            config=config,
            title=title,
            goals=goals,
            problems=exc.problems,
            field_problems=exc.fields,
        )
    return redirect(
        url_with_token("authoring.edit_step", journey_id=journey_id, key=key, done="saved"), 303
    )


@bp.get("/journeys/<int:journey_id>/steps/<key>/preview")
@require_launch(*AUTHORS)
def preview_step(journey_id: int, key: str) -> ResponseReturnValue:
    """The step as a learner sees it, with its forms disabled."""
    session = get_session()
    journey = _journey(session, journey_id)
    version, step = editing.find_step(session, journey, key)
    try:
        config = parse_step_config(step.type.value, step.config)
    except ValueError:
        return _step_editor(journey, key, status=400, problems=authoring.publish_problems(version))
    item = StepState(step=step, section=step.section, progress=None)
    return _page(
        "journeys/step.html",
        journey=journey,
        version=version,
        item=item,
        config=config,
        preview=True,
        plain=render_markdown,
        attempts_used=0,
        descriptors=default_descriptors,
    )


def _validation_text(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return " ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in errors()
        )
    return str(exc)
