"""The only module that talks to pylti1p3: our tool configuration, request, storage and launch.

pylti1p3 parses the id_token and validates the LTI message claims (version, message type, roles,
resource link, deep-linking settings) and will later build deep-linking responses and AGS/NRPS
calls. We close its known gaps here:

* login state is single-use and kept server-side, with the nonce in the same row: the launch takes
  the state atomically once, and the id_token's nonce must equal the state's, so each nonce is
  single-use too (pylti1p3 only checks that a nonce exists, and accepts a replayed id_token whose
  state it has seen before);
* the signature check pins the algorithm family, checks ``aud``/``azp``/``iss`` and allows a
  clock-skew leeway (pylti1p3 disables the audience check and allows no leeway);
* platform keys are cached and refetched once on an unknown ``kid`` (pylti1p3 fetches the JWKS
  on every launch unless told to cache, and then never refetches);
* unknown deployments are recorded for approval instead of failing with a generic error.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import jwt
import requests
from flask import Request as FlaskHttpRequest
from pylti1p3.cookie import CookieService
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.request import Request as LtiRequest
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.errors import LaunchError
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.state_store import StateStore
from lti_tool.tenancy.models import Organization

ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
# pylti1p3 makes a requests.Session per launch unless given one; ours never fetches anything
# with it (platform keys come from ``PlatformKeyCache``), so one per process is enough.
_UNUSED_HTTP = requests.Session()
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RegistrationInfo:
    """What a launch needs of a registration: an immutable copy, safe to share and cache."""

    id: int
    organization_id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None
    keyset_url: str
    auto_approve_deployments: bool

    @classmethod
    def of(cls, row: Registration) -> RegistrationInfo:
        return cls(
            id=row.id,
            organization_id=row.organization_id,
            issuer=row.issuer,
            client_id=row.client_id,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            auth_audience=row.auth_audience,
            keyset_url=row.keyset_url,
            auto_approve_deployments=bool(row.auto_approve_deployments),
        )


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    """What recording a launch needs of an organisation: an immutable copy, safe to cache."""

    id: int
    slug: str
    name: str
    xapi_pseudonymise: bool
    xapi_include_identity: bool
    xapi_pseudonym_key: bytes = field(repr=False)

    @classmethod
    def of(cls, row: Organization) -> OrganizationInfo:
        return cls(
            id=row.id,
            slug=row.slug,
            name=row.name,
            xapi_pseudonymise=bool(row.xapi_pseudonymise),
            xapi_include_identity=bool(row.xapi_include_identity),
            xapi_pseudonym_key=bytes(row.xapi_pseudonym_key),
        )


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    """An active deployment: an immutable copy, safe to share and cache."""

    id: int
    registration_id: int
    deployment_id: str


def find_registration(session: Session, issuer: str, client_id: str | None) -> Registration | None:
    """The registration for (issuer, client_id); without a client_id only if the issuer has one."""
    stmt = select(Registration).where(Registration.issuer == issuer)
    if client_id:
        return session.scalars(stmt.where(Registration.client_id == client_id)).first()
    candidates = list(session.scalars(stmt.limit(2)))
    return candidates[0] if len(candidates) == 1 else None


class RegistrationCache:
    """Registrations, organisations and active deployments of this process, each kept
    ``ttl_seconds``.

    Only an optimisation: every entry is an immutable snapshot read from the database, so each
    process (and host) fills its own and none depends on another's. Only found registrations and
    *active* deployments are kept; an unknown registration or a pending deployment is looked up
    again on every launch, so approving a deployment takes effect at once, while a change to a
    registration or organisation row (its xAPI privacy settings too) or removing a deployment
    takes effect within ``ttl_seconds``.
    """

    def __init__(self, ttl_seconds: float = 10.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[tuple[object, ...], tuple[float, object]] = {}
        self._lock = threading.Lock()

    def registration(
        self, session: Session, issuer: str, client_id: str | None
    ) -> RegistrationInfo | None:
        """The registration for (issuer, client_id), as ``find_registration`` finds it."""
        key = ("issuer", issuer, client_id)
        cached = self._get(key)
        if isinstance(cached, RegistrationInfo):
            return cached
        row = find_registration(session, issuer, client_id)
        return None if row is None else self._put(key, RegistrationInfo.of(row))

    def registration_by_id(self, session: Session, registration_id: int) -> RegistrationInfo | None:
        key = ("id", registration_id)
        cached = self._get(key)
        if isinstance(cached, RegistrationInfo):
            return cached
        row = session.get(Registration, registration_id)
        return None if row is None else self._put(key, RegistrationInfo.of(row))

    def organization(self, session: Session, organization_id: int) -> OrganizationInfo | None:
        """The organisation (its xAPI privacy settings included) as of ``ttl_seconds`` ago."""
        key = ("organization", organization_id)
        cached = self._get(key)
        if isinstance(cached, OrganizationInfo):
            return cached
        row = session.get(Organization, organization_id)
        return None if row is None else self._put(key, OrganizationInfo.of(row))

    def active_deployment(self, registration_id: int, deployment_id: str) -> DeploymentInfo | None:
        """The deployment if this process has seen it active within ``ttl_seconds``."""
        cached = self._get(("deployment", registration_id, deployment_id))
        return cached if isinstance(cached, DeploymentInfo) else None

    def remember_active(self, row: Deployment) -> DeploymentInfo:
        """Keep an active deployment (never a pending one) and return its snapshot."""
        if row.status != DeploymentStatus.ACTIVE:
            raise ValueError(f"deployment {row.id} is not active")
        info = DeploymentInfo(row.id, row.registration_id, row.deployment_id)
        return self._put(("deployment", row.registration_id, row.deployment_id), info)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _get(self, key: tuple[object, ...]) -> object:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def _put(self, key: tuple[object, ...], value: _T) -> _T:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
        return value


class DatabaseToolConf(ToolConfAbstract["FormRequest"]):
    """Registrations looked up by (issuer, client_id) in our database (through the cache)."""

    def __init__(
        self,
        session: Session,
        cache: RegistrationCache,
        private_pem: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self._session = session
        self._cache = cache
        # The tool's private key is only needed to sign (deep linking, service tokens), never
        # to validate a launch; it is loaded on demand.
        self._private_pem = private_pem
        self.found: RegistrationInfo | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> LtiRegistration:
        raise NotImplementedError("registrations are always found by issuer and client_id")

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        raise NotImplementedError("deployments are always found by issuer and client_id")

    def find_registration_by_params(  # type: ignore[override]
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LtiRegistration | None:
        row = self._cache.registration(self._session, iss, client_id)
        self.found = row
        return None if row is None else self.to_lti_registration(row)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        # Deployment checks, with pending approval, are done by ``ToolMessageLaunch``.
        return LtiDeployment().set_deployment_id(deployment_id)

    def to_lti_registration(self, row: RegistrationInfo) -> LtiRegistration:
        registration = (
            LtiRegistration()
            .set_issuer(row.issuer)
            .set_client_id(row.client_id)
            .set_auth_login_url(row.auth_login_url)
            .set_auth_token_url(row.auth_token_url)
            .set_key_set_url(row.keyset_url)
        )
        if self._private_pem is not None:
            registration.set_tool_private_key(self._private_pem())
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration


class FormRequest(LtiRequest):
    """pylti1p3's view of a launch request: its parameters (a POST's form, a GET's query)."""

    def __init__(self, params: Mapping[str, str], secure: bool) -> None:
        self._params = dict(params)
        self._secure = secure

    @classmethod
    def of(cls, request: FlaskHttpRequest) -> FormRequest:
        source = request.form if request.method == "POST" else request.args
        return cls(source.to_dict(), bool(request.is_secure))

    @property
    def params(self) -> dict[str, str]:
        return dict(self._params)

    @property
    def session(self) -> None:
        return None

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str | None:  # type: ignore[override]
        value = self._params.get(key)
        return value if isinstance(value, str) else None


