"""Worker heartbeats: the delivery and passback loops keep one row per process fresh, and migration
0015 adds and removes their table."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Engine, create_engine, inspect, select, update
from sqlalchemy.orm import sessionmaker

from lti_tool import migrate
from lti_tool.cli.lti import passback_worker
from lti_tool.cli.xapi import delivery_runner
from lti_tool.db import get_database, utcnow
from lti_tool.heartbeats import DELIVERY_WORKER, PASSBACK_WORKER, Heartbeat, WorkerHeartbeat
from lti_tool.lti.passback import PassbackRunner


def _heartbeats(app: Flask, name: str) -> list[WorkerHeartbeat]:
    with get_database(app).session() as session:
        return list(session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.name == name)))


def _wait_for_heartbeat(app: Flask, name: str) -> list[WorkerHeartbeat]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = _heartbeats(app, name)
        if rows:
            return rows
        time.sleep(0.05)
    return []


def test_delivery_worker_loop_records_a_heartbeat(app: Flask) -> None:
    runner = delivery_runner(app)
    runner.start()
    try:
        rows = _wait_for_heartbeat(app, DELIVERY_WORKER)
    finally:
        runner.stop()
        runner.join(5)
    assert [(row.pid, row.host != "") for row in rows] == [(os.getpid(), True)]


def test_passback_worker_loop_records_a_heartbeat(app: Flask) -> None:
    runner = PassbackRunner(passback_worker(app))
    runner.start_once()
    try:
        rows = _wait_for_heartbeat(app, PASSBACK_WORKER)
    finally:
        runner.stop()
        runner.join(5)
    assert [row.pid for row in rows] == [os.getpid()]


def test_heartbeat_writes_at_most_once_per_interval(app: Flask) -> None:
    factory = get_database(app).sessionmaker
    beat = Heartbeat(factory, "test-worker", every=60)
    beat()
    old = utcnow() - timedelta(seconds=300)
    with factory() as session:
        session.execute(update(WorkerHeartbeat).values(last_seen=old))
        session.commit()
    beat()  # within the interval: nothing written
    [row] = _heartbeats(app, "test-worker")
    assert abs((row.last_seen - old).total_seconds()) < 1


def test_heartbeat_outlives_an_unreachable_database(caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine("postgresql+psycopg://lti@127.0.0.1:1/lti_journeys")
    try:
        Heartbeat(sessionmaker(engine), DELIVERY_WORKER)()
    finally:
        engine.dispose()
    assert "could not record its heartbeat" in caplog.text


def test_worker_heartbeats_migration_upgrades_and_downgrades(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0015")
    assert "worker_heartbeats" in inspect(empty_engine).get_table_names()
    config = migrate.alembic_config(empty_engine)
    previous = str(ScriptDirectory.from_config(config).get_revision("0015").down_revision)
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, previous)
    assert "worker_heartbeats" not in inspect(empty_engine).get_table_names()
    assert migrate.current_revision(empty_engine) == previous
    migrate.upgrade(empty_engine, "0015")
    assert "worker_heartbeats" in inspect(empty_engine).get_table_names()
