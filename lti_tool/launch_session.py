"""Reading the session token on every page, and the role and context checks built on it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, g, request, url_for

from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import COOKIE, PARAM, LaunchIdentity

P = ParamSpec("P")
R = TypeVar("R")


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    token = request.form.get(PARAM) if request.method == "POST" else None
    return token or request.args.get(PARAM) or request.cookies.get(COOKIE)


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


def _without_token(location: str) -> str:
    parts = urlsplit(location)
    if parts.netloc and parts.netloc != request.host:
        return location
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PARAM]
    return urlunsplit(parts._replace(query=urlencode(query)))


def leave_token_out_of_redirect(response: Response) -> Response:
    """Drop the session token from a redirect to the tool when the browser's cookie carries it.

    The cookie must be this very token: with two launches in two tabs the cookie is the later
    one's, and a redirect of the earlier tab keeps its own token. Without the cookie (blocked
    in the LMS iframe) the token stays, as the next page needs it.
    """
    token = g.get("session_token")
    location = response.headers.get("Location")
    if location and token and request.cookies.get(COOKIE) == token:
        response.headers["Location"] = _without_token(location)
    return response


def init_app(app: Flask) -> None:
    """Keep session tokens out of redirect URLs where the cookie already carries them."""
    app.after_request(leave_token_out_of_redirect)
