"""LTI endpoints: OIDC login, id_token launch, the tool's JWKS and dynamic registration."""

from __future__ import annotations

import requests
from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from lti_tool.db import get_session
from lti_tool.lti import dynamic_registration, keys
from lti_tool.lti.adapter import DEEP_LINKING_REQUEST
from lti_tool.lti.launches import handle_launch, handle_login, login_params
from lti_tool.lti.platform_config import canvas_developer_key
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import COOKIE, PARAM

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Third-party initiated login; always answers with a GET redirect to the platform."""
    url = handle_login(get_session(), get_runtime(), login_params(request))
    g.no_store = True
    return redirect(url, code=302)


@bp.route("/login/<int:registration_id>", methods=["GET", "POST"])
def login_for_registration(registration_id: int) -> ResponseReturnValue:
    """Login URL bound to one registration, for platforms that send no client_id."""
    url = handle_login(get_session(), get_runtime(), login_params(request), registration_id)
    g.no_store = True
    return redirect(url, code=302)


@bp.post("/launch")
def launch() -> ResponseReturnValue:
    """Validate the platform's id_token, then continue on a cookie-less page with a session token."""
    runtime = get_runtime()
    result = handle_launch(get_session(), runtime, request)
    # A deep-linking request opens the journey picker; every other launch the landing page.
    page = "picker.pick" if result.message_type == DEEP_LINKING_REQUEST else "home.landing"
    response = make_response(
        redirect(url_for(page, _external=False) + f"?{PARAM}={result.token}", code=303)
    )
    secure = runtime.settings.base_url.startswith("https://")
    # The token also goes in a cookie where the browser keeps one; pages never depend on it.
    response.set_cookie(
        COOKIE,
        result.token,
        max_age=runtime.settings.session_token_ttl_seconds,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        partitioned=secure,
    )
    g.no_store = True
    return response


@bp.get("/jwks")
def jwks() -> ResponseReturnValue:
    """The tool's public keys: the signing key and those still in their grace period."""
    session = get_session()
    document = keys.jwks(session)
    if not document["keys"]:
        keys.ensure_key(session, get_runtime().box)
        session.commit()
        document = keys.jwks(session)
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/config/canvas.json")
def canvas_config() -> ResponseReturnValue:
    """The developer-key JSON an administrator pastes into Canvas."""
    return jsonify(canvas_developer_key(get_runtime().settings.base_url))


@bp.get("/register/<token>")
def register(token: str) -> ResponseReturnValue:
    """LTI Dynamic Registration: the platform opens the administrator's registration URL."""
    runtime = get_runtime()
    settings = runtime.settings
    session = get_session()
    registration, config = dynamic_registration.complete(
        session,
        registration_http(),
        runtime.store,
        secret_key=settings.effective_secret_key,
        base_url=settings.base_url,
        token=token,
        openid_configuration=request.args.get("openid_configuration"),
        registration_token=request.args.get("registration_token"),
        require_https=settings.is_production,
    )
    deployment = registration.deployments[0].deployment_id if registration.deployments else None
    g.no_store = True
    return render_template(
        "lti/registered.html",
        registration=registration,
        deployment_id=deployment,
        organisation=registration.organization.name,
        product=config.product_family_code,
        platform_name=config.product_family_code.capitalize() or config.issuer,
    )


def registration_http() -> requests.Session:
    """The HTTP session dynamic registration uses (one per app, made on first use)."""
    extensions = current_app.extensions
    http = extensions.get("lti_journeys_registration_http")
    if not isinstance(http, requests.Session):
        http = extensions["lti_journeys_registration_http"] = requests.Session()
    return http
