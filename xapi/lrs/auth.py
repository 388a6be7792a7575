"""HTTP Basic credentials with xAPI scopes; secrets are random and stored as SHA-256 hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xapi.db import utcnow
from xapi.lrs.errors import BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError
from xapi.lrs.models import Credential

SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)
# A revoked credential stops working within this many seconds on every process.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its credential, tenant, scopes and authority agent."""

    credential_id: int
    key: str
    tenant: str
    scopes: frozenset[str]
    authority: dict[str, Any]

    def can(self, *scopes: str) -> bool:
        return "all" in self.scopes or any(s in self.scopes for s in scopes)

    def require(self, *scopes: str) -> None:
        if not self.can(*scopes):
            raise ForbiddenError(
                f"This credential lacks the scope for this request (needs one of: all, "
                f"{', '.join(scopes)})."
            )


def _hash(secret: str) -> str:
    # Secrets are 32 random bytes, so a fast hash is as strong as a slow one here.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(raw: str) -> list[str]:
    scopes = [s.strip() for s in raw.replace(" ", ",").split(",") if s.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise BadRequestError(
            f"Unknown scope(s) {', '.join(unknown) or '(none given)'}; use any of {', '.join(SCOPES)}."
        )
    return list(dict.fromkeys(scopes))


def create_credential(
    session: Session, tenant: str, scopes: list[str], name: str, homepage: str
) -> tuple[Credential, str]:
    """A new credential; the secret is returned once and only its hash is stored."""
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    credential = Credential(
        key=key,
        secret_hash=_hash(secret),
        tenant=tenant,
        name=name,
        scopes=scopes,
        authority={"objectType": "Agent", "account": {"homePage": homepage, "name": key}},
    )
    session.add(credential)
    session.commit()
    return credential, secret


def list_credentials(session: Session, tenant: str | None = None) -> list[Credential]:
    stmt = select(Credential).order_by(Credential.id)
    if tenant is not None:
        stmt = stmt.where(Credential.tenant == tenant)
    return list(session.scalars(stmt))


def revoke_credential(session: Session, key: str) -> Credential:
    credential = session.scalars(select(Credential).where(Credential.key == key)).first()
    if credential is None:
        raise NotFoundError(f"No LRS credential with key {key!r}.")
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        session.commit()
    return credential


class Authenticator:
    """Checks ``Authorization: Basic`` against stored credentials, with a short cache."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, str, Principal | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, session: Session, header: str | None) -> Principal:
        if not header or not header.startswith("Basic "):
            raise UnauthorizedError(
                "This LRS needs HTTP Basic credentials (Authorization: Basic ...)."
            )
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise UnauthorizedError(
                "The Authorization header is not valid Basic credentials."
            ) from None
        key, _, secret = decoded.partition(":")
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or now - cached[0] > CACHE_SECONDS:
            credential = session.scalars(select(Credential).where(Credential.key == key)).first()
            principal = None
            secret_hash = ""
            if credential is not None and credential.revoked_at is None:
                secret_hash = credential.secret_hash
                principal = Principal(
                    credential_id=credential.id,
                    key=credential.key,
                    tenant=credential.tenant,
                    scopes=frozenset(credential.scopes),
                    authority=credential.authority,
                )
            cached = (now, secret_hash, principal)
            with self._lock:
                self._cache[key] = cached
        _, secret_hash, principal = cached
        if principal is None or not hmac.compare_digest(secret_hash, _hash(secret)):
            raise UnauthorizedError("Unknown or revoked LRS credentials.")
        return principal
