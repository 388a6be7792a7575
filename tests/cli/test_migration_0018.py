"""Migration 0018 (journey visits) upgrades and downgrades on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, make_url, text

from lti_tool import migrate
from tests.support.database import POSTGRES_URL, postgres_available, skip_or_fail_without_postgres

TABLES = {"journey_visits"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of this test alone."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()
        return
    reason = postgres_available()
    if reason:
        skip_or_fail_without_postgres(reason)
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_m0018"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    server.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = migrate.alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def test_migration_0018_upgrades_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0018")
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    _downgrade(empty_engine, "0015")
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine, "0018")
    assert migrate.current_revision(empty_engine) == "0018"
