"""SQLAlchemy 2.0 engine and session handling: one session per request, one declarative Base."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, Enum, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from xapi.db import NAMING_CONVENTION, UTCDateTime, utcnow

__all__ = [
    "Base",
    "Database",
    "UTCDateTime",
    "get_database",
    "get_read_session",
    "get_session",
    "init_app",
    "new_key",
    "str_enum",
    "utcnow",
]

# A pooled connection idle for longer than this is pinged before use (see ``build_engine``).
PING_IDLE_SECONDS = 5.0


def new_key() -> str:
    """A stable public key for a row (a UUID): activity IRIs and files refer to it, never the id."""
    return str(uuid.uuid4())


def str_enum(cls: type[StrEnum]) -> Enum:
    """A portable enum column: its values as short strings, no database enum type."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    """Declarative base of every lti_tool table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def build_engine(url: str) -> Engine:
    """An engine tuned for the backend: WAL and foreign keys on SQLite, checked pools on servers.

    Every engine hides bound parameters from its error messages (``hide_parameters``): they hold
    names, e-mail addresses and learners' texts, and error messages end up in logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # Resilience without a round trip per checkout (``pool_pre_ping`` would add one to every
    # request): a connection is pinged when it comes back from more than PING_IDLE_SECONDS in the
    # pool, when a server restart, failover or idle timeout has most likely cut it, and replaced
    # if dead; LIFO keeps the fewest connections busy, so the others idle, get pinged and may be
    # closed by the server harmlessly; none lives longer than pool_recycle. A connection that dies
    # while in steady use fails the one statement that finds out, and SQLAlchemy then discards
    # every connection of the pool older than that moment. (psycopg has no retry of its own.)
    engine = create_engine(
        url,
        pool_size=5,
        max_overflow=10,
        pool_use_lifo=True,
        pool_recycle=1800,
        hide_parameters=True,
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # a new connection, or one in steady use
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool drops this connection and checks out (or opens) another.
            raise DisconnectionError(f"idle connection failed its ping: {exc}") from exc


class Database:
    """The app's engine and session factory, attached with ``init_app``."""

    def __init__(self, url: str) -> None:
        self.engine = build_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Sessions whose statements each commit on their own, for requests that only read.
        self.read_sessionmaker = sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session outside a request (CLI, workers); commits are the caller's."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()


def init_app(app: Flask, url: str) -> Database:
    database = Database(url)
    app.extensions["lti_journeys_db"] = database
    app.teardown_appcontext(_close_request_session)
    return database


def get_database(app: Flask | None = None) -> Database:
    database: Database = (app or current_app).extensions["lti_journeys_db"]
    return database


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get_database().sessionmaker()
    session: Session = g.db_session
    return session


def get_read_session() -> Session:
    """The request's session for views that only read, opened on first use.

    Each statement runs in autocommit mode: a page built from one query costs one round trip (no
    BEGIN, no ROLLBACK at the end); several queries may see different moments. Never write with it.
    """
    if "db_read_session" not in g:
        g.db_read_session = get_database().read_sessionmaker()
    session: Session = g.db_read_session
    return session


def _close_request_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_read_session"):
        session: Session | None = g.pop(name, None)
        if session is not None:
            session.close()
