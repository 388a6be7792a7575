"""Notice pages: a person's notices, marking them read, the panel on the start pages, e-mail opt-out.

Every form posts, then redirects back (303) to the page it came from; links and forms carry the
session token. A person sees and marks only their own notices.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue

from lti_tool.db import get_session
from lti_tool.launch_session import (
    current_identity,
    launch_identity,
    require_launch,
    url_with_token,
)
from lti_tool.reminders import inbox
from lti_tool.reminders.models import Notice
from lti_tool.reminders.render import RenderedNotice, Target, render, when
from lti_tool.validation import check_slug

bp = Blueprint("notices", __name__, url_prefix="/notices")


def notice_link(target: Target) -> str | None:
    """The notice's link for the reader, with the session token."""
    if target.endpoint is not None:
        return url_with_token(target.endpoint, **dict(target.values))
    if target.path is not None:
        token = g.get("session_token")
        separator = "&" if "?" in target.path else "?"
        return target.path + (separator + urlencode({"lt": token}) if token else "")
    return None


def _back() -> Response:
    """Back to the page the form was on: the notices, the start page, or a journey."""
    back = request.form.get("back", "")
    if back == "home":
        location = url_with_token("home.landing")
    elif back.startswith("journey:"):
        try:
            slug = check_slug(back[len("journey:") :], "journey")
        except ValueError:
            abort(400)
        location = url_with_token("player.overview", slug=slug)
    else:
        location = url_with_token("notices.list_notices")
    return redirect(location, 303)  # type: ignore[return-value]


@bp.get("/")
@require_launch()
def list_notices() -> ResponseReturnValue:
    identity = launch_identity()
    g.no_store = True
    notices = inbox.notices_of(get_session(), identity.organization_id, identity.person_id)
    return render_template(
        "reminders/list.html",
        notices=notices,
        unread=sum(1 for n in notices if n.read_at is None),
    )


@bp.post("/<int:notice_id>/read")
@require_launch()
def mark_read(notice_id: int) -> ResponseReturnValue:
    identity = launch_identity()
    if not inbox.mark_read(get_session(), identity.organization_id, identity.person_id, notice_id):
        abort(404)
    return _back()


@bp.post("/read")
@require_launch()
def mark_all_read() -> ResponseReturnValue:
    identity = launch_identity()
    inbox.mark_all_read(get_session(), identity.organization_id, identity.person_id)
    return _back()


@bp.get("/preferences")
@require_launch()
def preferences() -> ResponseReturnValue:
    identity = launch_identity()
    g.no_store = True
    return render_template(
        "reminders/preferences.html",
        opted_out=inbox.email_opted_out(get_session(), identity.person_id),
        saved=request.args.get("saved") == "1",
    )


@bp.post("/preferences")
@require_launch()
def save_preferences() -> ResponseReturnValue:
    identity = launch_identity()
    choice = request.form.get("email")
    if choice not in ("on", "off"):
        abort(400)
    inbox.set_email_opt_out(get_session(), identity.person_id, choice == "off")
    return redirect(url_with_token("notices.preferences", saved="1"), 303)


def _panel_globals() -> dict[str, Any]:
    """``notices_panel()``, ``rendered_notice()`` and ``notice_when()`` for the templates."""

    def notices_panel() -> tuple[list[Notice], int] | None:
        identity = current_identity()
        if identity is None:
            return None
        return inbox.unread_of(get_session(), identity.organization_id, identity.person_id)

    def rendered_notice(notice: Notice) -> tuple[RenderedNotice, str | None]:
        rendered = render(notice)
        return rendered, notice_link(rendered.target)

    def notice_when(moment: datetime) -> str:
        return when(moment.isoformat())

    return {
        "notices_panel": notices_panel,
        "rendered_notice": rendered_notice,
        "notice_when": notice_when,
    }


def register_notices(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(_panel_globals)
