"""Tool key pairs: creation, rotation with a grace period, the published JWKS and signing."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lti_tool.crypto import SecretBox
from lti_tool.db import utcnow
from lti_tool.lti.models import ToolKey


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_pem: str


def generate_key(session: Session, box: SecretBox) -> ToolKey:
    """Create a new RSA-2048 key pair; it becomes the signing key once flushed."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    kid = secrets.token_urlsafe(16)
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    key = ToolKey(
        kid=kid,
        alg="RS256",
        public_jwk=json.dumps(jwk, sort_keys=True),
        private_key_encrypted=box.encrypt(pem),
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key


def published_keys(session: Session, now: datetime | None = None) -> list[ToolKey]:
    """Keys platforms may still see signatures from: current ones and those in their grace period."""
    moment = now or utcnow()
    stmt = (
        select(ToolKey)
        .where(or_(ToolKey.retires_at.is_(None), ToolKey.retires_at > moment))
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
    )
    return list(session.scalars(stmt))


def all_keys(session: Session) -> list[ToolKey]:
    return list(session.scalars(select(ToolKey).order_by(ToolKey.created_at, ToolKey.id)))


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    return {"keys": [json.loads(k.public_jwk) for k in published_keys(session)]}


def ensure_key(session: Session, box: SecretBox) -> ToolKey:
    """The current signing key, created on first use."""
    current = session.scalars(
        select(ToolKey)
        .where(ToolKey.retires_at.is_(None))
        .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())
        .limit(1)
    ).first()
    return current or generate_key(session, box)


def rotate_keys(
    session: Session, box: SecretBox, grace: timedelta
) -> tuple[ToolKey, list[ToolKey]]:
    """Publish a new signing key at once; current keys retire after ``grace``."""
    retiring = list(session.scalars(select(ToolKey).where(ToolKey.retires_at.is_(None))))
    retire_at = utcnow() + grace
    for key in retiring:
        key.retires_at = retire_at
    new_key = generate_key(session, box)
    return new_key, retiring


def signing_key(session: Session, box: SecretBox) -> SigningKey:
    key = ensure_key(session, box)
    return SigningKey(
        kid=key.kid, alg=key.alg, private_pem=_decrypt_cached(box, key.private_key_encrypted)
    )


@lru_cache(maxsize=16)
def _decrypt_cached(box: SecretBox, ciphertext: str) -> str:
    # Decryption is cheap but runs on every launch; ciphertexts are immutable, so caching is safe.
    return box.decrypt(ciphertext)


def key_state(key: ToolKey, now: datetime | None = None) -> str:
    moment = now or utcnow()
    if key.retires_at is None:
        return "active"
    return "retiring" if key.retires_at > moment else "retired"
