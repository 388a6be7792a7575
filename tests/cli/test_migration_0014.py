"""Migration 0014 (roster refreshes, registration claims) upgrades and downgrades on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from lti_tool import migrate

TABLES = {"roster_refreshes", "lti_registration_claims"}


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = migrate.alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def test_migration_0014_upgrades_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0014")
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    _downgrade(empty_engine, "0013")
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine, "0014")
    assert migrate.current_revision(empty_engine) == "0014"
