"""Short-lived signed session tokens that let launched pages work without any cookie.

A token is bound to one person, context and resource link, and travels in links (``lt`` query
parameter), forms (hidden ``lt`` field) and fetches (``Authorization: Bearer``). A cookie with the
same token may be used in addition where the browser allows it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field, replace

import jwt

from lti_tool.lti.errors import SessionTokenError

AUDIENCE = "lti-journeys/session"
ALGORITHM = "HS256"
PARAM = "lt"
COOKIE = "ltij_session"


@dataclass(frozen=True)
class LaunchIdentity:
    """Who is using the tool, where, and as what; read from a verified session token."""

    person_id: int
    organization_id: int
    registration_id: int
    context_id: int | None
    resource_link_id: int | None
    roles: tuple[str, ...]
    launch_id: str
    locale: str | None = None
    journey_slug: str | None = None
    expires_at: int = field(default=0, compare=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def _derive_key(secret_key: str, purpose: bytes = b"lti-journeys session token") -> bytes:
    # A key of its own per purpose, so a token can never be confused with anything else the
    # secret signs.
    return hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()


class SessionTokens:
    """Issues and verifies session tokens with a key derived from the app's secret key."""

    def __init__(self, secret_key: str, issuer: str, ttl_seconds: int) -> None:
        self._key = _derive_key(secret_key)
        self._form_key = _derive_key(secret_key, b"lti-journeys form token")
        self._issuer = issuer
        self._ttl = ttl_seconds

    def issue(self, identity: LaunchIdentity) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + self._ttl,
            "sub": str(identity.person_id),
            "org": identity.organization_id,
            "reg": identity.registration_id,
            "ctx": identity.context_id,
            "rl": identity.resource_link_id,
            "roles": list(identity.roles),
            "lid": identity.launch_id,
            "loc": identity.locale,
            "jny": identity.journey_slug,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> LaunchIdentity:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise SessionTokenError(
                "session_expired",
                "Your session has expired. Open the tool again from your course.",
            ) from None
        except jwt.InvalidTokenError:
            raise SessionTokenError(
                "session_invalid",
                "This page needs a valid session. Open the tool again from your course.",
            ) from None
        return LaunchIdentity(
            person_id=int(claims["sub"]),
            organization_id=int(claims["org"]),
            registration_id=int(claims["reg"]),
            context_id=claims.get("ctx"),
            resource_link_id=claims.get("rl"),
            roles=tuple(claims.get("roles") or ()),
            launch_id=str(claims.get("lid") or ""),
            locale=claims.get("loc"),
            journey_slug=claims.get("jny"),
            expires_at=int(claims["exp"]),
        )

    def form_token(self, identity: LaunchIdentity) -> str:
        """The anti-forgery token of this launch's forms (the same for every token it issues)."""
        # Bound to the launch, not to one session token: a fresh token for another language
        # keeps the forms of pages already open valid.
        bound = f"{identity.launch_id}|{identity.person_id}|{identity.organization_id}"
        return hmac.new(self._form_key, bound.encode(), hashlib.sha256).hexdigest()

    def form_token_matches(self, identity: LaunchIdentity, candidate: str) -> bool:
        """Whether ``candidate`` is this launch's form token (compared in constant time)."""
        return bool(identity.launch_id) and hmac.compare_digest(
            self.form_token(identity), candidate
        )

    def with_locale(self, identity: LaunchIdentity, locale: str) -> str:
        """A fresh token for the same launch with another interface language."""
        return self.issue(replace(identity, locale=locale))
