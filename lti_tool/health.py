"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers and orchestrators.

``/healthz`` answers from the process alone, so a database outage never gets healthy processes
restarted. ``/readyz`` checks what serving needs: the database answers within a short timeout,
its schema is at the code's migration head, and the expected workers have beaten recently.
Reasons name no host, address or credential: the endpoint is public.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from config.settings import Settings
from lti_tool import migrate
from lti_tool.db import get_database, utcnow
from lti_tool.heartbeats import WorkerHeartbeat

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

ENGINE_EXTENSION = "lti_journeys_health_engine"
HEADS_EXTENSION = "lti_journeys_migration_heads"


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, ``ok`` or ``fail``, and why."""

    name: str
    status: str
    reason: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _ok(name: str, reason: str) -> Check:
    return Check(name, "ok", reason)


def _fail(name: str, reason: str) -> Check:
    return Check(name, "fail", reason)


def health_engine(url: str, timeout: float) -> Engine:
    """A pool-less engine whose connections and statements give up after ``timeout`` seconds.

    Separate from the app's pool, so a readiness probe neither waits for a busy pool nor keeps
    a connection from requests.
    """
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        # libpq counts whole seconds (at least 2); the statement timeout is in milliseconds.
        connect_args: dict[str, object] = {
            "connect_timeout": max(2, round(timeout)),
            "options": f"-c statement_timeout={int(timeout * 1000)}",
        }
    elif backend == "sqlite":
        connect_args = {"timeout": timeout}
    else:
        connect_args = {}
    return create_engine(url, poolclass=NullPool, connect_args=connect_args, hide_parameters=True)


def _engine(app: Flask, settings: Settings) -> Engine:
    engine = app.extensions.get(ENGINE_EXTENSION)
    if not isinstance(engine, Engine):
        app_engine = get_database(app).engine
        if app_engine.url.get_backend_name() == "sqlite" and app_engine.url.database in (
            None,
            "",
            ":memory:",
        ):
            # An in-memory database exists only on the app's own connection.
            engine = app_engine
        else:
            engine = health_engine(
                app_engine.url.render_as_string(hide_password=False),
                settings.readiness_timeout_seconds,
            )
        app.extensions[ENGINE_EXTENSION] = engine
    return engine


def _migration_heads(app: Flask, engine: Engine) -> set[str]:
    """The code's migration heads (read once: they change only with a new release)."""
    heads = app.extensions.get(HEADS_EXTENSION)
    if not isinstance(heads, frozenset):
        script = ScriptDirectory.from_config(migrate.alembic_config(engine))
        heads = app.extensions[HEADS_EXTENSION] = frozenset(script.get_heads())
    return set(heads)


def check_migrations(connection: Connection, heads: set[str]) -> Check:
    applied = set(MigrationContext.configure(connection).get_current_heads())
    if applied == heads:
        return _ok("migrations", f"at {', '.join(sorted(heads))}")
    if not applied:
        return _fail("migrations", "the database has no schema: run lti-journeys db upgrade")
    return _fail(
        "migrations",
        f"the database is at {', '.join(sorted(applied))}, the code needs "
        f"{', '.join(sorted(heads))}: run lti-journeys db upgrade",
    )


def check_workers(connection: Connection, settings: Settings) -> Check:
    expected = settings.expected_workers
    if not expected:
        return _ok("workers", "no separate worker expected (LTI_JOURNEYS_READY_WORKERS)")
    now = utcnow()
    rows = connection.execute(
        select(WorkerHeartbeat.name, func.max(WorkerHeartbeat.last_seen))
        .where(WorkerHeartbeat.name.in_(expected))
        .group_by(WorkerHeartbeat.name)
    ).all()
    seen = {name: last for name, last in rows}
    limit = timedelta(seconds=settings.worker_stale_seconds)
    problems: list[str] = []
    for name in expected:
        last = seen.get(name)
        if last is None:
            problems.append(f"{name}: no heartbeat yet")
            continue
        if last.tzinfo is None:  # SQLite returns naive UTC through Core
            last = last.replace(tzinfo=now.tzinfo)
        age = (now - last).total_seconds()
        if now - last > limit:
            problems.append(
                f"{name}: last heartbeat {age:.0f} s ago (limit {limit.total_seconds():.0f} s)"
            )
    if problems:
        return _fail("workers", "; ".join(problems))
    return _ok("workers", f"recent heartbeats from {', '.join(expected)}")


def _guarded(connection: Connection, name: str, check: Callable[[], Check]) -> Check:
    """Run one check; a database error fails it alone (the transaction is rolled back)."""
    try:
        return check()
    except SQLAlchemyError as exc:
        log.warning("readiness: %s check failed: %s", name, exc)
        connection.rollback()
        return _fail(name, "the check's query failed: is the schema migrated?")


def readiness(app: Flask, settings: Settings) -> list[Check]:
    """Every readiness check, in order; the later ones need the database."""
    engine = _engine(app, settings)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            return [
                _ok("database", "answers"),
                _guarded(
                    connection,
                    "migrations",
                    lambda: check_migrations(connection, _migration_heads(app, engine)),
                ),
                _guarded(connection, "workers", lambda: check_workers(connection, settings)),
            ]
    except SQLAlchemyError as exc:
        # The details (host, port, driver message) go to the log, not to the public answer.
        log.warning("readiness: database check failed: %s", exc)
        unchecked = "not checked: the database does not answer"
        return [
            _fail("database", f"does not answer within {settings.readiness_timeout_seconds:g} s"),
            _fail("migrations", unchecked),
            _fail("workers", unchecked),
        ]


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: the process serves requests; nothing else is checked."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: 200 when every check passes, else 503; each check with its reason."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.config["LTI_JOURNEYS_SETTINGS"]
    checks = readiness(app, settings)
    ready = all(check.ok for check in checks)
    response = jsonify(
        {
            "status": "ready" if ready else "not ready",
            "checks": [asdict(check) for check in checks],
        }
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
