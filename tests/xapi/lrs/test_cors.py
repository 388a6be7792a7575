"""CORS on the LRS: browsers' xAPI clients authenticate with headers, never with cookies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from lti_tool.app import create_app
from lti_tool.db import get_database
from tests.conftest import make_settings
from tests.support.database import truncate_all
from tests.xapi.lrs.conftest import LrsClient, make_lrs_client

ORIGIN = "https://h5p.example.se"
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type, x-experience-api-version",
}


@pytest.fixture
def listed_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app whose LRS allows browser pages of one origin only."""
    application = create_app(make_settings(database_url, lrs_cors_origins=ORIGIN))
    application.instance_path = str(tmp_path / "instance")
    yield application
    database = get_database(application)
    truncate_all(database.engine)
    database.engine.dispose()


def test_cors_preflight_allows_any_origin_without_credentials(app: Flask) -> None:
    response = app.test_client().options("/xapi/statements", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


def test_cors_actual_request_never_allows_credentials(lrs: LrsClient) -> None:
    response = lrs.get("statements", headers={"Origin": "https://evil.example.test"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_allow_list_names_a_listed_origin(listed_app: Flask) -> None:
    lrs = make_lrs_client(listed_app, "t1", ["all"])
    preflight = listed_app.test_client().options("/xapi/statements", headers=PREFLIGHT)
    actual = lrs.get("statements", headers={"Origin": ORIGIN})
    for response in (preflight, actual):
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Origin" in response.headers["Vary"]
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_allow_list_refuses_an_unlisted_origin(listed_app: Flask) -> None:
    lrs = make_lrs_client(listed_app, "t1", ["all"])
    other = {**PREFLIGHT, "Origin": "https://evil.example.test"}
    preflight = listed_app.test_client().options("/xapi/statements", headers=other)
    actual = lrs.get("statements", headers={"Origin": "https://evil.example.test"})
    for response in (preflight, actual):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
