"""HTTP Basic credentials with xAPI scopes; secrets are random and stored as SHA-256 hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
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
# Checked keys kept per process; unknown keys (anyone can send them) evict each other, not the
# known ones, so a flood of made-up keys neither grows memory nor slows real clients down.
CACHE_ENTRIES = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_KEY = 200


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


_Entry = tuple[float, str, Principal | None]


class _Lru:
    """A least-recently-used map with a maximum number of entries."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._items: OrderedDict[str, _Entry] = OrderedDict()

    def get(self, key: str) -> _Entry | None:
        entry = self._items.get(key)
        if entry is not None:
            self._items.move_to_end(key)
        return entry

    def put(self, key: str, entry: _Entry) -> None:
        self._items[key] = entry
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


class Authenticator:
    """Checks ``Authorization: Basic`` against stored credentials, with a short bounded cache."""

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self._known = _Lru(max_entries)
        self._unknown = _Lru(max_entries)
        self._lock = threading.Lock()

    def cached_keys(self) -> int:
        """How many keys the cache holds, known and unknown."""
        with self._lock:
            return len(self._known) + len(self._unknown)

    def is_cached(self, key: str) -> bool:
        with self._lock:
            return key in self._known

    def _lookup(self, key: str) -> _Entry | None:
        with self._lock:
            return self._known.get(key) or self._unknown.get(key)

    def _store(self, key: str, entry: _Entry) -> None:
        with self._lock:
            if entry[2] is None:
                self._known.pop(key)
                self._unknown.put(key, entry)
            else:
                self._unknown.pop(key)
                self._known.put(key, entry)

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
        if _CONTROL.search(decoded) or len(key) > _MAX_KEY:
            raise UnauthorizedError(
                "The Basic credentials hold a control character or a key longer than "
                f"{_MAX_KEY} characters; use the key and secret the LRS gave you."
            )
        now = time.monotonic()
        cached = self._lookup(key)
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
            self._store(key, cached)
        _, secret_hash, principal = cached
        if principal is None or not hmac.compare_digest(secret_hash, _hash(secret)):
            raise UnauthorizedError("Unknown or revoked LRS credentials.")
        return principal
