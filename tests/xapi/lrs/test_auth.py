"""LRS credentials: the cache of checked keys stays bounded, whatever keys callers send."""

from __future__ import annotations

import base64

import pytest
from flask import Flask

from lti_tool.db import get_database
from tests.xapi.lrs.conftest import LrsClient
from xapi.lrs.auth import Authenticator, create_credential
from xapi.lrs.errors import UnauthorizedError


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_authenticator_keeps_a_bounded_cache_of_unknown_keys(app: Flask) -> None:
    authenticator = Authenticator(max_entries=16)
    with get_database(app).session() as session:
        for number in range(200):
            with pytest.raises(UnauthorizedError):
                authenticator.authenticate(session, _basic(f"unknown-{number}", "x"))
    assert authenticator.cached_keys() <= 16


def test_authenticator_keeps_known_keys_when_unknown_ones_flood_it(app: Flask) -> None:
    authenticator = Authenticator(max_entries=16)
    with get_database(app).session() as session:
        credential, secret = create_credential(session, "t1", ["all"], "test", "http://t.test")
        authenticator.authenticate(session, _basic(credential.key, secret))
        for number in range(200):
            with pytest.raises(UnauthorizedError):
                authenticator.authenticate(session, _basic(f"unknown-{number}", "x"))
        assert authenticator.is_cached(credential.key)
        assert authenticator.authenticate(session, _basic(credential.key, secret)).tenant == "t1"


def test_authenticator_refuses_a_key_with_control_characters(lrs: LrsClient) -> None:
    response = lrs.client.get(
        "/xapi/statements",
        headers={"Authorization": _basic("a\x00b", "x"), "X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 401
    assert "control character" in response.get_json()["message"]
