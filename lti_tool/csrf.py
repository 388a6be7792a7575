"""Cross-site request forgery: every state-changing request must come from the tool's own page.

Every POST, PUT, PATCH and DELETE is checked before its view runs, unless its endpoint is in
``EXEMPT_ENDPOINTS`` or its blueprint in ``EXEMPT_BLUEPRINTS`` (cross-site by design and
protected otherwise). The checks, in order:

1. Fetch Metadata: ``Sec-Fetch-Site: cross-site`` or ``same-site`` is refused (a sibling host is
   another origin, and the tool's own forms are always ``same-origin``);
2. an ``Origin`` that is neither ``null`` nor the tool's own is refused (our
   ``Referrer-Policy: no-referrer`` makes browsers send ``Origin: null`` for the tool's own forms,
   so a missing or ``null`` origin falls back to the next check);
3. a request carrying a session (token in the form, the query or the cookie) must carry the
   launch's form token (hidden field ``csrf_token``, or header ``X-CSRF-Token``). It works without
   cookies and without JavaScript. A request authenticated by ``Authorization: Bearer`` needs no
   form token: no other site can make a browser send that header.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _

from lti_tool.launch_session import current_identity
from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.runtime import get_runtime

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"

# Endpoint -> why it may be posted from another site.
EXEMPT_ENDPOINTS: dict[str, str] = {
    "lti.login": "OIDC login initiation, posted by the platform; state and nonce checked at launch",
    "lti.login_for_registration": "the same login initiation, bound to one registration",
    "lti.launch": "posted by the platform: signed id_token, single-use state and nonce",
    "lti.confirm_launch": "has its own same-origin check and a single-use launch ticket",
    "demo.deep_link_return": "the demo platform's deep-linking return: a JWT signed by the tool",
}
# Blueprint -> why none of its endpoints relies on the browser's ambient credentials.
EXEMPT_BLUEPRINTS: dict[str, str] = {
    "xapi_lrs": "the xAPI API: HTTP Basic or Bearer credentials, never cookies",
}


class CsrfError(Exception):
    """A state-changing request that may have been forged by another site."""

    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_exempt(endpoint: str | None, blueprint: str | None) -> bool:
    """Whether an endpoint is allowed to be posted from another site."""
    return endpoint in EXEMPT_ENDPOINTS or blueprint in EXEMPT_BLUEPRINTS


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _own_origins() -> set[str]:
    # The configured public address, and the address this request reached (the same behind a
    # correctly configured proxy; a browser cannot forge the Host it sends to).
    return {_origin(get_runtime().settings.base_url), _origin(request.host_url)}


def check_request() -> None:
    """Refuse a state-changing request that did not come from one of the tool's own pages."""
    if request.method not in UNSAFE_METHODS or request.endpoint is None:
        return
    if is_exempt(request.endpoint, request.blueprint):
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site in ("cross-site", "same-site"):
        raise CsrfError(f"sec_fetch_site_{site.replace('-', '_')}")
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin not in _own_origins():
        raise CsrfError("foreign_origin")
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    identity = current_identity()
    if identity is None:
        # No session, so nothing of anyone's to act on: the view refuses or serves it as anyone.
        return
    supplied = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not supplied:
        raise CsrfError("form_token_missing")
    if not get_runtime().tokens.form_token_matches(identity, supplied):
        raise CsrfError("form_token_invalid")


def form_token() -> str:
    """This page's form token (empty on pages without a session)."""
    try:
        identity = current_identity()
    except SessionTokenError:
        return ""
    return get_runtime().tokens.form_token(identity) if identity else ""


def _refused(exc: CsrfError) -> Response:
    log.warning(
        "state-changing request refused (%s): %s %s", exc.reason, request.method, request.path
    )
    message = _(
        "This form came from another site, or the page it was on has expired. Nothing was saved."
    )
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify({"error": "csrf_refused", "reason": exc.reason, "message": message})
        response.status_code = exc.status
        return response
    html = render_template("csrf_refused.html", title=message, reason=exc.reason)
    return Response(html, status=exc.status, mimetype="text/html")


def init_app(app: Flask) -> None:
    """Check every state-changing request, and give templates the form token."""
    app.before_request(check_request)
    app.register_error_handler(CsrfError, _refused)
    app.jinja_env.globals["csrf_token"] = form_token
