"""Encryption at rest for secrets the tool must be able to read back (private keys)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(RuntimeError):
    """Stored ciphertext cannot be read with the configured key."""


def _derive_fernet_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lti-journeys key-at-rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


class SecretBox:
    """Fernet (AES-CBC + HMAC) with a key derived from the configured encryption secret."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(_derive_fernet_key(secret))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise DecryptionError(
                "A stored private key cannot be decrypted: LTI_JOURNEYS_KEY_ENCRYPTION_KEY "
                "(or LTI_JOURNEYS_SECRET_KEY when that is unset) differs from the one used to "
                "store it."
            ) from None
