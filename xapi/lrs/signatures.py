"""Signed statements (xAPI part 2, 2.6): a JWS over the statement, sent as an attachment."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import jwt
from cryptography import x509

from xapi.lrs.errors import BadRequestError
from xapi.lrs.statement_store import comparable

ALGORITHMS = ("RS256", "RS384", "RS512")


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_signature(statement: dict[str, Any], signature: bytes, path: str = "statement") -> None:
    """Check the JWS: RS256/384/512, a JSON payload matching the statement, valid if x5c given."""
    try:
        token = signature.decode("ascii").strip()
        header_segment, payload_segment, _ = token.split(".")
        header = json.loads(_b64(header_segment))
        payload = json.loads(_b64(payload_segment))
    except (UnicodeDecodeError, ValueError, binascii.Error):
        raise BadRequestError(
            f"The signature of {path} is not a JWS in compact serialization with a JSON payload."
        ) from None
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        alg = header.get("alg") if isinstance(header, dict) else None
        raise BadRequestError(
            f"The signature of {path} must use RS256, RS384 or RS512, not {alg!r}."
        )
    if not isinstance(payload, dict):
        raise BadRequestError(f"The signature payload of {path} must be a statement object.")
    chain = header.get("x5c")
    if chain is not None:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            jwt.PyJWS().decode(token, key=certificate.public_key(), algorithms=[header["alg"]])  # type: ignore[arg-type]
        except (ValueError, TypeError, IndexError, KeyError, jwt.PyJWTError):
            raise BadRequestError(
                f"The signature of {path} does not verify against the certificate in its x5c header."
            ) from None
    if comparable(payload, reference=payload, attachments=False) != comparable(
        statement, reference=payload, attachments=False
    ):
        raise BadRequestError(f"The signature payload of {path} does not match the statement.")
