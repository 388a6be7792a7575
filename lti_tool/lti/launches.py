"""Login and launch services: thin views call these with the parsed request."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.leadership.launch_grants import apply_launch_grants
from lti_tool.lti import frame_origins
from lti_tool.lti.adapter import (
    CLAIM,
    DatabaseToolConf,
    DeploymentInfo,
    FormRequest,
    LoginRedirect,
    RegistrationCache,
    RegistrationInfo,
    ToolMessageLaunch,
    build_login_redirect,
)
from lti_tool.lti.errors import DeploymentPendingError, LaunchError
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration
from lti_tool.lti.roles import map_roles
from lti_tool.lti.runtime import LtiRuntime
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import AuditEvent
from lti_tool.tenancy.provisioning import (
    MAX_DEPLOYMENT_ID,
    STORED_IDENTIFIERS,
    Provisioned,
    journey_slug,
    provision_launch,
)

log = logging.getLogger(__name__)

CACHE_EXTENSION = "lti_journeys_registration_cache"
# Registrations and active deployments are read at most once per this many seconds per process:
# a changed registration row takes effect within it; approving a deployment at once.
REGISTRATION_CACHE_SECONDS = 10.0

LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "lti_deployment_id",
    "client_id",
    "lti_storage_target",
)
# The longest value each login parameter may have: they are stored with the login's state and
# sent back in the redirect to the platform. Canvas's lti_message_hint is a JWT of about 1 KB,
# Moodle's a short JSON text; identifiers have their columns' lengths.
MAX_LOGIN_PARAM = 2048
MAX_LOGIN_PARAMS = {
    "iss": 500,
    "client_id": 255,
    "lti_deployment_id": 255,
    "lti_message_hint": 8192,
}
# A value quoted in a refusal (and so in its log line) is cut to this many characters.
MAX_QUOTED = 120


def quoted(value: object) -> str:
    """``repr`` of a value from a request, cut short enough for a message and a log line."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def check_login_params(params: dict[str, str | None]) -> None:
    """Refuse a login whose parameter is longer than the tool keeps, naming the parameter."""
    for name in LOGIN_PARAMS:
        value = params.get(name)
        limit = MAX_LOGIN_PARAMS.get(name, MAX_LOGIN_PARAM)
        if value is not None and len(value) > limit:
            raise LaunchError(
                "login_parameter_too_long",
                f"The login request's {name!r} parameter is longer than {limit} characters "
                f"({len(value)}).",
            )


@dataclass(frozen=True)
class LaunchResult:
    identity: LaunchIdentity
    token: str
    provisioned: Provisioned
    message_type: str
    claims: dict[str, Any]


def registration_cache(app: Flask | None = None) -> RegistrationCache:
    """The app's per-process registration cache (made on first use)."""
    extensions = (app or current_app).extensions
    cache = extensions.get(CACHE_EXTENSION)
    if not isinstance(cache, RegistrationCache):
        cache = extensions[CACHE_EXTENSION] = RegistrationCache(REGISTRATION_CACHE_SECONDS)
    return cache


def handle_login(
    session: Session,
    runtime: LtiRuntime,
    params: dict[str, str | None],
    registration_id: int | None = None,
) -> LoginRedirect:
    """Validate a third-party initiated login; the platform auth URL to go to, and the state."""
    check_login_params(params)
    issuer = params.get("iss")
    if not issuer:
        raise LaunchError("missing_issuer", "The login request has no 'iss' parameter.")
    if not params.get("login_hint"):
        raise LaunchError("missing_login_hint", "The login request has no 'login_hint' parameter.")
    cache = registration_cache()
    registration: RegistrationInfo | None
    if registration_id is not None:
        registration = cache.registration_by_id(session, registration_id)
        if registration is not None and (
            registration.issuer != issuer
            or (params.get("client_id") and params["client_id"] != registration.client_id)
        ):
            registration = None
    else:
        registration = cache.registration(session, issuer, params.get("client_id"))
    if registration is None:
        hint = (
            ""
            if params.get("client_id")
            else (" The platform sent no client_id: use the registration's own login URL.")
        )
        raise LaunchError(
            "unknown_registration",
            f"No platform is registered with issuer {quoted(issuer)} and client id "
            f"{quoted(params.get('client_id'))}.{hint}",
            status=403,
        )
    target = params.get("target_link_uri")
    if target and urlsplit(target).netloc != urlsplit(runtime.settings.base_url).netloc:
        raise LaunchError(
            "bad_target",
            f"The target_link_uri {quoted(target)} is not an address of this tool "
            f"({runtime.settings.base_url}).",
        )
    return build_login_redirect(
        runtime.store,
        registration,
        params,
        runtime.launch_url,
        runtime.settings.login_state_ttl_seconds,
    )


