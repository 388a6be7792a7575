"""Migration 0021 (organisations' smallest group shown) upgrades and downgrades on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lti_tool import migrate


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("organizations")}


def test_migration_0021_gives_existing_organisations_five(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0020")
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (slug, name, xapi_pseudonymise, xapi_include_identity, "
                "xapi_pseudonym_key, created_at) VALUES ('a', 'A', false, false, :key, :now)"
            ),
            {"key": b"k" * 32, "now": "2026-12-07 19:00:00"},
        )
    migrate.upgrade(empty_engine, "0021")
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT privacy_min_group FROM organizations")).scalar() == 5


def test_migration_0021_refuses_a_threshold_outside_two_to_a_hundred(
    empty_engine: Engine,
) -> None:
    migrate.upgrade(empty_engine, "0021")
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (slug, name, xapi_pseudonymise, xapi_include_identity, "
                "xapi_pseudonym_key, privacy_min_group, created_at) "
                "VALUES ('a', 'A', false, false, :key, 1, :now)"
            ),
            {"key": b"k" * 32, "now": "2026-12-07 19:00:00"},
        )


def test_migration_0021_adds_and_drops_the_column(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0021")
    assert "privacy_min_group" in _columns(empty_engine)
    migrate.downgrade(empty_engine, "0020")
    assert "privacy_min_group" not in _columns(empty_engine)
    migrate.upgrade(empty_engine, "0021")
    assert migrate.current_revision(empty_engine) == "0021"
