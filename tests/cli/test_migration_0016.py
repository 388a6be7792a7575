"""Migration 0016 (school unit codes) upgrades and downgrades on both backends, keeping units."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from lti_tool import migrate


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("units")}


def _add_unit(engine: Engine, unit_id: int, name: str, code: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO units (id, organization_id, name, school_unit_code, created_at) "
                "VALUES (:id, 1, :name, :code, CURRENT_TIMESTAMP)"
            ),
            {"id": unit_id, "name": name, "code": code},
        )


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (id, slug, name, xapi_pseudonymise, "
                "xapi_include_identity, created_at) "
                "VALUES (1, 'norrstad', 'Norrstad', false, false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO units (id, organization_id, name, created_at) "
                "VALUES (1, 1, 'Norrskolan', CURRENT_TIMESTAMP)"
            )
        )


def test_migration_0016_adds_the_code_and_keeps_existing_units(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0015")
    _seed(empty_engine)
    migrate.upgrade(empty_engine, "0016")
    assert "school_unit_code" in _columns(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT name, school_unit_code FROM units")).all()
    assert [tuple(r) for r in rows] == [("Norrskolan", None)]


def test_migration_0016_code_is_unique_per_organisation_when_set(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0016")
    _seed(empty_engine)
    _add_unit(empty_engine, 2, "Södra skolan", None)  # a second unit without a code
    _add_unit(empty_engine, 3, "Västra skolan", "12345678")
    with pytest.raises(IntegrityError):
        _add_unit(empty_engine, 4, "Östra skolan", "12345678")


def test_migration_0016_downgrades_and_upgrades_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0016")
    _seed(empty_engine)
    migrate.downgrade(empty_engine, "0015")
    assert "school_unit_code" not in _columns(empty_engine)
    migrate.upgrade(empty_engine, "0016")
    assert migrate.current_revision(empty_engine) == "0016"
    assert "school_unit_code" in _columns(empty_engine)
