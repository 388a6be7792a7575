"""Liveness answers from the process alone; readiness checks the database, its migrations and the
workers' heartbeats, and says which check failed and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url

from lti_tool import migrate
from lti_tool.app import create_app
from lti_tool.db import get_database, utcnow
from lti_tool.heartbeats import (
    DELIVERY_WORKER,
    PASSBACK_WORKER,
    WorkerHeartbeat,
    record_heartbeat,
)
from tests.conftest import make_settings
from tests.support.database import POSTGRES_URL, postgres_available

# Nothing listens on port 1: connections are refused at once.
CLOSED_PORT_URL = "postgresql+psycopg://lti:s3cret-pw@127.0.0.1:1/lti_journeys"


def _beat(app: Flask, name: str, age_seconds: float = 0.0) -> None:
    with get_database(app).session() as session:
        record_heartbeat(session, name, "host-a", 4242, utcnow() - timedelta(seconds=age_seconds))
        session.commit()


def _checks(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in body["checks"]}


@pytest.fixture
def beating(app: Flask) -> Iterator[Flask]:
    """The app with both workers' heartbeats fresh; the rows are removed afterwards."""
    _beat(app, DELIVERY_WORKER)
    _beat(app, PASSBACK_WORKER)
    yield app
    with get_database(app).session() as session:
        session.execute(delete(WorkerHeartbeat))
        session.commit()


@pytest.fixture
def unreachable_app(tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_settings(CLOSED_PORT_URL, readiness_timeout_seconds=2))
    application.instance_path = str(tmp_path / "instance")
    yield application
    get_database(application).engine.dispose()


def test_healthz_is_ok_while_the_database_is_unreachable(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_database_migrations_and_fresh_heartbeats(beating: Flask) -> None:
    response = beating.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert {name: c["status"] for name, c in _checks(body).items()} == {
        "database": "ok",
        "migrations": "ok",
        "workers": "ok",
    }


def test_readyz_is_503_when_the_database_is_unreachable(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    checks = _checks(body)
    assert checks["database"]["status"] == "fail"
    assert "does not answer" in checks["database"]["reason"]
    assert checks["migrations"]["status"] == checks["workers"]["status"] == "fail"


def test_readyz_names_no_address_or_credential_of_the_database(unreachable_app: Flask) -> None:
    text_body = unreachable_app.test_client().get("/readyz").get_data(as_text=True)
    for secret in ("s3cret-pw", "127.0.0.1", "lti_journeys", "psycopg", "lti@"):
        assert secret not in text_body


def test_readyz_is_503_when_the_database_was_dropped(tmp_path: Path) -> None:
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    url = make_url(POSTGRES_URL).set(database=make_url(POSTGRES_URL).database + "_dropped")
    admin = create_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    application = create_app(make_settings(url.render_as_string(hide_password=False)))
    try:
        client = application.test_client()
        empty = _checks(client.get("/readyz").get_json())
        assert empty["database"]["status"] == "ok"
        assert "no schema" in empty["migrations"]["reason"]
        get_database(application).engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
        response = client.get("/readyz")
        assert response.status_code == 503
        assert _checks(response.get_json())["database"]["status"] == "fail"
    finally:
        get_database(application).engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def test_readyz_is_503_when_migrations_are_behind(beating: Flask) -> None:
    engine = get_database(beating).engine
    head = migrate.head_revision(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    try:
        response = beating.test_client().get("/readyz")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    check = _checks(response.get_json())["migrations"]
    assert check["status"] == "fail"
    assert "0011" in check["reason"] and "lti-journeys db upgrade" in check["reason"]


def test_readyz_is_503_when_a_workers_heartbeat_is_stale(beating: Flask) -> None:
    with get_database(beating).session() as session:
        session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.name == PASSBACK_WORKER)
            .values(last_seen=utcnow() - timedelta(seconds=600))
        )
        session.commit()
    response = beating.test_client().get("/readyz")
    assert response.status_code == 503
    check = _checks(response.get_json())["workers"]
    assert check["status"] == "fail"
    assert PASSBACK_WORKER in check["reason"] and "limit 180 s" in check["reason"]
    assert DELIVERY_WORKER not in check["reason"]


def test_readyz_is_503_when_an_expected_worker_never_beat(app: Flask) -> None:
    _beat(app, DELIVERY_WORKER)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert (
        f"{PASSBACK_WORKER}: no heartbeat yet" in _checks(response.get_json())["workers"]["reason"]
    )


def test_readyz_expects_no_worker_when_none_is_named(database_url: str) -> None:
    application = create_app(make_settings(database_url, ready_workers=""))
    try:
        response = application.test_client().get("/readyz")
        assert response.status_code == 200
        assert _checks(response.get_json())["workers"]["status"] == "ok"
    finally:
        get_database(application).engine.dispose()


def test_readyz_expects_no_worker_when_the_server_delivers_from_its_threads(
    database_url: str,
) -> None:
    # The threads run in the serving process, which is then ready or not by itself.
    assert make_settings(database_url, delivery_thread=True).expected_workers == ()


def test_ready_workers_setting_names_the_expected_workers(database_url: str) -> None:
    assert make_settings(database_url).expected_workers == (DELIVERY_WORKER, PASSBACK_WORKER)
    assert make_settings(database_url, ready_workers="").expected_workers == ()
    assert make_settings(database_url, ready_workers=" xapi-delivery ").expected_workers == (
        DELIVERY_WORKER,
    )


def test_readyz_checks_an_in_memory_database_on_the_apps_own_connection() -> None:
    application = create_app(make_settings("sqlite://", ready_workers=""))
    engine = get_database(application).engine
    migrate.upgrade(engine)
    try:
        response = application.test_client().get("/readyz")
        assert response.status_code == 200, response.get_json()
    finally:
        engine.dispose()
