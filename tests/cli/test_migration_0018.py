"""Migration 0018 (journey visits) upgrades and downgrades on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lti_tool import migrate

TABLES = {"journey_visits"}


def test_migration_0018_upgrades_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0018")
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    migrate.downgrade(empty_engine, "0015")
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine, "0018")
    assert migrate.current_revision(empty_engine) == "0018"
