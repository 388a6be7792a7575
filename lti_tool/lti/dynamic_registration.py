"""1EdTech LTI Dynamic Registration 1.0: a platform registers the tool from one pasted URL.

An administrator prints an expiring registration URL bound to an organisation
(``lti-journeys platform registration-url --org SLUG``) and pastes it into Moodle or Canvas. The
platform opens it with ``openid_configuration`` and ``registration_token``; the tool fetches the
platform's configuration (with the registration token as Bearer, a timeout and a size limit,
https only in production, the issuer on the same host as the configuration URL), posts its own
client registration, stores the registration (and the deployment, when the platform returns one)
and ends with ``postMessage({subject: "org.imsglobal.lti.close"})`` to the platform.

A registration URL works once: a used one is remembered in the state store until it expires.
Canvas returns no deployment id; its first launch's deployment is then approved on sight.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lti_tool.lti import registrations
from lti_tool.lti.ags import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.models import Registration
from lti_tool.lti.platform_config import NRPS_SCOPE
from lti_tool.lti.state_store import StateStore
from lti_tool.tenancy.models import Organization
from lti_tool.validation import InvalidInputError

SALT = "lti-journeys dynamic registration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
MAX_CONFIGURATION_BYTES = 256 * 1024
TIMEOUT = (5.0, 15.0)
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
WANTED_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, RESULT_SCOPE, SCOPE_SCORE, NRPS_SCOPE)
# Substitution variables that name the school (unit), in order of preference.
UNIT_VARIABLES = ("$Canvas.account.name", "$CourseSection.org")
DEEP_LINKING = "LtiDeepLinkingRequest"
RESOURCE_LINK = "LtiResourceLinkRequest"


class RegistrationError(LaunchError):
    """A registration attempt that must stop; ``code`` selects the translated explanation."""


@dataclass(frozen=True)
class RegistrationLink:
    url: str
    expires_at: datetime


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def registration_link(
    base_url: str, secret_key: str, org: Organization, hours: float
) -> RegistrationLink:
    """An expiring registration URL that registers platforms for ``org``."""
    token = _serializer(secret_key).dumps({"org": org.id, "jti": uuid.uuid4().hex, "hours": hours})
    return RegistrationLink(
        url=f"{base_url}/lti/register/{token}",
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
    )


def read_link(secret_key: str, token: str, store: StateStore) -> tuple[int, str, int]:
    """(organisation id, jti, seconds left) of a valid, unused registration URL."""
    serializer = _serializer(secret_key)
    try:
        payload, signed_at = serializer.loads(token, return_timestamp=True)
        hours = float(payload["hours"])
        serializer.loads(token, max_age=int(hours * 3600))
        org_id, jti = int(payload["org"]), str(payload["jti"])
    except SignatureExpired as exc:
        raise RegistrationError(
            "registration_link_expired",
            "This registration URL has expired: ask the tool's administrator for a new one "
            "(lti-journeys platform registration-url --org SLUG).",
            403,
        ) from exc
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise RegistrationError(
            "registration_link_invalid",
            "This registration URL is not valid: copy it again in full from the tool's "
            "administrator.",
            403,
        ) from exc
    if store.get(_used_key(jti)) is not None:
        raise RegistrationError(
            "registration_link_used",
            "This registration URL has already been used: ask for a new one to register "
            "another platform.",
            403,
        )
    left = int(signed_at.timestamp() + hours * 3600 - datetime.now(UTC).timestamp())
    return org_id, jti, max(left, 1)


def _used_key(jti: str) -> str:
    return f"dynreg-used:{jti}"


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    scopes_supported: tuple[str, ...]
    product_family_code: str
    messages_supported: tuple[str, ...]
    variables: tuple[str, ...]


def _check_url(url: Any, what: str, require_https: bool) -> str:
    if not isinstance(url, str) or not url or len(url) > 1000:
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's configuration has no usable {what}.",
            400,
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's {what} {url!r} is not an absolute URL.",
            400,
        )
    if require_https and parts.scheme != "https":
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's {what} {url!r} must use https.",
            400,
        )
    return url


def fetch_configuration(
    http: requests.Session, url: str, registration_token: str | None, require_https: bool
) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked as the specification requires."""
    _check_url(url, "openid_configuration URL", require_https)
    status, body = _call(
        http, "GET", url, registration_token, f"The platform's configuration at {url}"
    )
    if status != 200:
        raise RegistrationError(
            "platform_unreachable",
            f"The platform answered HTTP {status} for its configuration at {url}.",
            502,
        )
    document = _json_object(body, "configuration")
    issuer = _check_url(document.get("issuer"), "issuer", require_https)
    if urlsplit(issuer).hostname != urlsplit(url).hostname:
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's issuer {issuer!r} is not on the host of its configuration URL "
            f"({urlsplit(url).hostname}); the specification requires the same host.",
            400,
        )
    lti = document.get(PLATFORM_CONFIGURATION)
    if not isinstance(lti, dict):
        raise RegistrationError(
            "platform_configuration_invalid",
            "The platform's configuration has no LTI platform configuration "
            f"({PLATFORM_CONFIGURATION}).",
            400,
        )
    messages = lti.get("messages_supported")
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=_check_url(
            document.get("authorization_endpoint"), "authorization_endpoint", require_https
        ),
        token_endpoint=_check_url(document.get("token_endpoint"), "token_endpoint", require_https),
        jwks_uri=_check_url(document.get("jwks_uri"), "jwks_uri", require_https),
        registration_endpoint=_check_url(
            document.get("registration_endpoint"), "registration_endpoint", require_https
        ),
        authorization_server=(
            document["authorization_server"]
            if isinstance(document.get("authorization_server"), str)
            else None
        ),
        scopes_supported=_strings(document.get("scopes_supported")),
        product_family_code=str(lti.get("product_family_code") or "")[:100],
        messages_supported=tuple(
            str(m["type"])
            for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict) and isinstance(m.get("type"), str)
        ),
        variables=_strings(lti.get("variables")),
    )


