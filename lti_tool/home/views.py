"""Landing page: who launched, from which course, with which role, and what comes next."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from lti_tool.db import get_read_session
from lti_tool.home.services import list_members, load_landing
from lti_tool.i18n import LANGUAGES
from lti_tool.journeys.assignments import choosable, journeys_for
from lti_tool.journeys.player import linked_journey
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.lti.roles import ToolRole, is_staff
from lti_tool.lti.runtime import get_runtime

bp = Blueprint("home", __name__)

STAFF = (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.ADMIN)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html")


@bp.get("/home")
@require_launch()
def landing() -> ResponseReturnValue:
    identity = launch_identity()
    lang = request.args.get("lang")
    if lang in LANGUAGES and lang != identity.locale:
        # The chosen language travels in the token, so it survives every later link.
        g.session_token = get_runtime().tokens.with_locale(identity, lang)
    staff = is_staff(identity.roles)
    linked = linked_journey(get_read_session(), identity) if identity.journey_slug else None
    if linked is not None and not staff:
        # A learner's link to a journey opens the journey itself.
        return redirect(url_with_token("player.overview", slug=linked.journey.slug), 303)
    view = load_landing(get_read_session(), identity)
    # Assignments can only name published journeys: without any, there is nothing to list.
    offered = choosable(get_read_session(), identity) if linked is None else []
    g.no_store = True
    return render_template(
        "home/landing.html",
        identity=identity,
        view=view,
        staff=staff,
        linked=linked,
        mine=journeys_for(get_read_session(), identity) if offered else [],
        choosable=offered,
        members=list_members(get_read_session(), identity) if staff else [],
    )


@bp.get("/api/me")
@require_launch()
def me() -> ResponseReturnValue:
    identity = launch_identity()
    view = load_landing(get_read_session(), identity)
    body: dict[str, Any] = {
        "person": {"id": view.person.id, "name": view.person.display_name or None},
        "organization_id": identity.organization_id,
        "context": (
            {"id": view.context.id, "title": view.context.title, "label": view.context.label}
            if view.context
            else None
        ),
        "roles": list(identity.roles),
        "journey": identity.journey_slug,
    }
    return jsonify(body)


@bp.get("/api/contexts/<int:context_id>/people")
@require_launch(*STAFF)
def list_people(context_id: int) -> ResponseReturnValue:
    identity = launch_identity()
    members = list_members(get_read_session(), identity)
    return jsonify(
        {
            "context_id": context_id,
            "people": [
                {
                    "id": m.person.id,
                    "name": m.person.display_name or None,
                    "roles": m.tool_roles,
                    "last_launch_at": m.last_launch_at.isoformat(),
                }
                for m in members
            ],
        }
    )
