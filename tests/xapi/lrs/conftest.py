"""LRS fixtures: credentials of two tenants and a client that speaks xAPI over the test client."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.db import get_database
from xapi.lrs.auth import create_credential


@dataclass
class LrsClient:
    """Sends xAPI requests with a credential and a version header."""

    client: FlaskClient
    key: str
    secret: str
    version: str = "1.0.3"
    extra_headers: dict[str, str] = field(default_factory=dict)

    def headers(self, **more: str) -> dict[str, str]:
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": self.version}
        headers.update(self.extra_headers)
        headers.update(more)
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        all_headers = self.headers(**(headers or {}))
        if json_body is not None:
            data = json.dumps(json_body)
            all_headers.setdefault("Content-Type", "application/json")
        return self.client.open(
            "/xapi/" + path.lstrip("/"),
            method=method,
            data=data,
            query_string=params,
            headers=all_headers,
        )

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> TestResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.request("DELETE", path, **kw)


def make_lrs_client(
    app: Flask, tenant: str, scopes: list[str], version: str = "1.0.3"
) -> LrsClient:
    with get_database(app).session() as session:
        credential, secret = create_credential(session, tenant, scopes, "test", "http://tool.test")
        return LrsClient(app.test_client(), credential.key, secret, version)


@pytest.fixture(params=["1.0.3", "2.0.0"])
def lrs(request: pytest.FixtureRequest, app: Flask) -> LrsClient:
    """A client with scope ``all`` in tenant ``t1``, once per xAPI version."""
    return make_lrs_client(app, "t1", ["all"], request.param)


@pytest.fixture
def lrs_other_tenant(app: Flask) -> LrsClient:
    return make_lrs_client(app, "t2", ["all"])
