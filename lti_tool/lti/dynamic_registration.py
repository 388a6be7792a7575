"""1EdTech LTI Dynamic Registration 1.0: a platform registers the tool from one pasted URL.

An administrator prints an expiring registration URL bound to an organisation
(``lti-journeys platform registration-url --org SLUG``) and pastes it into Moodle or Canvas. The
platform opens it with ``openid_configuration`` and ``registration_token``; the tool fetches the
platform's configuration (with the registration token as Bearer, through the outbound policy:
public addresses only, a total deadline and a size cap; https only in production, the issuer on
the same host as the configuration URL), posts its own client registration, stores the
registration (and the deployment, when the platform returns one) and ends with
``postMessage({subject: "org.imsglobal.lti.close"})`` to the platform.

A registration URL works once: its first attempt claims it (an atomic INSERT) before any request
leaves the tool, so two attempts at once cannot both register, and a failed attempt needs a new
URL. What a platform answers is logged, never shown: the page says only what kind of step failed.
Canvas returns no deployment id; its first launch's deployment is then approved on sight.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lti_tool.lti import registration_claims, registrations
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.models import Registration
from lti_tool.lti.outbound import HttpError, OutboundPolicy
from lti_tool.lti.services import reason_of
from lti_tool.lti.tool_registration import (
    TOOL_CONFIGURATION,
    PlatformConfiguration,
    client_registration,
)
from lti_tool.tenancy.models import Organization
from lti_tool.validation import CONTROL, InvalidInputError, check_text

log = logging.getLogger(__name__)

SALT = "lti-journeys dynamic registration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
MAX_CONFIGURATION_BYTES = 256 * 1024
MAX_ANSWER_BYTES = 64 * 1024
# Configuration URLs may redirect (each target is checked again); registration posts may not.
MAX_REDIRECTS = 3
NEW_URL = "Ask the tool's administrator for a new registration URL and start again."


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


def read_link(secret_key: str, token: str, session: Session) -> tuple[int, str, int]:
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
    if registration_claims.is_claimed(session, jti):
        raise _used()
    left = int(signed_at.timestamp() + hours * 3600 - datetime.now(UTC).timestamp())
    return org_id, jti, max(left, 1)


def _used() -> RegistrationError:
    return RegistrationError(
        "registration_link_used",
        "This registration URL has already been used (each URL allows one attempt): ask for a "
        "new one to register a platform.",
        403,
    )


def _check_url(url: Any, what: str, require_https: bool) -> str:
    if not isinstance(url, str) or not url or len(url) > 1000:
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's configuration has no usable {what}.",
            400,
        )
    if CONTROL.search(url):
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's {what} {url!r} contains a control character (such as NUL).",
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
    policy: OutboundPolicy, url: str, registration_token: str | None, require_https: bool
) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked as the specification requires."""
    _check_url(url, "openid_configuration URL", require_https)
    status, body = _call(
        policy, "GET", url, registration_token, MAX_CONFIGURATION_BYTES, redirects=MAX_REDIRECTS
    )
    if status != 200:
        log.warning("platform configuration at %s answered HTTP %s", url, status)
        raise _unreachable(url)
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
        authorization_server=_audience(document.get("authorization_server")),
        scopes_supported=_strings(document.get("scopes_supported")),
        product_family_code=str(lti.get("product_family_code") or "")[:100],
        messages_supported=tuple(
            str(m["type"])
            for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict) and isinstance(m.get("type"), str)
        ),
        variables=_strings(lti.get("variables")),
    )


def _audience(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return check_text(value, "The platform's authorization_server", 1000)
    except InvalidInputError as exc:
        raise RegistrationError("platform_configuration_invalid", str(exc), 400) from exc


def _unreachable(url: str) -> RegistrationError:
    # One message for a closed port, a refused address, a timeout or an error status: the
    # registering party must not learn what listens where.
    return RegistrationError(
        "platform_unreachable",
        f"The tool could not get an answer from the platform at {url}. {NEW_URL}",
        502,
    )


def _call(
    policy: OutboundPolicy,
    method: str,
    url: str,
    registration_token: str | None,
    max_bytes: int,
    body: dict[str, Any] | None = None,
    redirects: int = 0,
) -> tuple[int, bytes]:
    """(status, body) of one request with the registration token, within the policy's limits."""
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        response = policy.request(
            method,
            url,
            headers=headers,
            body=None if body is None else json.dumps(body).encode(),
            max_bytes=max_bytes,
            follow_redirects=redirects,
        )
    except HttpError as exc:
        if exc.kind == "too_large":
            raise RegistrationError(
                "platform_configuration_invalid",
                f"The platform's answer is larger than {max_bytes // 1024} KiB. {NEW_URL}",
                400,
            ) from None
        raise _unreachable(url) from None
    return response.status, response.body


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise RegistrationError(
            "platform_configuration_invalid", f"The platform's {what} is not JSON. {NEW_URL}", 400
        ) from exc
    if not isinstance(document, dict):
        raise RegistrationError(
            "platform_configuration_invalid",
            f"The platform's {what} is not a JSON object. {NEW_URL}",
            400,
        )
    return document


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True)
class PlatformAnswer:
    client_id: str
    deployment_id: str | None


def register_client(
    policy: OutboundPolicy,
    config: PlatformConfiguration,
    registration_token: str | None,
    body: dict[str, Any],
) -> PlatformAnswer:
    """Post the tool's registration to the platform; its answer names the client id."""
    status, raw = _call(
        policy, "POST", config.registration_endpoint, registration_token, MAX_ANSWER_BYTES, body
    )
    if status not in (200, 201):
        try:
            reason = reason_of(json.loads(raw))
        except ValueError:
            reason = "no JSON reason"
        log.warning(
            "platform %s refused the registration (HTTP %s): %s", config.issuer, status, reason
        )
        raise RegistrationError(
            "registration_refused",
            f"The platform did not accept the tool's registration; its answer is in the tool's "
            f"log. {NEW_URL}",
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
        # Checked (control characters, length) where they are stored, never cut: a client id
        # cut short would match none of the platform's launches.
        client_id=client_id,
        deployment_id=str(deployment) if isinstance(deployment, str | int) else None,
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
    policy: OutboundPolicy,
    *,
    secret_key: str,
    base_url: str,
    token: str,
    openid_configuration: str | None,
    registration_token: str | None,
    require_https: bool,
) -> tuple[Registration, PlatformConfiguration]:
    """The whole registration of one platform from the platform's request to the tool."""
    org_id, jti, _ = read_link(secret_key, token, session)
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
    # Claimed (and committed) before anything leaves the tool: one attempt per URL, even when
    # two arrive at once on different processes.
    if not registration_claims.claim(session, jti, org.id):
        raise _used()
    config = fetch_configuration(policy, openid_configuration, registration_token, require_https)
    answer = register_client(
        policy, config, registration_token, client_registration(base_url, config)
    )
    registration = store(session, org, config, answer, require_https)
    return registration, config
