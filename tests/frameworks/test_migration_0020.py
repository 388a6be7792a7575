"""Migration 0020 (competency frameworks) upgrades and downgrades on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from lti_tool import migrate


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_migration_0020_creates_and_drops_the_framework_tables(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0020")
    assert {"competency_frameworks", "competences"} <= _tables(empty_engine)
    migrate.downgrade(empty_engine, "0019")
    assert not {"competency_frameworks", "competences"} & _tables(empty_engine)
    migrate.upgrade(empty_engine, "0020")
    assert migrate.current_revision(empty_engine) == "0020"
