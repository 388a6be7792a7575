"""Calling the platform's LTI Advantage services: OAuth2 access tokens and Names and Roles.

Access tokens come from the platform's token URL by ``client_credentials`` with a
``private_key_jwt`` assertion signed by the tool's key, and are kept per registration and scope set
until shortly before they expire. Each registration has its own cache key: on Canvas many client
ids share one issuer, and one organisation's token must never serve another.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Registration
from lti_tool.lti.outbound import HttpError, HttpResponse, OutboundPolicy

# Caps of one roster: a platform cannot make the tool read without end.
MAX_PAGES = 100
MAX_MEMBERS = 20_000
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_TOKEN_BYTES = 64 * 1024
# An access token is kept at most this long, whatever lifetime the platform claims.
MAX_TOKEN_LIFETIME = 24 * 3600
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


class ServiceError(Exception):
    """A platform service could not be used; ``code`` names why, the message says more (logs)."""

    def __init__(self, message: str, code: str = "refused", status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        # The platform's HTTP status when it answered (what logs may show of a refusal).
        self.status = status


def token_lifetime(expires_in: object) -> float:
    """Seconds a token may be kept: a finite number between 120 s and a day, else an hour."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        return 3600.0
    lifetime = float(expires_in)
    if not math.isfinite(lifetime):
        return float(MAX_TOKEN_LIFETIME) if lifetime == math.inf else 120.0
    return min(max(lifetime, 120.0), float(MAX_TOKEN_LIFETIME))


@dataclass(frozen=True)
class ServiceRegistration:
    """What asking a platform for an access token needs of its registration."""

    id: int
    client_id: str
    token_url: str
    audience: str | None

    @classmethod
    def of(cls, registration: Registration) -> ServiceRegistration:
        return cls(
            id=registration.id,
            client_id=registration.client_id,
            token_url=registration.auth_token_url,
            audience=registration.auth_audience,
        )


class AccessTokens:
    """Access tokens per (registration, scopes), reused until 60 s before they expire."""

    def __init__(self, policy: OutboundPolicy | None = None) -> None:
        self._tokens: dict[tuple[int, tuple[str, ...]], tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.policy = policy or OutboundPolicy()

    def get(
        self, registration: ServiceRegistration, scopes: tuple[str, ...], key: SigningKey
    ) -> str:
        cache_key = (registration.id, tuple(sorted(scopes)))
        with self._lock:
            cached = self._tokens.get(cache_key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        now = int(time.time())
        assertion = jwt.encode(
            {
                "iss": registration.client_id,
                "sub": registration.client_id,
                "aud": registration.audience or registration.token_url,
                "iat": now,
                "exp": now + 300,
                "jti": uuid.uuid4().hex,
            },
            key.private_pem,
            algorithm=key.alg,
            headers={"kid": key.kid},
        )
        form = urlencode(
            {
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            }
        )
        try:
            response = self.policy.request(
                "POST",
                registration.token_url,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                body=form.encode(),
                max_bytes=MAX_TOKEN_BYTES,
            )
        except HttpError as exc:
            raise ServiceError(
                "The platform's token URL could not be reached.", "unreachable"
            ) from exc
        body = json_body(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status != 200 or not isinstance(token, str):
            raise ServiceError(
                f"The platform refused an access token (HTTP {response.status}): {reason_of(body)}",
                "token_refused",
                response.status,
            )
        expires = time.monotonic() + token_lifetime(body.get("expires_in", 3600)) - 60
        with self._lock:
            self._tokens[cache_key] = (token, expires)
        return token

    def forget(self, registration_id: int) -> None:
        with self._lock:
            for cache_key in [k for k in self._tokens if k[0] == registration_id]:
                del self._tokens[cache_key]

    def fetch_members(
        self, url: str, token: str, deadline_seconds: float = 120.0
    ) -> list[dict[str, Any]]:
        """Every member of a course from NRPS, following ``Link: rel="next"`` pages.

        Bounded in pages, members, bytes per page and total time, whatever the platform sends.
        """
        members: list[dict[str, Any]] = []
        next_url: str | None = url
        ends = time.monotonic() + deadline_seconds
        for _ in range(MAX_PAGES):
            if next_url is None:
                return members
            left = ends - time.monotonic()
            if left <= 0:
                raise ServiceError("The course roster took too long to fetch.", "unreachable")
            try:
                response = self.policy.request(
                    "GET",
                    next_url,
                    headers={"Authorization": f"Bearer {token}", "Accept": NRPS_MEDIA_TYPE},
                    max_bytes=MAX_PAGE_BYTES,
                    deadline_seconds=min(left, self.policy.limits.deadline_seconds),
                )
            except HttpError as exc:
                code = "too_large" if exc.kind == "too_large" else "unreachable"
                raise ServiceError("The course roster could not be fetched.", code) from exc
            body = json_body(response)
            if response.status != 200 or not isinstance(body, dict):
                raise ServiceError(
                    f"The platform refused the course roster (HTTP {response.status}): "
                    f"{reason_of(body)}",
                    "refused",
                    response.status,
                )
            page = body.get("members")
            if isinstance(page, list):
                members.extend(m for m in page if isinstance(m, dict))
            if len(members) > MAX_MEMBERS:
                raise ServiceError(
                    f"The course roster has more than {MAX_MEMBERS} members.", "too_large"
                )
            next_url = response.next_link
        raise ServiceError(f"The course roster has more than {MAX_PAGES} pages.", "too_large")


def json_body(response: HttpResponse) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def reason_of(body: Any) -> str:
    if isinstance(body, dict):
        for field in ("error_description", "error", "message"):
            if isinstance(body.get(field), str):
                return str(body[field])[:300]
    return "no reason given"