def login_params(request: Request) -> dict[str, str | None]:
    source = request.form if request.method == "POST" else request.args
    return {name: source.get(name) for name in LOGIN_PARAMS}


@dataclass(frozen=True)
class ValidatedLaunch:
    """A launch whose id_token, state and deployment were checked; its nonce is used up."""

    claims: dict[str, Any]
    registration_id: int
    deployment: DeploymentInfo
    launch_id: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, to hold the launch server-side until the browser is proven."""
        return {
            "claims": self.claims,
            "registration_id": self.registration_id,
            "deployment": [
                self.deployment.id,
                self.deployment.registration_id,
                self.deployment.deployment_id,
            ],
            "launch_id": self.launch_id,
        }

    @classmethod
    def of_dict(cls, data: dict[str, Any]) -> ValidatedLaunch:
        deployment_id, registration_id, platform_deployment_id = data["deployment"]
        return cls(
            claims=dict(data["claims"]),
            registration_id=int(data["registration_id"]),
            deployment=DeploymentInfo(
                int(deployment_id), int(registration_id), str(platform_deployment_id)
            ),
            launch_id=str(data["launch_id"]),
        )


def validate_launch(session: Session, runtime: LtiRuntime, form: FormRequest) -> ValidatedLaunch:
    """Check the id_token, take its state (single use) and check the deployment; nothing else."""
    cache = registration_cache()
    conf = DatabaseToolConf(session, cache)
    launch = ToolMessageLaunch(
        form,
        conf,
        runtime.store,
        runtime.key_cache,
        runtime.settings.jwt_leeway_seconds,
        runtime.settings.session_token_ttl_seconds,
    )
    launch.validate()
    claims = launch.claims
    check_claims(claims)
    registration = launch.registration_info
    deployment = _check_deployment(
        session, cache, registration, str(claims[CLAIM + "deployment_id"])
    )
    return ValidatedLaunch(
        claims=claims,
        registration_id=registration.id,
        deployment=deployment,
        launch_id=launch.get_launch_id(),
    )


def handle_launch(session: Session, runtime: LtiRuntime, form: FormRequest) -> LaunchResult:
    """Validate an id_token launch, provision what it describes and issue a session token."""
    return complete_launch(session, runtime, validate_launch(session, runtime, form))


def complete_launch(
    session: Session, runtime: LtiRuntime, validated: ValidatedLaunch
) -> LaunchResult:
    """Provision what a validated launch describes, record it and issue a session token."""
    cache = registration_cache()
    registration = cache.registration_by_id(session, validated.registration_id)
    if registration is None:
        raise LaunchError(
            "unknown_registration",
            "The platform of this launch is no longer registered with the tool.",
            status=403,
        )
    claims = validated.claims
    deployment = validated.deployment
    roles = [str(r) for r in map_roles(claims.get(CLAIM + "roles") or [])]
    provisioned = provision_launch(session, registration, deployment, claims, roles)
    apply_launch_grants(session, provisioned, claims)
    # The launched statement is written in the same transaction as the provisioning.
    recording = get_recording()
    org = cache.organization(session, registration.organization_id)
    if org is not None:
        presentation = claims.get(CLAIM + "launch_presentation") or {}
        language = _locale(presentation.get("locale") if isinstance(presentation, dict) else None)
        statement = recording.launched(org, registration, deployment, provisioned, claims, language)
        recording.record(session, org, [statement])
    # The platform's own pages (on Canvas another host than the issuer) may frame the tool.
    frame_origins.learn_from_launch(session, registration, claims)
    session.commit()
    custom = claims.get(CLAIM + "custom") or {}
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    journey = provisioned.resource_link.journey_slug if provisioned.resource_link else None
    identity = LaunchIdentity(
        person_id=provisioned.person.id,
        organization_id=registration.organization_id,
        registration_id=registration.id,
        context_id=provisioned.context.id if provisioned.context else None,
        resource_link_id=provisioned.resource_link.id if provisioned.resource_link else None,
        roles=tuple(roles),
        launch_id=validated.launch_id,
        locale=_locale(presentation.get("locale") if isinstance(presentation, dict) else None),
        journey_slug=journey or (journey_slug(custom) if isinstance(custom, dict) else None),
    )
    return LaunchResult(
        identity=identity,
        token=runtime.tokens.issue(identity),
        provisioned=provisioned,
        message_type=str(claims.get(CLAIM + "message_type")),
        claims=claims,
    )


# JSON's \u0000 escapes decode to NUL, which no database column takes and no claim needs; tabs
# and line breaks may appear in titles and descriptions.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")


def check_claims(claims: dict[str, Any]) -> None:
    """Refuse a launch whose claims hold a control character in any name or text, or an
    identifier longer than the tool stores (cut, it would name another row, or none)."""
    _check_lengths(claims)
    pending: list[tuple[str, object]] = [("", claims)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if _CONTROL_IN_TEXT.search(value):
                raise LaunchError(
                    "invalid_message",
                    f"The launch's claim {path!r} contains a control character (such as NUL); "
                    "the platform must send plain text.",
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                name = str(key).rsplit("/", 1)[-1]
                if _CONTROL_IN_NAME.search(str(key)):
                    raise LaunchError(
                        "invalid_message",
                        "A claim name of the launch contains a control character (such as NUL).",
                    )
                pending.append((f"{path}.{name}" if path else name, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


def _check_lengths(claims: dict[str, Any]) -> None:
    limits: list[tuple[str, object, int]] = [
        ("deployment_id", str(claims.get(CLAIM + "deployment_id", "")), MAX_DEPLOYMENT_ID)
    ]
    for path, limit in STORED_IDENTIFIERS.items():
        parent, _, name = path.rpartition(".")
        holder = claims.get(CLAIM + parent) if parent else claims
        if isinstance(holder, dict):
            limits.append((path, holder.get(name), limit))
    for path, value, limit in limits:
        if isinstance(value, str) and len(value.strip()) > limit:
            raise LaunchError(
                "invalid_message",
                f"The launch's claim {path!r} is longer than {limit} characters "
                f"({len(value)}); the tool cannot store it.",
            )


def _locale(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    language = value.replace("_", "-").split("-")[0].lower()
    return language if language in ("sv", "en") else None


def _claim_first_deployment(session: Session, registration_id: int) -> bool:
    """True once for a registration that approves its first deployment (and has none yet)."""
    result = session.execute(
        update(Registration)
        .where(
            Registration.id == registration_id,
            Registration.approve_first_deployment.is_(True),
            ~select(Deployment.id).where(Deployment.registration_id == registration_id).exists(),
        )
        .values(approve_first_deployment=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _check_deployment(
    session: Session,
    cache: RegistrationCache,
    registration: RegistrationInfo,
    deployment_id: str,
    retry: bool = True,
) -> DeploymentInfo:
    """The active deployment, or record an unknown one (pending unless auto-approved) and refuse.

    ``check_claims`` has refused a deployment id longer than the column, so the row is stored and
    looked up with the same value.
    """
    cached = cache.active_deployment(registration.id, deployment_id)
    if cached is not None:
        return cached
    deployment = session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id,
            Deployment.deployment_id == deployment_id,
        )
    ).first()
    if deployment is None:
        auto = registration.auto_approve_deployments or _claim_first_deployment(
            session, registration.id
        )
        deployment = Deployment(
            registration_id=registration.id,
            deployment_id=deployment_id,
            status=DeploymentStatus.ACTIVE if auto else DeploymentStatus.PENDING,
            approved_at=utcnow() if auto else None,
        )
        session.add(deployment)
        session.add(
            AuditEvent(
                organization_id=registration.organization_id,
                kind="deployment.seen",
                detail=f"registration={registration.id} deployment={deployment_id} "
                f"status={deployment.status.value}",
            )
        )
        try:
            session.commit()
        except IntegrityError:
            # Another worker recorded it at the same moment: use theirs (once; a second
            # conflict means the row cannot be found with this id, and asking again would not).
            session.rollback()
            if not retry:
                raise LaunchError(
                    "deployment_conflict",
                    "The platform's deployment could not be recorded; launch again.",
                    status=409,
                ) from None
            return _check_deployment(session, cache, registration, deployment_id, retry=False)
        log.info(
            "new deployment %s on registration %s recorded as %s",
            deployment_id,
            registration.id,
            deployment.status.value,
        )
    if deployment.status != DeploymentStatus.ACTIVE:
        raise DeploymentPendingError(
            "deployment_pending",
            f"Deployment {deployment_id!r} of this platform is waiting for approval. An "
            "administrator of the tool must approve it "
            f"(lti-journeys deployment approve --registration {registration.id} "
            f"--deployment-id {deployment_id}).",
        )
    return cache.remember_active(deployment)
