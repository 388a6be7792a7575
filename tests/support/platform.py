"""A test LMS platform: its own RSA keys, a JWKS served over real HTTP, and id_token signing."""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
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
        # LTI Advantage services: the token URL and a Names and Roles roster of two pages.
        self.token_requests: list[dict[str, str]] = []
        self.roster: list[dict[str, Any]] = []
        self.refuse_tokens = False
        # Assignment and Grade Services: line items by URL, the scores posted, what to answer.
        self.lineitems: list[dict[str, Any]] = []
        self.scores: list[dict[str, Any]] = []
        self.score_requests: list[dict[str, str]] = []
        self.score_status = 200
        # LTI Course Groups Service: the course's groups and group sets; who is in which group
        # is in the roster's members (``group_enrollments``).
        self.groups: list[dict[str, Any]] = []
        self.group_sets: list[dict[str, Any]] = []
        self.group_requests: list[dict[str, str]] = []
        # LTI Dynamic Registration: the OpenID configuration and what registering answers.
        self.product = "moodle"
        self.configuration_overrides: dict[str, Any] = {}
        self.registration_requests: list[dict[str, Any]] = []
        self.registration_deployment_id: str | None = "1"
        self.registration_status = 200
        self._server: ThreadingHTTPServer | None = None

    def reset_services(self) -> None:
        """Forget what the LTI Advantage services were asked and answer normally again."""
        self.token_requests.clear()
        self.refuse_tokens = False
        self.roster = []
        self.lineitems.clear()
        self.scores.clear()
        self.score_requests.clear()
        self.score_status = 200
        self.groups = []
        self.group_sets = []
        self.group_requests.clear()

    # --- the JWKS server ---------------------------------------------------------------------
    @property
    def jwks_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/jwks"

    @property
    def base_url(self) -> str:
        return self.jwks_url.removesuffix("/jwks")

    def start(self) -> None:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self) -> bool:
                if (self.headers.get("Authorization") or "").startswith("Bearer token-"):
                    return True
                self._json(401, {"error": "unauthorized"})
                return False

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path.startswith("/lineitems"):
                    self._post_ags(json.loads(raw or "{}"))
                    return
                if self.path == "/register":
                    self._register(json.loads(raw or "{}"))
                    return
                form = dict(parse_qsl(raw))
                if self.path != "/token":
                    self.send_error(404)
                    return
                platform.token_requests.append(form)
                if platform.refuse_tokens or form.get("grant_type") != "client_credentials":
                    self._json(400, {"error": "invalid_client"})
                    return
                token = f"token-{len(platform.token_requests)}"
                self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

            def _post_ags(self, body: dict[str, Any]) -> None:
                if not self._authorized():
                    return
                path = self.path.split("?", 1)[0]
                if path == "/lineitems":
                    item = {
                        **body,
                        "id": f"{platform.base_url}/lineitems/{len(platform.lineitems) + 1}",
                    }
                    platform.lineitems.append(item)
                    self._json(201, item)
                    return
                if path.endswith("/scores"):
                    platform.score_requests.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("Content-Type", ""),
                            "authorization": self.headers.get("Authorization", ""),
                        }
                    )
                    if platform.score_status >= 300:
                        self._json(platform.score_status, {"error": "refused by the test platform"})
                        return
                    platform.scores.append({**body, "lineitem": path.removesuffix("/scores")})
                    self.send_response(platform.score_status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_error(404)

            def _register(self, body: dict[str, Any]) -> None:
                platform.registration_requests.append(
                    {"body": body, "authorization": self.headers.get("Authorization", "")}
                )
                if platform.registration_status != 200:
                    self._json(platform.registration_status, {"error": "invalid_client_metadata"})
                    return
                tool = dict(body.get(TOOL_CONFIGURATION, {}))
                if platform.registration_deployment_id is not None:
                    tool["deployment_id"] = platform.registration_deployment_id
                self._json(200, {**body, "client_id": platform.client_id, TOOL_CONFIGURATION: tool})

            def do_GET(self) -> None:
                if self.path.startswith("/registration-frame"):
                    # The platform's page around the tool's registration, which it closes on
                    # the tool's "org.imsglobal.lti.close" message.
                    src = dict(parse_qsl(self.path.partition("?")[2]))["src"]
                    page = (
                        "<!doctype html><title>registering</title><script>"
                        "window.addEventListener('message', function (e) {"
                        " if (e.data && e.data.subject === 'org.imsglobal.lti.close') {"
                        " document.title = 'closed'; } });</script>"
                        f'<iframe src="{html.escape(src)}" width="900" height="600"></iframe>'
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if self.path.startswith("/.well-known/openid-configuration"):
                    platform.registration_requests.append(
                        {
                            "configuration": True,
                            "authorization": self.headers.get("Authorization", ""),
                        }
                    )
                    self._json(200, platform.openid_configuration())
                    return
                if self.path.startswith("/lineitems"):
                    if not self._authorized():
                        return
                    query = dict(parse_qsl(self.path.partition("?")[2]))
                    wanted = query.get("resource_link_id")
                    self._json(
                        200,
                        [
                            i
                            for i in platform.lineitems
                            if wanted is None or i.get("resourceLinkId") == wanted
                        ],
                    )
                    return
                if self.path.startswith(("/groups", "/group_sets")):
                    self._get_groups()
                    return
                if self.path.startswith("/nrps"):
                    if not (self.headers.get("Authorization") or "").startswith("Bearer token-"):
                        self._json(401, {"error": "unauthorized"})
                        return
                    half = len(platform.roster) // 2
                    if self.path == "/nrps":
                        link = f'<{platform.base_url}/nrps?page=2>; rel="next"'
                        self._json(200, {"members": platform.roster[:half]}, {"Link": link})
                    else:
                        self._json(200, {"members": platform.roster[half:]})
                    return
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

            def _get_groups(self) -> None:
                platform.group_requests.append(
                    {"path": self.path, "accept": self.headers.get("Accept", "")}
                )
                if not self._authorized():
                    return
                if self.path.startswith("/group_sets"):
                    self._json(
                        200, {"id": platform.base_url + "/group_sets", "sets": platform.group_sets}
                    )
                    return
                # Two pages, as the roster: the second through ``Link: rel="next"``.
                half = len(platform.groups) // 2
                if self.path == "/groups":
                    link = f'<{platform.base_url}/groups?page=2>; rel="next"'
                    body = {"id": platform.base_url + "/groups", "groups": platform.groups[:half]}
                    self._json(200, body, {"Link": link})
                else:
                    self._json(200, {"groups": platform.groups[half:]})

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def openid_configuration(self) -> dict[str, Any]:
        """The platform's OpenID configuration for LTI Dynamic Registration."""
        base = self.base_url
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": base + "/auth",
            "token_endpoint": base + "/token",
            "jwks_uri": base + "/jwks",
            "registration_endpoint": base + "/register",
            "scopes_supported": [
                "openid",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": self.product,
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
                "variables": ["$Canvas.account.name"] if self.product == "canvas" else [],
            },
        }
        document.update(self.configuration_overrides)
        return document

    def groups_service(self) -> dict[str, Any]:
        """The launch claim of the platform's Course Groups Service."""
        return {
            "scope": ["https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly"],
            "context_groups_url": self.base_url + "/groups",
            "context_group_sets_url": self.base_url + "/group_sets",
            "service_versions": ["1.0"],
        }

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
