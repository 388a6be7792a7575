"""Short-lived key/value state shared by every process: login state (with its nonce), launch data.

The database is the default so a single SQLite file or one PostgreSQL server is enough; Redis is
used when ``LTI_JOURNEYS_REDIS_URL`` is set. ``take`` is atomic on both, which is what makes a
login state (and so its nonce) single-use even when two workers receive the same replayed
id_token at once.
"""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any, cast

import redis
from sqlalchemy import Table, and_, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from lti_tool.db import utcnow
from lti_tool.lti.models import LaunchState


@functools.cache
def _upsert(dialect: str) -> Executable | None:
    """INSERT ... ON CONFLICT DO UPDATE of one row, on the dialects ``build_engine`` supports."""
    table = cast(Table, LaunchState.__table__)
    if dialect == "postgresql":
        pg = postgresql_insert(table)
        return pg.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": pg.excluded.value, "expires_at": pg.excluded.expires_at},
        )
    if dialect == "sqlite":
        lite = sqlite_insert(table)
        return lite.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": lite.excluded.value, "expires_at": lite.excluded.expires_at},
        )
    return None


class StateStore(ABC):
    """Expiring JSON values by key."""

    @abstractmethod
    def put(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    @abstractmethod
    def get(self, key: str) -> Any | None: ...

    @abstractmethod
    def take(self, key: str) -> Any | None:
        """Return the value and delete it atomically; ``None`` if absent, expired or taken."""


class DatabaseStateStore(StateStore):
    """State in the ``lti_launch_states`` table: each call is one autocommitted statement.

    Every call runs on a pooled connection of its own in autocommit mode, never in a caller's
    transaction: one round trip instead of BEGIN, statement and COMMIT, and a ``take`` is committed
    (the value gone for every other process) before it returns, whatever the caller does next.
    Expired rows are deleted every ``purge_every`` writes of a process, so the table stays small
    without a separate job (``lti-journeys lti purge-state`` does the same on demand).
    """

    def __init__(self, factory: sessionmaker[Session], purge_every: int = 1000) -> None:
        self._factory = factory
        with factory() as session:  # only to learn the engine: no connection is made
            engine = session.get_bind().engine
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._purge_every = purge_every
        self._writes = 0

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._writes += 1
        if self._writes % self._purge_every == 0:
            self.purge_expired()
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        row: dict[str, Any] = {"key": key, "value": json.dumps(value), "expires_at": expires}
        upsert = _upsert(self._engine.dialect.name)
        if upsert is not None:
            # One statement instead of SELECT then INSERT/UPDATE: this is on every login.
            with self._engine.connect() as conn:
                conn.execute(upsert, row)
            return
        with self._factory() as session:
            existing = session.get(LaunchState, key)
            if existing is None:
                session.add(LaunchState(**row))
            else:
                existing.value = row["value"]
                existing.expires_at = expires
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise

    def get(self, key: str) -> Any | None:
        with self._engine.connect() as conn:
            raw = conn.execute(_SELECT, {"key": key, "now": utcnow()}).scalar_one_or_none()
        return None if raw is None else json.loads(raw)

    def take(self, key: str) -> Any | None:
        params = {"key": key, "now": utcnow()}
        with self._engine.connect() as conn:
            if conn.dialect.delete_returning:
                # DELETE ... RETURNING takes the value in one atomic statement.
                raw = conn.execute(_TAKE, params).scalar_one_or_none()
                return None if raw is None else json.loads(raw)
            raw = conn.execute(_SELECT, params).scalar_one_or_none()
            if raw is None:
                return None
            # The DELETE decides who wins: only one concurrent taker sees a deleted row.
            deleted = conn.execute(_DELETE, params).rowcount
            return json.loads(raw) if deleted == 1 else None

    def purge_expired(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(_PURGE, {"now": utcnow()}).rowcount)


_STATES = cast(Table, LaunchState.__table__)
_LIVE = and_(_STATES.c.key == bindparam("key"), _STATES.c.expires_at > bindparam("now"))
_SELECT = select(_STATES.c.value).where(_LIVE)
_TAKE = delete(_STATES).where(_LIVE).returning(_STATES.c.value)
_DELETE = delete(_STATES).where(_STATES.c.key == bindparam("key"))
_PURGE = delete(_STATES).where(_STATES.c.expires_at <= bindparam("now"))


class RedisStateStore(StateStore):
    """State in Redis with native expiry; ``GETDEL`` makes ``take`` atomic."""

    def __init__(self, url: str, prefix: str = "lti-journeys:state:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), ex=ttl_seconds)

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def take(self, key: str) -> Any | None:
        raw = self._redis.getdel(self._prefix + key)
        return None if raw is None else json.loads(raw)