def _call(
    http: requests.Session,
    method: str,
    url: str,
    registration_token: str | None,
    what: str,
    **kwargs: Any,
) -> tuple[int, bytes]:
    """(status, body of at most the size limit) of one request with the registration token."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        with http.request(
            method, url, headers=headers, timeout=TIMEOUT, stream=True, **kwargs
        ) as response:
            return response.status_code, _read_limited(response)
    except requests.RequestException as exc:
        raise RegistrationError(
            "platform_unreachable", f"{what} could not be reached: {exc}.", 502
        ) from exc


def _read_limited(response: requests.Response) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_CONFIGURATION_BYTES:
            raise RegistrationError(
                "platform_configuration_invalid",
                f"The platform's answer is larger than {MAX_CONFIGURATION_BYTES // 1024} KiB.",
                400,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise RegistrationError(
            "platform_configuration_invalid", f"The platform's {what} is not JSON.", 400
        ) from exc
    if not isinstance(document, dict):
        raise RegistrationError(
            "platform_configuration_invalid", f"The platform's {what} is not a JSON object.", 400
        )
    return document


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def client_registration(base_url: str, config: PlatformConfiguration) -> dict[str, Any]:
    """The tool's registration request (OpenID client metadata with the LTI tool configuration)."""
    launch = base_url + "/lti/launch"
    supported = set(config.scopes_supported)
    scopes = [s for s in WANTED_SCOPES if not supported or s in supported]
    canvas = config.product_family_code == "canvas"
    messages: list[dict[str, Any]] = [
        {
            "type": RESOURCE_LINK,
            "target_link_uri": launch,
            "label": "Läranderesor",
            "label#en": "Journeys",
            **({"placements": ["course_navigation"]} if canvas else {}),
        }
    ]
    if DEEP_LINKING in config.messages_supported or not config.messages_supported:
        messages.append(
            {
                "type": DEEP_LINKING,
                "target_link_uri": launch,
                "label": "Läranderesa",
                "label#en": "Journey",
                **(
                    {"placements": ["link_selection", "assignment_selection"]}
                    if canvas
                    else {"placements": ["ContentArea"]}
                ),
            }
        )
    custom: dict[str, str] = {}
    unit = next((v for v in UNIT_VARIABLES if v in config.variables), None)
    if unit is not None:
        custom["unit"] = unit
    tool: dict[str, Any] = {
        "domain": urlsplit(base_url).netloc,
        "target_link_uri": launch,
        "description": (
            "Läranderesor för kompetensutveckling: mål och delmål, små steg, självskattning och "
            "uppföljning."
        ),
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
        "messages": messages,
    }
    if custom:
        tool["custom_parameters"] = custom
    if canvas:
        tool["https://canvas.instructure.com/lti/privacy_level"] = "public"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base_url + "/lti/login",
        # Every URL the tool sends a platform back to: Moodle matches redirect_uri exactly.
        "redirect_uris": [launch],
        "client_name": "lti-journeys",
        "client_name#sv": "Läranderesor",
        "jwks_uri": base_url + "/lti/jwks",
        "logo_uri": base_url + "/static/icon.svg",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: tool,
    }


