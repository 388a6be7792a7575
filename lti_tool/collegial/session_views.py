"""The learner's side of live sessions: sign up, cancel, check in, and the calendar feed."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lti_tool.collegial import attendance, calendar, signups
from lti_tool.collegial.live_step import local
from lti_tool.collegial.membership import role_in_group
from lti_tool.collegial.models import Occurrence
from lti_tool.collegial.occurrences import group_of, occurrence_by_key
from lti_tool.db import get_session
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.journeys.labels import attach as attach_labels
from lti_tool.journeys.models import Journey
from lti_tool.launch_session import (
    current_identity,
    launch_identity,
    require_launch,
    url_with_token,
)
from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.roles import is_staff
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Person

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
# The step page is rendered here too, when an action from it is refused.
attach_labels(bp)


def register_sessions(app: Flask) -> None:
    """The live sessions' pages (the learner's and the facilitators')."""
    from lti_tool.collegial import session_manage_views  # noqa: F401 - adds its routes to bp

    app.register_blueprint(bp)


def _occurrence(identity: LaunchIdentity, key: str) -> Occurrence:
    """The occurrence, when it is of the launch's course, or a meeting of the person's group."""
    session = get_session()
    occurrence = occurrence_by_key(session, identity.organization_id, key)
    if occurrence.group_id is not None:
        group = group_of(session, occurrence)
        if group is not None and (
            role_in_group(session, group, identity.person_id) is not None
            or (is_staff(identity.roles) and occurrence.context_id == identity.context_id)
        ):
            return occurrence
    elif occurrence.context_id == identity.context_id:
        return occurrence
    raise JourneyNotFoundError(
        "occurrence_not_found", _("That session does not exist, or it is not yours to see.")
    )


def _slug(occurrence: Occurrence) -> str:
    return get_session().get_one(Journey, occurrence.journey_id).slug


def _after(occurrence: Occurrence, saved: str) -> ResponseReturnValue:
    return redirect(
        url_with_token(
            "player.show_step", slug=_slug(occurrence), key=occurrence.step_key, saved=saved
        ),
        303,
    )


def _refused(occurrence: Occurrence, exc: JourneyError) -> ResponseReturnValue:
    """The step page again with the reason, when the action came from it."""
    from lti_tool.journeys.player_views import _state, _step_page

    session = get_session()
    session.rollback()
    if occurrence.group_id is not None:
        return _check_in_page(occurrence, status=exc.status, error=str(exc.detail))
    try:
        state = _state(_slug(occurrence))
        state.step(occurrence.step_key)
    except JourneyError:
        raise exc from None
    return _step_page(state, occurrence.step_key, status=exc.status, error=str(exc.detail))


@bp.post("/occurrences/<key>/sign-up")
@require_launch()
def sign_up(key: str) -> ResponseReturnValue:
    identity = launch_identity()
    occurrence = _occurrence(identity, key)
    try:
        signup = signups.sign_up(get_session(), occurrence, identity.person_id)
    except JourneyError as exc:
        return _refused(occurrence, exc)
    return _after(occurrence, "session-" + signup.status.value)


@bp.post("/occurrences/<key>/cancel-sign-up")
@require_launch()
def cancel_signup(key: str) -> ResponseReturnValue:
    identity = launch_identity()
    occurrence = _occurrence(identity, key)
    try:
        signups.cancel_signup(get_session(), occurrence, identity.person_id)
    except JourneyError as exc:
        return _refused(occurrence, exc)
    return _after(occurrence, "session-cancelled")


def _check_in_page(occurrence: Occurrence | None, status: int = 200, **values: object) -> Response:
    g.no_store = True
    html = render_template(
        "sessions/check_in.html",
        occurrence=occurrence,
        starts=local(occurrence.starts_at) if occurrence else None,
        ends=local(occurrence.ends_at) if occurrence else None,
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


def _identity_or_none() -> LaunchIdentity | None:
    try:
        return current_identity()
    except SessionTokenError:
        return None


@bp.route("/check-in/<key>", methods=["GET", "POST"])
def check_in(key: str) -> ResponseReturnValue:
    """The QR code's link (GET: a form with the code) and the check-in itself (POST)."""
    identity = _identity_or_none()
    if identity is None:
        # A phone that never opened the course has no session: say how to go on.
        return _check_in_page(None, status=401, no_session=True)
    occurrence = _occurrence(identity, key)
    code = request.values.get("code", "")[:32]
    if request.method == "GET":
        # Scanning the code again after checking in says so, instead of asking for the code.
        present = attendance.attendance_of(get_session(), occurrence, identity.person_id)
        return _check_in_page(occurrence, code=code, done=present is not None)
    try:
        attendance.check_in(get_session(), occurrence, identity.person_id, code)
    except JourneyError as exc:
        if request.form.get("from") == "step":
            return _refused(occurrence, exc)
        get_session().rollback()
        return _check_in_page(occurrence, status=exc.status, error=str(exc.detail), code=code)
    if request.form.get("from") == "step" and occurrence.group_id is None:
        return _after(occurrence, "session-checked-in")
    return _check_in_page(occurrence, done=True)


@bp.route("/calendar", methods=["GET", "POST"], endpoint="calendar")
@require_launch()
def calendar_page() -> ResponseReturnValue:
    """The learner's calendar link: make a new one (the old stops working) or stop it."""
    identity = launch_identity()
    session = get_session()
    url = None
    revoked = False
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            revoked = (
                calendar.revoke_feeds(session, identity.organization_id, identity.person_id) > 0
            )
        else:
            token = calendar.make_feed(session, identity.organization_id, identity.person_id)
            url = f"{get_recording().base_url.rstrip('/')}/sessions/calendar/{token}.ics"
    g.no_store = True
    active = calendar.active_feed(session, identity.organization_id, identity.person_id)
    return render_template("sessions/calendar.html", url=url, active=active, revoked=revoked)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> ResponseReturnValue:
    """The feed a calendar application reads: no session, the token is the key."""
    session = get_session()
    feed = calendar.feed_by_token(session, token)
    if feed is None:
        raise JourneyNotFoundError(
            "calendar_not_found", _("This calendar link does not exist or has been stopped.")
        )
    person = session.get_one(Person, feed.person_id)
    body = calendar.render_feed(
        session,
        feed,
        get_recording().base_url,
        _("Sessions of %(name)s", name=person.display_name or ""),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="sessions.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
