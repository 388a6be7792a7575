"""The LRS as a Flask blueprint: alternate syntax, versions, auth, CORS and errors in one place."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Flask, Response, current_app, g, request
from sqlalchemy.orm import Session, sessionmaker

from xapi.lrs import resources  # noqa: F401  (registers the resource handlers)
from xapi.lrs.auth import Authenticator
from xapi.lrs.context import ROUTES, LrsConfig, LrsContext
from xapi.lrs.errors import BadRequestError, NotFoundError, XapiError
from xapi.lrs.request import build_request
from xapi.lrs.versions import HEADER, about_versions, is_v2, negotiate

log = logging.getLogger(__name__)

EXTENSION_KEY = "xapi_lrs"
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, PUT, POST, DELETE, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, "
        "X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Content-Type, Content-Length, X-Experience-API-Version, "
        "X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Max-Age": "86400",
}


def add_cors_headers(response: Response, allowed: tuple[str, ...]) -> None:
    """CORS headers for ``allowed`` origins ("*": any), never allowing credentials.

    xAPI clients in browsers send their credentials in the Authorization header, which a
    preflight allows; cookies are never needed, so no origin may make a visitor's browser send
    them (``Access-Control-Allow-Credentials`` is never set).
    """
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if origin is None or origin not in allowed:
            return
        response.headers["Access-Control-Allow-Origin"] = origin
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)


class LrsState:
    def __init__(self, factory: sessionmaker[Session], config: LrsConfig) -> None:
        self.factory = factory
        self.config = config
        self.authenticator = Authenticator()


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def _error(exc: XapiError) -> Response:
    return json_response({"error": True, "message": exc.message}, exc.status)


def create_blueprint() -> Blueprint:
    bp = Blueprint("xapi_lrs", __name__)

    @bp.route("/about", methods=["GET", "HEAD"])
    def about() -> Response:
        return json_response(
            {"version": about_versions(request.headers.get(HEADER)), "extensions": {}}
        )

    @bp.route("/<path:resource>", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
    def dispatch(resource: str) -> Response:
        resource = resource.rstrip("/")
        state: LrsState = current_app.extensions[EXTENSION_KEY]
        xreq = build_request(request, state.config.max_body_bytes)
        session = state.factory()
        try:
            # Credentials first: an unauthenticated client learns nothing about the LRS.
            principal = state.authenticator.authenticate(session, xreq.header("Authorization"))
            handlers = ROUTES.get(resource)
            if handlers is None:
                raise NotFoundError(f"This LRS has no resource {resource!r}.")
            method = "GET" if xreq.method == "HEAD" else xreq.method
            handler = handlers.get(method)
            if handler is None:
                raise XapiError(f"{xreq.method} is not allowed on {resource}.", 405)
            version = negotiate(xreq.header(HEADER))
            g.xapi_version = version
            if xreq.alternate and is_v2(version):
                raise BadRequestError(
                    "xAPI 2.0 has no alternate request syntax (method=... in the query string)."
                )
            return handler(LrsContext(xreq, version, principal, session, state.config))
        finally:
            session.close()

    @bp.after_request
    def _headers(response: Response) -> Response:
        state: LrsState = current_app.extensions[EXTENSION_KEY]
        response.headers[HEADER] = g.get("xapi_version", state.config.default_version)
        add_cors_headers(response, state.config.cors_origins)
        return response

    @bp.errorhandler(XapiError)
    def _xapi_error(exc: XapiError) -> Response:
        if exc.status >= 500:
            log.error("LRS error: %s", exc.message)
        return _error(exc)

    return bp


def init_lrs(
    app: Flask, factory: sessionmaker[Session], config: LrsConfig, prefix: str = "/xapi"
) -> None:
    """Serve the LRS under ``prefix`` on the app's database."""
    app.extensions[EXTENSION_KEY] = LrsState(factory, config)
    bp = create_blueprint()
    app.register_blueprint(bp, url_prefix=prefix)

    # CORS preflight is answered before routing, for every LRS path.
    @app.before_request
    def _preflight() -> Response | None:
        if request.method == "OPTIONS" and request.path.startswith(prefix + "/"):
            response = Response(status=204)
            add_cors_headers(response, config.cors_origins)
            return response
        return None