@dataclass(frozen=True)
class PlatformAnswer:
    client_id: str
    deployment_id: str | None


def register_client(
    http: requests.Session,
    config: PlatformConfiguration,
    registration_token: str | None,
    body: dict[str, Any],
) -> PlatformAnswer:
    status, raw = _call(
        http,
        "POST",
        config.registration_endpoint,
        registration_token,
        "The platform's registration endpoint",
        json=body,
    )
    if status not in (200, 201):
        reason = raw[:300].decode("utf-8", "replace")
        raise RegistrationError(
            "registration_refused",
            f"The platform refused the tool's registration (HTTP {status}): {reason}",
            502,
        )
    answer = _json_object(raw, "registration answer")
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationError(
            "registration_refused", "The platform's registration answer has no client_id.", 502
        )
    tool = answer.get(TOOL_CONFIGURATION)
    deployment = tool.get("deployment_id") if isinstance(tool, dict) else None
    return PlatformAnswer(
        client_id=client_id[:255],
        deployment_id=str(deployment)[:255] if isinstance(deployment, str | int) else None,
    )


def store(
    session: Session,
    org: Organization,
    config: PlatformConfiguration,
    answer: PlatformAnswer,
    require_https: bool,
) -> Registration:
    """The registration (and its deployment) for the organisation."""
    try:
        registration = registrations.add_registration(
            session,
            org,
            issuer=config.issuer,
            client_id=answer.client_id,
            auth_login_url=config.authorization_endpoint,
            auth_token_url=config.token_endpoint,
            keyset_url=config.jwks_uri,
            auth_audience=config.authorization_server,
            deployment_ids=(answer.deployment_id,) if answer.deployment_id else (),
            approve_first_deployment=answer.deployment_id is None,
            require_https=require_https,
            audit_kind="registration.dynamic",
        )
    except InvalidInputError as exc:
        raise RegistrationError("registration_refused", str(exc), 409) from exc
    return registration


def complete(
    session: Session,
    http: requests.Session,
    state: StateStore,
    *,
    secret_key: str,
    base_url: str,
    token: str,
    openid_configuration: str | None,
    registration_token: str | None,
    require_https: bool,
) -> tuple[Registration, PlatformConfiguration]:
    """The whole registration of one platform from the platform's request to the tool."""
    org_id, jti, seconds_left = read_link(secret_key, token, state)
    org = session.get(Organization, org_id)
    if org is None:
        raise RegistrationError(
            "registration_link_invalid", "The organisation of this URL no longer exists.", 403
        )
    if not openid_configuration:
        raise RegistrationError(
            "registration_request_invalid",
            "The platform did not send its openid_configuration URL: start the registration "
            "from the platform (Moodle: Manage tools, Tool URL; Canvas: LTI Registration).",
            400,
        )
    config = fetch_configuration(http, openid_configuration, registration_token, require_https)
    answer = register_client(
        http, config, registration_token, client_registration(base_url, config)
    )
    registration = store(session, org, config, answer, require_https)
    state.put(_used_key(jti), {"registration": registration.id}, seconds_left)
    return registration, config
