"""Worker heartbeats: each delivery and passback worker process keeps one row fresh while it runs."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from lti_tool.db import Base, UTCDateTime, utcnow

log = logging.getLogger(__name__)

DELIVERY_WORKER = "xapi-delivery"
PASSBACK_WORKER = "grade-passback"
REMINDERS_WORKER = "reminders"
# A running worker writes at most this often; readiness allows several missed beats.
BEAT_SECONDS = 15.0


class WorkerHeartbeat(Base):
    """The last moment a worker process was seen running its loop."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    pid: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def record_heartbeat(session: Session, name: str, host: str, pid: int, now: datetime) -> None:
    """Insert or refresh the row of one worker process (one statement; the caller commits)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(WorkerHeartbeat).values(
        name=name, host=host, pid=pid, started_at=now, last_seen=now
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["name", "host", "pid"], set_={"last_seen": stmt.excluded.last_seen}
        )
    )


class Heartbeat:
    """Called from a worker's loop: records a beat at most every ``every`` seconds.

    Shared by the threads of one worker process (one row per process). A failed write is logged
    and retried at the next beat: the worker keeps working while the database is away.
    """

    def __init__(
        self, factory: sessionmaker[Session], name: str, every: float = BEAT_SECONDS
    ) -> None:
        self.factory = factory
        self.name = name
        self.every = every
        self.host = socket.gethostname()[:255]
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            moment = time.monotonic()
            if self._last is not None and moment - self._last < self.every:
                return
            try:
                with self.factory() as session:
                    record_heartbeat(session, self.name, self.host, os.getpid(), utcnow())
                    session.commit()
            except Exception:
                log.warning("worker %s could not record its heartbeat", self.name, exc_info=True)
                return
            self._last = moment
