"""One error policy: JSON for ``/api`` and ``/xapi``, translated HTML pages elsewhere, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from lti_tool.journeys.errors import JourneyError
from lti_tool.lti.errors import LaunchError, SessionTokenError

log = logging.getLogger(__name__)
# A refusal's detail is logged at most this long.
MAX_LOGGED_DETAIL = 1000


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/xapi/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _explanations() -> dict[str, str]:
    """Translated sentences per error code; the English detail is kept for logs and JSON."""
    return {
        "missing_id_token": _("The launch did not include an id_token."),
        "invalid_token": _("The launch token could not be read."),
        "bad_algorithm": _("The launch token uses a signing method this tool does not accept."),
        "missing_claim": _("The launch is missing information the LTI standard requires."),
        "invalid_message": _("The launch message does not follow the LTI standard."),
        "wrong_audience": _("The launch was meant for another tool."),
        "wrong_issuer": _("The launch came from an unexpected platform."),
        "unknown_registration": _("This learning platform is not registered with the tool."),
        "unknown_key": _("The platform signed the launch with a key the tool cannot find."),
        "keyset_unreachable": _("The tool could not fetch the platform's public keys."),
        "bad_signature": _("The launch's signature is not valid."),
        "expired": _("The launch has expired."),
        "not_yet_valid": _("The launch is dated in the future; a clock is wrong."),
        "missing_state": _("The launch is missing its state."),
        "unknown_state": _("The launch has expired or was already used."),
        "state_mismatch": _("The launch does not match the login that started it."),
        "replayed": _("This launch has already been used."),
        "deployment_pending": _(
            "This placement of the tool is waiting for approval by an administrator."
        ),
        "deployment_conflict": _("The tool could not record this placement. Launch it again."),
        "login_parameter_too_long": _(
            "The login request holds a value longer than the tool accepts."
        ),
        "missing_issuer": _("The login request did not say which platform it came from."),
        "missing_login_hint": _("The login request is missing its login hint."),
        "bad_target": _("The login request points to another site."),
        "unbound_launch": _("The launch could not be tied to this browser."),
        "cross_site_confirm": _("Only the tool's own page can finish a launch."),
        "launch_ticket_unknown": _("The launch has expired or was already used."),
        "storage_mismatch": _(
            "The learning platform does not confirm that this launch started in this browser."
        ),
        "registration_link_expired": _("This registration URL has expired."),
        "registration_link_invalid": _("This registration URL is not valid."),
        "registration_link_used": _("This registration URL has already been used."),
        "registration_request_invalid": _(
            "The learning platform's registration request is incomplete."
        ),
        "platform_configuration_invalid": _(
            "The learning platform's configuration does not follow the LTI standard."
        ),
        "platform_unreachable": _("The tool could not reach the learning platform."),
        "registration_refused": _("The learning platform did not accept the registration."),
        "session_missing": _("Open this page from your course in the learning platform."),
        "session_expired": _("Your session has expired. Open the tool again from your course."),
        "session_invalid": _("Your session is not valid. Open the tool again from your course."),
        "forbidden_role": _("Your role does not give access to this page."),
        "wrong_context": _("Your session belongs to another course."),
        "not_a_leader": _(
            "This page is for leaders: organisation leaders, principals and mentors. Ask your "
            "organisation's administrator if you should be one."
        ),
        "outside_reach": _("You do not lead the school unit or the person this page is about."),
        "http_400": _("The request could not be understood."),
        "http_403": _("You do not have access to this page."),
        "http_404": _("The page does not exist."),
        "http_405": _("This address does not accept that kind of request."),
        "http_413": _("What was sent is too large."),
        "internal_error": _("Something went wrong on our side."),
    }


def _error_response(status: int, code: str, detail: str, title: str | None = None) -> Response:
    if _wants_json():
        response = jsonify({"error": code, "message": detail})
        response.status_code = status
        return response
    explanations = _explanations()
    heading = explanations.get(code, title or detail)
    html = render_template("error.html", status=status, code=code, title=heading, detail=detail)
    return Response(html, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    @app.errorhandler(LaunchError)
    def _launch_error(exc: LaunchError) -> Response:
        # No address or claim of the person: the code and the tool's own sentence say enough.
        # The detail quotes request values cut short; its length is bounded here as well.
        detail = (
            exc.detail
            if len(exc.detail) <= MAX_LOGGED_DETAIL
            else exc.detail[:MAX_LOGGED_DETAIL] + "…"
        )
        log.warning("launch refused: %s (%s)", exc.code, detail)
        return _error_response(exc.status, exc.code, exc.detail)

    @app.errorhandler(SessionTokenError)
    def _session_error(exc: SessionTokenError) -> Response:
        log.info("session refused: %s on %s", exc.code, request.path)
        # The translated heading says it all to a person; the English detail is for JSON clients.
        return _error_response(exc.status, exc.code, exc.detail if _wants_json() else "")

    @app.errorhandler(JourneyError)
    def _journey_error(exc: JourneyError) -> Response:
        log.info("journey request refused: %s on %s", exc.code, request.path)
        # The detail is a translated sentence that says what is wrong and how to go on.
        detail = str(exc.detail)
        return _error_response(exc.status, exc.code, detail if _wants_json() else "", detail)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = f"http_{status}"
        # Werkzeug's descriptions are English prose; our own sentence replaces them on pages.
        detail = (
            "" if code in _explanations() and not _wants_json() else (exc.description or exc.name)
        )
        return _error_response(status, code, detail, exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The traceback is scrubbed of the values database errors quote (config.logging).
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(
            500, "internal_error", _("It has been logged; please try again in a moment.")
        )
