"""Migration 0014 (roster refreshes, registration claims) upgrades and downgrades on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lti_tool import migrate

TABLES = {"roster_refreshes", "lti_registration_claims"}


def test_migration_0014_upgrades_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0014")
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    migrate.downgrade(empty_engine, "0013")
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine, "0014")
    assert migrate.current_revision(empty_engine) == "0014"
