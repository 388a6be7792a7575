"""Shared fixtures: an app per test on SQLite and PostgreSQL, a test platform, launch helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, make_url, text
from werkzeug.test import TestResponse

from config.settings import Settings
from lti_tool import migrate
from lti_tool.app import create_app
from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.services import add_organization
from tests.support.database import (
    POSTGRES_URL,
    drop_test_database,
    postgres_available,
    reset_schema,
    skip_or_fail_without_postgres,
    truncate_all,
)
from tests.support.forms import PageFormClient
from tests.support.platform import TestPlatform, running_platform
from tests.support.xapi_delivery import live_server

TOOL_URL = "http://tool.test"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    reason = postgres_available()
    if reason:
        skip_or_fail_without_postgres(reason)
    engine = create_engine(POSTGRES_URL)
    reset_schema(engine)
    migrate.upgrade(engine)
    engine.dispose()
    yield POSTGRES_URL
    drop_test_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every test that uses the database runs on both backends."""
    fixture = "migrated_sqlite" if request.param == "sqlite" else "migrated_postgres"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(scope="session")
def empty_postgres() -> Iterator[str]:
    """A second PostgreSQL database of this test process, for tests that migrate from nothing.

    Created once and emptied per test by dropping its schema (``reset_schema``): DROP DATABASE
    forces a checkpoint, which takes seconds to minutes on a busy server.
    """
    reason = postgres_available()
    if reason:
        skip_or_fail_without_postgres(reason)
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_empty"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of this test alone (the shared ones stay at the head)."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    else:
        engine = create_engine(request.getfixturevalue("empty_postgres"))
        reset_schema(engine)
    yield engine
    engine.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "secret_key": "test-secret-key-with-enough-length-0123456789",
        "base_url": TOOL_URL,
        "demo_enabled": True,
        "log_level": "WARNING",
        # The test platforms listen on loopback; the tests of the address check turn this off.
        "outbound_allowed_networks": "127.0.0.0/8,::1/128",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app behind a real HTTP server on loopback, for clients that speak HTTP themselves."""
    with live_server(app) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(settings)
    application.instance_path = str(tmp_path / "instance")
    application.config["TESTING"] = True
    # Forms are posted with the form token their page carries, as a browser posts them.
    application.test_client_class = PageFormClient
    yield application
    database = get_database(application)
    truncate_all(database.engine)
    database.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def platform() -> Iterator[TestPlatform]:
    with running_platform() as p:
        yield p


@pytest.fixture
def registration(app: Flask, platform: TestPlatform) -> Registration:
    """The test platform registered for organisation ``org-a`` with one active deployment."""
    with get_database(app).session() as session:
        org = add_organization(session, "org-a", "Organisation A")
        return add_registration(
            session,
            org,
            issuer=platform.issuer,
            client_id=platform.client_id,
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url=platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )


@dataclass
class Login:
    state: str
    nonce: str
    redirect: str


class Launcher:
    """Drives the OIDC flow through the Flask test client, as a platform and browser would."""

    def __init__(self, client: FlaskClient, platform: TestPlatform) -> None:
        self.client = client
        self.platform = platform

    def login(self, method: str = "POST", **params: str) -> Login:
        data = {
            "iss": self.platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": TOOL_URL + "/lti/launch",
            "client_id": self.platform.client_id,
            "lti_deployment_id": self.platform.deployment_id,
            **params,
        }
        if method == "POST":
            response = self.client.post("/lti/login", data=data)
        else:
            response = self.client.get("/lti/login", query_string=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        return Login(state=query["state"], nonce=query["nonce"], redirect=location)

    def post(self, id_token: str | None, state: str | None) -> TestResponse:
        data = {}
        if id_token is not None:
            data["id_token"] = id_token
        if state is not None:
            data["state"] = state
        return self.client.post("/lti/launch", data=data)

    def launch(self, **overrides: Any) -> TestResponse:
        """A full login + launch with claims changed by ``overrides``."""
        login = self.login()
        token = self.platform.sign(self.platform.claims(login.nonce, **overrides))
        return self.post(token, login.state)


@pytest.fixture
def services_platform(
    app: Flask, platform: TestPlatform, registration: Registration
) -> Iterator[TestPlatform]:
    """The test platform with its token URL registered, for its LTI Advantage services, and its
    service state (tokens, roster, line items, scores) fresh."""
    with get_database(app).session() as session:
        row = session.get(Registration, registration.id)
        assert row is not None
        row.auth_token_url = platform.base_url + "/token"
        session.commit()
    platform.reset_services()
    yield platform
    platform.reset_services()


@pytest.fixture
def launcher(client: FlaskClient, platform: TestPlatform, registration: Registration) -> Launcher:
    return Launcher(client, platform)


def session_token(response: TestResponse) -> str:
    """The session token from a successful launch's redirect."""
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"[?&]lt=([^&]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)
