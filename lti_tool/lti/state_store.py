"""Short-lived key/value state shared by every process: login state, nonces, launch data.

The database is the default so a single SQLite file or one PostgreSQL server is enough; Redis is
used when ``LTI_JOURNEYS_REDIS_URL`` is set. ``take`` is atomic on both, which is what makes a
nonce single-use even when two workers receive the same replayed id_token at once.
"""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any, cast

import redis
from sqlalchemy import Table, delete, select
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
    """State in the ``lti_launch_states`` table; each call commits on its own short session.

    Expired rows are deleted every ``purge_every`` writes of a process, so the table stays small
    without a separate job (``lti-journeys lti purge-state`` does the same on demand).
    """

    def __init__(self, factory: sessionmaker[Session], purge_every: int = 1000) -> None:
        self._factory = factory
        self._purge_every = purge_every
        self._writes = 0

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._writes += 1
        if self._writes % self._purge_every == 0:
            self.purge_expired()
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self._factory() as session:
            row: dict[str, Any] = {"key": key, "value": json.dumps(value), "expires_at": expires}
            upsert = _upsert(session.get_bind().dialect.name)
            if upsert is not None:
                # One statement instead of SELECT then INSERT/UPDATE: this is on every launch.
                session.execute(upsert, row)
                session.commit()
                return
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
        with self._factory() as session:
            row = session.scalars(
                select(LaunchState).where(LaunchState.key == key, LaunchState.expires_at > utcnow())
            ).first()
            return None if row is None else json.loads(row.value)

    def take(self, key: str) -> Any | None:
        with self._factory() as session:
            if session.get_bind().dialect.delete_returning:
                # DELETE ... RETURNING takes the value in one atomic statement.
                raw = session.execute(
                    delete(LaunchState)
                    .where(LaunchState.key == key, LaunchState.expires_at > utcnow())
                    .returning(LaunchState.value)
                    .execution_options(synchronize_session=False)
                ).scalar_one_or_none()
                session.commit()
                return None if raw is None else json.loads(raw)
            row = session.scalars(
                select(LaunchState).where(LaunchState.key == key, LaunchState.expires_at > utcnow())
            ).first()
            if row is None:
                return None
            value = json.loads(row.value)
            # The DELETE decides who wins: only one concurrent taker sees a deleted row.
            result = session.execute(delete(LaunchState).where(LaunchState.key == key))
            session.commit()
            return value if result.rowcount == 1 else None  # type: ignore[attr-defined]

    def purge_expired(self) -> int:
        with self._factory() as session:
            result = session.execute(delete(LaunchState).where(LaunchState.expires_at <= utcnow()))
            session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]


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
