"""A test LMS platform: its own RSA keys, a JWKS served over real HTTP, and id_token signing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


class PlatformKey:
    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:12]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk


class TestPlatform:
    """An LTI platform for tests; ``keys`` is what its JWKS endpoint publishes right now."""

    __test__ = False

    def __init__(
        self, issuer: str = "https://lms.example.test", client_id: str = "client-1"
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.deployment_id = "deployment-1"
        self.signing_key = PlatformKey()
        self.keys = [self.signing_key]
        self.jwks_requests = 0
        self._server: ThreadingHTTPServer | None = None

    # --- the JWKS server ---------------------------------------------------------------------
    @property
    def jwks_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/jwks"

    def start(self) -> None:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/jwks":
                    self.send_error(404)
                    return
                platform.jwks_requests += 1
                body = json.dumps({"keys": [k.jwk() for k in platform.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def rotate(self) -> PlatformKey:
        """Start signing with a new key and publish it (the old one stays published)."""
        self.signing_key = PlatformKey()
        self.keys.append(self.signing_key)
        return self.signing_key

    # --- messages ----------------------------------------------------------------------------
    def claims(self, nonce: str, **overrides: Any) -> dict[str, Any]:
        """A valid resource-link launch; ``overrides`` replace claims, ``None`` removes one."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "user-" + uuid.uuid4().hex[:8],
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Maja Lärare",
            "email": "maja@example.test",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": "http://tool.test/lti/launch",
            CLAIM + "roles": [LIS + "membership#Learner"],
            CLAIM + "context": {"id": "course-1", "title": "Digital kompetens", "label": "DK1"},
            CLAIM + "resource_link": {"id": "link-1", "title": "Resan"},
        }
        for key, value in overrides.items():
            full = key if key in body or "://" in key or key in _PLAIN else CLAIM + key
            if value is None:
                body.pop(full, None)
            else:
                body[full] = value
        return body

    def sign(self, claims: dict[str, Any], key: PlatformKey | None = None, **header: Any) -> str:
        key = key or self.signing_key
        headers = {"kid": key.kid, **header}
        return jwt.encode(claims, key.private, algorithm="RS256", headers=headers)


_PLAIN = {
    "iss",
    "aud",
    "sub",
    "iat",
    "exp",
    "nbf",
    "nonce",
    "azp",
    "name",
    "email",
    "given_name",
    "family_name",
}


@contextmanager
def running_platform(**kwargs: Any) -> Iterator[TestPlatform]:
    platform = TestPlatform(**kwargs)
    platform.start()
    try:
        yield platform
    finally:
        platform.stop()
