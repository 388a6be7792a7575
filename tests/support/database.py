"""Test databases: SQLite always; PostgreSQL when reachable (mandatory when CI asks for it)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

_BASE_URL = make_url(
    os.environ.get(
        "LTI_JOURNEYS_TEST_POSTGRES_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/lti_journeys_test",
    )
)
# One database per test process, so runs side by side (a developer's and CI's) and the parallel
# workers of one run (pytest-xdist: one process each) never collide.
POSTGRES_URL = _BASE_URL.set(database=f"{_BASE_URL.database}_{os.getpid()}").render_as_string(
    hide_password=False
)
REQUIRE_POSTGRES = os.environ.get("LTI_JOURNEYS_REQUIRE_POSTGRES") == "1"


def postgres_available() -> str | None:
    """``None`` when the test database is reachable (created if missing), else the reason."""
    url = make_url(POSTGRES_URL)
    admin = url.set(database="postgres")
    try:
        engine = create_engine(
            admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        engine.dispose()
    except Exception as exc:
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    return None


def drop_test_database() -> None:
    url = make_url(POSTGRES_URL)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    engine.dispose()


def skip_or_fail_without_postgres(reason: str) -> None:
    message = f"PostgreSQL tests need {POSTGRES_URL} ({reason})"
    if REQUIRE_POSTGRES:
        pytest.fail(message + "; LTI_JOURNEYS_REQUIRE_POSTGRES=1 makes them mandatory.")
    pytest.skip(message)


def reset_schema(engine: Engine) -> None:
    """Drop everything so migrations run on an empty database."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def truncate_all(engine: Engine) -> None:
    from lti_tool.db import Base
    from xapi.db import XapiBase

    tables = [t.name for t in reversed(XapiBase.metadata.sorted_tables)]
    tables += [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 (names from metadata)
