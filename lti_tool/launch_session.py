"""Reading the session token on every page, and the role and context checks built on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, g, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.db import get_session
from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.frame_origins import organization_origins
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import COOKIE, PARAM, LaunchIdentity

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    token = request.form.get(PARAM) if request.method == "POST" else None
    token = token or request.args.get(PARAM)
    if token:
        return token
    # The cookie alone never speaks for a request another site started (a link, an image, a
    # frame): with SameSite=None the browser would send it, and a GET opens and completes steps.
    # The tool's own pages carry the token themselves, and so does the launch's redirect.
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return None
    return request.cookies.get(COOKIE)


def current_identity() -> LaunchIdentity | None:
    """The verified identity of this request, or ``None`` when no token came with it."""
    if "identity" in g:
        cached: LaunchIdentity | None = g.identity
        return cached
    token = _token_from_request()
    identity = get_runtime().tokens.verify(token) if token else None
    g.identity = identity
    g.session_token = token
    return identity


def launch_identity() -> LaunchIdentity:
    """The identity of a view guarded by ``require_launch``."""
    identity = current_identity()
    if identity is None:
        raise SessionTokenError(
            "session_missing", "This page is opened from your course in the learning platform."
        )
    return identity


def require_launch(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse the view unless a valid session token with one of ``roles`` (if any) came along.

    A ``context_id`` URL argument must be the token's own context: a token for one course never
    opens another.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            identity = launch_identity()
            if roles and not identity.has_role(*roles):
                raise SessionTokenError(
                    "forbidden_role",
                    "Your role in this course does not give access to this page.",
                    403,
                )
            context_id = kwargs.get("context_id")
            if context_id is not None and context_id != identity.context_id:
                raise SessionTokenError(
                    "wrong_context", "Your session belongs to another course.", 403
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator


def url_with_token(endpoint: str, **values: Any) -> str:
    """``url_for`` that carries the session token, so links work without cookies."""
    token = g.get("session_token")
    if token and "lt" not in values:
        values["lt"] = token
    return url_for(endpoint, **values)


def url_in_language(code: str) -> str:
    """This page in another language: its path and (for a GET) its query, with ``lang`` set.

    The query stays, so a page that needs it (``/plans/new?person=…``) keeps what it shows.
    """
    values: dict[str, Any] = dict(request.view_args or {})
    if request.method == "GET":
        for key, items in request.args.to_dict(flat=False).items():
            if key not in (PARAM, "lang") and key not in values:
                values[key] = items
    values["lang"] = code
    return url_with_token(request.endpoint or "home.index", **values)


def _without_token(location: str, token: str) -> str:
    """``location`` without its ``lt`` parameter when that is ``token`` on the tool's host."""
    parts = urlsplit(location)
    if parts.netloc and parts.netloc != request.host:
        return location
    query = parse_qsl(parts.query, keep_blank_values=True)
    if (PARAM, token) not in query:
        return location
    kept = [(k, v) for k, v in query if k != PARAM]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def leave_token_out_of_redirect(response: Response) -> Response:
    """Drop the session token from a redirect to the tool when the browser's cookie carries it.

    Only the very token of the cookie this request came with is dropped: with two launches in
    two tabs the cookie is the later one's, and a redirect of the earlier tab keeps its own
    token; a launch's redirect keeps its new token. Without the cookie (blocked in the LMS
    iframe) the token stays, as the next page needs it.
    """
    cookie = request.cookies.get(COOKIE)
    location = response.headers.get("Location")
    # A redirect continues its request's chain, which another site may have started (the
    # launch): the next request is then cross-site too, and the cookie alone does not count.
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return response
    if location and cookie:
        response.headers["Location"] = _without_token(location, cookie)
    return response


def frame_ancestors(response: Response) -> str:
    """The CSP ``frame-ancestors`` sources of this response.

    A page of a session may be framed by the tool itself and its organisation's learning
    platforms. A page without a session (the start page, a failed launch's error page, the
    launch's own steps, Dynamic Registration) shows nobody's data and offers no action, so any
    site may frame it: it must show inside whichever LMS is launching or registering the tool.
    """
    if "identity" in g:
        identity: LaunchIdentity | None = g.identity
    elif response.mimetype == "text/html" and not response.location:
        try:
            identity = current_identity()
        except SessionTokenError:
            identity = None
    else:
        identity = None
    if identity is None:
        return "*"
    try:
        origins = organization_origins(get_session(), identity.organization_id)
    except SQLAlchemyError:
        # The request's own transaction failed; its error page is framed by the tool only.
        log.warning("frame origins of organisation %s not read", identity.organization_id)
        origins = []
    return " ".join(["'self'", *origins])


def init_app(app: Flask) -> None:
    """Keep session tokens out of redirect URLs where the cookie already carries them."""
    app.after_request(leave_token_out_of_redirect)
