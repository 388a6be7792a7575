"""Migration 0019 (the reason of a failed roster fetch) upgrades and downgrades on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lti_tool import migrate


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("roster_refreshes")}


def test_migration_0019_adds_and_drops_the_roster_error_column(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0019")
    assert "error" in _columns(empty_engine)
    migrate.downgrade(empty_engine, "0018")
    assert "error" not in _columns(empty_engine)
    migrate.upgrade(empty_engine, "0019")
    assert migrate.current_revision(empty_engine) == "0019"
