"""LTI endpoints: OIDC login, id_token launch, the tool's JWKS and dynamic registration."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
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
from lti_tool.lti import binding, dynamic_registration, keys
from lti_tool.lti.adapter import DEEP_LINKING_REQUEST, FormRequest, peek_login
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.launches import (
    LOGIN_PARAMS,
    ValidatedLaunch,
    complete_launch,
    handle_login,
    login_params,
    registration_cache,
    validate_launch,
)
from lti_tool.lti.outbound import outbound_policy
from lti_tool.lti.platform_config import canvas_developer_key
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import COOKIE, PARAM

bp = Blueprint("lti", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Third-party initiated login; always continues to the platform with a GET."""
    return _login(login_params(request))


@bp.route("/login/<int:registration_id>", methods=["GET", "POST"])
def login_for_registration(registration_id: int) -> ResponseReturnValue:
    """Login URL bound to one registration, for platforms that send no client_id."""
    return _login(login_params(request), registration_id)


def _login(params: dict[str, str | None], registration_id: int | None = None) -> Response:
    runtime = get_runtime()
    params["lti_storage_target"] = binding.valid_storage_target(params.get("lti_storage_target"))
    target = handle_login(get_session(), runtime, params, registration_id)
    storage = params["lti_storage_target"]
    if storage:
        # Keep the state in the platform's storage too, then go on to the platform.
        response = make_response(
            render_template(
                "lti/platform_storage.html",
                mode="login",
                auth_url=target.url,
                origin=binding.origin_of(target.url),
                target=storage,
                key=binding.storage_key(target.state),
                value=target.state,
            )
        )
    else:
        response = make_response(redirect(target.url, code=302))
    settings = runtime.settings
    binding.set_login_cookie(
        response, target.state, settings.base_url, settings.login_state_ttl_seconds
    )
    g.no_store = True
    return response


@bp.post("/launch")
def launch() -> ResponseReturnValue:
    """Validate the platform's id_token, then continue on a cookie-less page with a session token.

    A launch that comes back without its login cookie is validated all the same, and finished
    only once the browser is shown to be the one that started the login (platform storage), or
    started again in a new window; a launch that fails validation gets its 4xx page either way.
    """
    runtime = get_runtime()
    form = FormRequest.of(request)
    state = form.get_param("state") or ""
    # Read before validation takes the state: what a held or new-window launch needs of its login.
    login_record = (
        peek_login(runtime.store, state)
        if state and not binding.has_login_cookie(request, state)
        else None
    )
    validated = validate_launch(get_session(), runtime, form)
    if login_record is not None:
        return _unbound_launch(validated, state, login_record)
    return _finish_launch(validated, state)


def _finish_launch(validated: ValidatedLaunch, state: str) -> Response:
    runtime = get_runtime()
    result = complete_launch(get_session(), runtime, validated)
    # A deep-linking request opens the journey picker; every other launch the landing page.
    page = "picker.pick" if result.message_type == DEEP_LINKING_REQUEST else "home.landing"
    response = make_response(
        redirect(url_for(page, _external=False) + f"?{PARAM}={result.token}", code=303)
    )
    base_url = runtime.settings.base_url
    secure = binding.secure_context(base_url)
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
    if state:
        binding.clear_login_cookie(response, state, base_url)
    g.no_store = True
    return response


def _unbound_launch(
    validated: ValidatedLaunch, state: str, login_record: dict[str, Any]
) -> Response:
    """A valid launch without its login cookie: prove the browser by platform storage, or offer
    a new window; the launch's state is already used up either way."""
    runtime = get_runtime()
    relaunch = binding.relaunch_ticket(runtime.store, login_record)
    relaunch_url = url_for("lti.relaunch", ticket=relaunch) if relaunch else None
    g.no_store = True
    registration = registration_cache().registration_by_id(get_session(), validated.registration_id)
    if login_record.get("storage_target") and registration is not None:
        ticket = binding.hold_launch(runtime.store, state, validated)
        log.info("launch without its login cookie: checking the platform's storage")
        return make_response(
            render_template(
                "lti/platform_storage.html",
                mode="launch",
                ticket=ticket,
                origin=binding.origin_of(registration.auth_login_url),
                target=login_record["storage_target"],
                key=binding.storage_key(state),
                relaunch_url=relaunch_url,
            )
        )
    # Neither cookie nor platform storage: this launch cannot be shown to be this browser's.
    log.info("launch without its login cookie and without platform storage: new window offered")
    if relaunch_url is None:
        raise LaunchError(
            "unbound_launch",
            "The launch came back without the login cookie; open the tool again from the course.",
            400,
        )
    return make_response(render_template("lti/new_window.html", relaunch_url=relaunch_url))


@bp.post("/launch/confirm")
def confirm_launch() -> ResponseReturnValue:
    """Finish a held launch once its page has read the state back from the platform's storage."""
    runtime = get_runtime()
    if not _same_origin(runtime.settings.base_url):
        raise LaunchError(
            "cross_site_confirm",
            "A launch can only be confirmed by the tool's own page.",
            403,
        )
    held = binding.take_launch(runtime.store, request.form.get("ticket", ""))
    if held is None:
        raise LaunchError(
            "launch_ticket_unknown",
            "This launch has expired or was already finished: open the tool again from the course.",
            400,
        )
    state = held.state
    if not state or not secrets.compare_digest(request.form.get("value", ""), state):
        raise LaunchError(
            "storage_mismatch",
            "The learning platform's storage does not hold this launch's state, so the launch "
            "may not have started in this browser: open the tool again from the course.",
            403,
        )
    return _finish_launch(held.launch, state)


@bp.get("/relaunch/<ticket>")
def relaunch(ticket: str) -> ResponseReturnValue:
    """The new-window fallback: start the same login again, as a first-party page."""
    runtime = get_runtime()
    params = binding.take_relaunch(runtime.store, ticket)
    if params is None:
        raise LaunchError(
            "launch_ticket_unknown",
            "This link has expired or was already used: open the tool again from the course.",
            400,
        )
    registration_id = params.pop("registration_id", None)
    login_params_again = {name: params.get(name) for name in LOGIN_PARAMS}
    login_params_again["lti_storage_target"] = None
    return _login(login_params_again, int(registration_id) if registration_id else None)


def _same_origin(base_url: str) -> bool:
    """The request came from a page of the tool itself.

    ``Sec-Fetch-Site`` is set by the browser and cannot be forged by a page; browsers without it
    send ``Origin`` (our ``Referrer-Policy: no-referrer`` makes form posts say ``Origin: null``,
    so that header alone cannot be relied on where Fetch Metadata exists).
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("Origin") == binding.origin_of(base_url)


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
        outbound_policy(),
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