class NoCookies(CookieService):
    """State lives server-side, so pylti1p3 needs no cookie."""

    def get_cookie(self, name: str) -> str | None:
        return None

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        return None


class StoreLaunchDataStorage(LaunchDataStorage[Any]):
    """pylti1p3's launch data storage on our shared state store; ``check_value`` consumes."""

    def __init__(self, store: StateStore, ttl_seconds: int) -> None:
        super().__init__()
        self._store = store
        self._ttl = ttl_seconds

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._store.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._store.put(self._prepare_key(key), value, exp or self._ttl)

    def check_value(self, key: str) -> bool:
        # pylti1p3 checks nonces this way; ours are checked against the login state instead
        # (``ToolMessageLaunch._validate_state``), but a check still consumes the value.
        return self._store.take(self._prepare_key(key)) is not None


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str


def build_login_redirect(
    store: StateStore,
    registration: RegistrationInfo,
    params: dict[str, str | None],
    launch_url: str,
    ttl_seconds: int,
) -> LoginRedirect:
    """Store the state, with its nonce, server-side and build the platform's OIDC auth URL (a GET).

    One row per login: the nonce needs no row of its own, because the launch must present it
    together with the state, which it can take only once.
    """
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    store.put(
        _state_key(state),
        {
            "nonce": nonce,
            "registration_id": registration.id,
            "target_link_uri": params.get("target_link_uri"),
            "deployment_id": params.get("lti_deployment_id"),
            # What a new-window launch needs to start the login again (see lti.binding).
            "login": {
                name: params.get(name)
                for name in ("iss", "login_hint", "lti_message_hint", "client_id")
                if params.get(name)
            },
            "storage_target": params.get("lti_storage_target"),
        },
        ttl_seconds,
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": launch_url,
        "state": state,
        "nonce": nonce,
        "login_hint": params["login_hint"],
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in registration.auth_login_url else "?"
    return LoginRedirect(
        url=registration.auth_login_url + separator + urlencode(query), state=state
    )


def peek_login(store: StateStore, state: str) -> dict[str, Any] | None:
    """The login record of ``state`` without taking it (the launch takes it)."""
    found = store.get(_state_key(state))
    return found if isinstance(found, dict) else None


def _state_key(state: str) -> str:
    return "login-state-" + hashlib.sha256(state.encode()).hexdigest()


def deep_linking_key(launch_id: str) -> str:
    """Where a deep-linking request's claims wait for the tool's response (single use)."""
    return f"deep-linking:{launch_id}"


class ToolMessageLaunch(MessageLaunch[FormRequest, DatabaseToolConf, SessionService, NoCookies]):
    """pylti1p3's launch with our state, nonce, signature and key handling."""

    def __init__(
        self,
        request: FormRequest,
        tool_conf: DatabaseToolConf,
        store: StateStore,
        key_cache: PlatformKeyCache,
        leeway_seconds: int,
        data_ttl_seconds: int,
    ) -> None:
        super().__init__(
            request,
            tool_conf,
            session_service=SessionService(request),
            cookie_service=NoCookies(),
            launch_data_storage=StoreLaunchDataStorage(store, data_ttl_seconds),
            requests_session=_UNUSED_HTTP,
        )
        self._store = store
        self._data_ttl = data_ttl_seconds
        self._key_cache = key_cache
        self._leeway = leeway_seconds
        self._login_state: dict[str, Any] | None = None
        self.claims: dict[str, Any] = {}

    def _get_request_param(self, key: str) -> str | None:  # type: ignore[override]
        return self._request.get_param(key)

    def validate(self) -> ToolMessageLaunch:
        """Validate the launch; every failure becomes a ``LaunchError`` with a clear reason."""
        if self._restored:
            raise LaunchError("invalid_launch", "A restored launch cannot be validated again.")
        self._validated = True
        try:
            self._validate_format()
            self._validate_registration()
            self._validate_signature()
            self._validate_state()
            self._validate_message()
            self.save_launch_data()
        except LtiException as exc:
            self._validated = False
            raise LaunchError("invalid_message", str(exc)) from None
        except Exception:
            self._validated = False
            raise
        self.claims = dict(self._jwt["body"])
        return self

    @property
    def registration_info(self) -> RegistrationInfo:
        row: RegistrationInfo | None = self._tool_config.found
        if row is None:
            raise LaunchError("unknown_registration", "The launch's registration is not known.")
        return row

    def _validate_format(self) -> None:
        if not self._get_request_param("id_token"):
            raise LaunchError("missing_id_token", "The launch carries no id_token.")
        try:
            self.validate_jwt_format()
        except LtiException:
            raise LaunchError("invalid_token", "The id_token is not a readable JWT.") from None
        header = self._jwt.get("header", {})
        body = self._jwt.get("body")
        if not isinstance(body, dict) or not isinstance(header, dict):
            raise LaunchError("invalid_token", "The id_token is not a readable JWT.")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise LaunchError(
                "bad_algorithm",
                f"The id_token is signed with {alg!r}; only asymmetric algorithms "
                f"({', '.join(sorted(ALLOWED_ALGORITHMS))}) are accepted.",
            )
        if not header.get("kid") or not isinstance(header["kid"], str):
            raise LaunchError("invalid_token", "The id_token header names no key (kid).")
        for claim in ("iss", "aud"):
            if not body.get(claim):
                raise LaunchError("missing_claim", f"The id_token has no {claim!r} claim.")
        if not isinstance(body["iss"], str):
            raise LaunchError("invalid_token", "The id_token's 'iss' claim is not a string.")

    def _validate_registration(self) -> None:
        body = self._jwt["body"]
        aud = body["aud"]
        audiences = aud if isinstance(aud, list) else [aud]
        client_id = body.get("azp") if len(audiences) > 1 else audiences[0]
        if not isinstance(client_id, str) or client_id not in audiences:
            raise LaunchError(
                "wrong_audience", "The id_token has several audiences and no matching 'azp'."
            )
        if self._tool_config.find_registration_by_params(body["iss"], client_id) is None:
            raise LaunchError(
                "unknown_registration",
                f"No platform is registered with issuer {body['iss']!r} and client id "
                f"{client_id!r}.",
                status=403,
            )
        self._registration = self._tool_config.to_lti_registration(self.registration_info)

    def _validate_signature(self) -> None:
        header = self._jwt["header"]
        row = self.registration_info
        key = self._key_cache.get_key(row.keyset_url, header["kid"], header["alg"])
        try:
            jwt.decode(
                self._get_id_token(),
                key,
                algorithms=[header["alg"]],
                audience=row.client_id,
                issuer=row.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError:
            raise LaunchError("expired", "The id_token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise LaunchError(
                "not_yet_valid",
                f"The id_token is issued in the future (beyond {self._leeway} s of clock skew); "
                "check the platform's clock.",
            ) from None
        except jwt.InvalidAudienceError:
            raise LaunchError(
                "wrong_audience", "The id_token is not meant for this tool."
            ) from None
        except jwt.InvalidIssuerError:
            raise LaunchError("wrong_issuer", "The id_token's issuer does not match.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise LaunchError(
                "missing_claim", f"The id_token has no {exc.claim!r} claim."
            ) from None
        except jwt.InvalidSignatureError:
            raise LaunchError("bad_signature", "The id_token's signature is not valid.") from None
        except jwt.InvalidTokenError as exc:
            raise LaunchError("invalid_token", f"The id_token is not valid: {exc}.") from None

    def _validate_state(self) -> None:
        state = self._get_request_param("state")
        if not state:
            raise LaunchError("missing_state", "The launch carries no state parameter.")
        # Taken (and committed) once: a replayed id_token finds no state, and an id_token of
        # another login carries another nonce, so the nonce is single-use with its state.
        login = self._store.take(_state_key(state))
        if login is None:
            raise LaunchError(
                "unknown_state",
                "The launch's state is unknown, expired or already used: start the launch again "
                "from the course.",
            )
        nonce = self._jwt["body"].get("nonce")
        if (
            not isinstance(nonce, str)
            or not nonce
            or login.get("nonce") != nonce
            or login.get("registration_id") != self.registration_info.id
        ):
            raise LaunchError(
                "state_mismatch", "The launch's state does not belong to this id_token."
            )
        self._login_state = login

    def _validate_message(self) -> None:
        body = self._jwt["body"]
        if not body.get(CLAIM + "deployment_id"):
            raise LaunchError("missing_claim", "The id_token has no deployment_id claim.")
        if not body.get(CLAIM + "message_type"):
            raise LaunchError("missing_claim", "The id_token has no message_type claim.")
        if body.get(CLAIM + "version") is None:
            raise LaunchError("missing_claim", "The id_token has no LTI version claim.")
        roles = body.get(CLAIM + "roles")
        if roles is not None and (
            not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)
        ):
            raise LaunchError(
                "invalid_message", "The id_token's roles claim is not a list of strings."
            )
        # pylti1p3 reads these claims with ``.get`` and fails with an AttributeError otherwise.
        for name in (CLAIM + "resource_link", DEEP_LINKING_SETTINGS):
            if not isinstance(body.get(name, {}), dict):
                raise LaunchError(
                    "invalid_message",
                    f"The id_token's {name.rsplit('/', 1)[1]} claim is not an object.",
                )
        self.validate_message()

    def save_launch_data(self) -> ToolMessageLaunch:
        """Keep a deep-linking request's claims under the launch id for its response.

        The response needs the request's deep-linking settings, so those launches are stored;
        a resource-link launch is not (nothing reads it back). Its AGS and NRPS endpoints will be
        kept on the context and resource link by the provisioning instead.
        """
        if self._jwt["body"].get(CLAIM + "message_type") == DEEP_LINKING_REQUEST:
            self._store.put(
                deep_linking_key(self._launch_id), dict(self._jwt["body"]), self._data_ttl
            )
        return self
