"""The transactional outbox: statements are queued for external LRSs in the caller's transaction.

``enqueue`` adds one row per statement and matching target to the caller's session and never
commits, so a request that rolls back queues nothing and one that commits has queued everything.
The delivery worker (``xapi.delivery``) sends the rows later. Each statement carries its final
``id``, so sending it again after a failure is idempotent at the LRS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from xapi.db import UTCDateTime, utcnow
from xapi.delivery_models import DEAD, PENDING, LrsTarget, OutboxEntry
from xapi.lrs.models import Statement
from xapi.targets import TargetFilter, activity_ids

OUTBOX: Table = OutboxEntry.__table__  # type: ignore[assignment]
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Properties an LRS assigns itself; a statement replayed from the embedded store goes without them.
LRS_ASSIGNED = ("stored", "authority", "version")
REPLAY_CHUNK = 1000


def dumps(statement: dict[str, Any]) -> str:
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))


_INSERTS: dict[str, Insert] = {}


def insert_ignoring_duplicates(session: Session) -> Insert:
    """INSERT into the outbox that skips a (target, statement) already queued."""
    name = session.get_bind().dialect.name
    insert = _INSERTS.get(name)
    if insert is None:
        if name == "postgresql":
            insert = postgresql.insert(OUTBOX).on_conflict_do_nothing(
                index_elements=["target_id", "statement_id"]
            )
        elif name == "sqlite":
            insert = sqlite.insert(OUTBOX).on_conflict_do_nothing(
                index_elements=["target_id", "statement_id"]
            )
        else:  # pragma: no cover
            raise RuntimeError(f"The outbox does not support the {name} database.")
        _INSERTS[name] = insert
    return insert


# enqueue: the routing and the insert in one statement, so a request pays a single round trip
# and always sees the targets as they are. The conditions are TargetFilter.matches in SQL: the
# tenant's own targets and those for every tenant; a verb list (when not empty) must hold the
# verb; an activity prefix list (when not empty) must prefix one of the statement's activities.
_ENQUEUE_SQL = {
    "postgresql": """
INSERT INTO xapi_outbox (target_id, tenant, statement_id, payload, state, attempts, created_at)
SELECT t.id, CAST(:tenant AS varchar), CAST(:statement_id AS varchar), CAST(:payload AS text),
       'pending', 0, :created_at
FROM xapi_targets AS t
WHERE (t.tenant = CAST(:tenant AS varchar) OR t.tenant IS NULL)
  AND CASE WHEN jsonb_typeof(t.verbs) = 'array' AND jsonb_array_length(t.verbs) > 0
      THEN EXISTS (SELECT 1 FROM jsonb_array_elements_text(t.verbs) AS v(value)
                   WHERE v.value = CAST(:verb AS text))
      ELSE true END
  AND CASE WHEN jsonb_typeof(t.activity_prefixes) = 'array'
                AND jsonb_array_length(t.activity_prefixes) > 0
      THEN EXISTS (SELECT 1 FROM jsonb_array_elements_text(t.activity_prefixes) AS p(value),
                   jsonb_array_elements_text(CAST(:activities AS jsonb)) AS a(value)
                   WHERE substr(a.value, 1, length(p.value)) = p.value)
      ELSE true END
ON CONFLICT (target_id, statement_id) DO NOTHING
""",
    "sqlite": """
INSERT INTO xapi_outbox (target_id, tenant, statement_id, payload, state, attempts, created_at)
SELECT t.id, :tenant, :statement_id, :payload, 'pending', 0, :created_at
FROM xapi_targets AS t
WHERE (t.tenant = :tenant OR t.tenant IS NULL)
  AND (coalesce(json_type(t.verbs), 'null') <> 'array' OR json_array_length(t.verbs) = 0
       OR EXISTS (SELECT 1 FROM json_each(t.verbs) AS v WHERE v.value = :verb))
  AND (coalesce(json_type(t.activity_prefixes), 'null') <> 'array'
       OR json_array_length(t.activity_prefixes) = 0
       OR EXISTS (SELECT 1 FROM json_each(t.activity_prefixes) AS p, json_each(:activities) AS a
                  WHERE substr(a.value, 1, length(p.value)) = p.value))
ON CONFLICT (target_id, statement_id) DO NOTHING
""",
}
_ENQUEUE: dict[str, TextClause] = {
    name: text(sql).bindparams(bindparam("created_at", type_=UTCDateTime()))
    for name, sql in _ENQUEUE_SQL.items()
}


def statement_id(statement: dict[str, Any]) -> str:
    value = statement.get("id")
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ValueError(
            "Every statement given to enqueue needs its final 'id' (a UUID), so that retries "
            f"are idempotent; got {value!r}."
        )
    return value.lower()


def enqueue(session: Session, statements: Sequence[dict[str, Any]], tenant: str) -> int:
    """Queue ``statements`` of ``tenant`` for every matching external target; never commits.

    Returns the number of outbox rows added (0 when no target takes them). A statement already
    queued for a target is not queued again.
    """
    if not statements:
        return 0
    now = utcnow()
    params = []
    for statement in statements:
        verb = statement.get("verb")
        params.append(
            {
                "tenant": tenant,
                "statement_id": statement_id(statement),
                "payload": dumps(statement),
                "created_at": now,
                "verb": verb.get("id") if isinstance(verb, dict) else None,
                "activities": json.dumps(list(activity_ids(statement))),
            }
        )
    connection = session.connection()
    insert = _ENQUEUE[connection.dialect.name]
    # One statement: one round trip; several: executemany (pipelined by psycopg).
    result = connection.execute(insert, params[0] if len(params) == 1 else params)
    return max(int(result.rowcount), 0)


@dataclass(frozen=True)
class ReplayResult:
    scanned: int
    matched: int
    enqueued: int


def replay(
    session: Session,
    target: LrsTarget,
    since: datetime,
    *,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Queue the embedded LRS's statements stored since ``since`` for ``target``; commits.

    Statements of the target's tenant (of every tenant for a target without one) that pass its
    filter are queued in stored order, without the properties the receiving LRS assigns
    (stored, authority, version). Statements already queued or delivered to it are skipped.
    """
    flt = TargetFilter.of(target)
    stmt = (
        select(Statement.tenant, Statement.statement_id, Statement.full)
        .where(Statement.stored >= since)
        .order_by(Statement.seq)
        .execution_options(yield_per=REPLAY_CHUNK)
    )
    if target.tenant is not None:
        stmt = stmt.where(Statement.tenant == target.tenant)
    scanned = matched = enqueued = 0
    batch: list[dict[str, Any]] = []

    def flush() -> int:
        if not batch:
            return 0
        inserted = session.execute(
            insert_ignoring_duplicates(session).returning(OUTBOX.c.id), batch
        ).all()
        batch.clear()
        return len(inserted)

    # Read and write on separate connections: a server-side cursor stays open while writing.
    bind = session.get_bind()
    with Session(bind=bind) as reader:
        for row in reader.execute(stmt):
            scanned += 1
            full: dict[str, Any] = row.full
            if not (flt.is_empty or flt.matches(full)):
                continue
            matched += 1
            statement = {k: v for k, v in full.items() if k not in LRS_ASSIGNED}
            batch.append(
                {
                    "target_id": target.id,
                    "tenant": row.tenant,
                    "statement_id": row.statement_id,
                    "payload": dumps(statement),
                    "state": PENDING,
                    "attempts": 0,
                }
            )
            if len(batch) >= REPLAY_CHUNK:
                enqueued += flush()
                session.commit()
                if progress:
                    progress(enqueued)
    enqueued += flush()
    session.commit()
    return ReplayResult(scanned, matched, enqueued)


def retry_dead(session: Session, target: LrsTarget | None = None) -> int:
    """Put dead rows (of one target, or all) back in the queue and commit; returns how many."""
    stmt = (
        update(OutboxEntry)
        .where(OutboxEntry.state == DEAD)
        .values(state=PENDING, error=None, attempts=0)
    )
    if target is not None:
        stmt = stmt.where(OutboxEntry.target_id == target.id)
    count = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


@dataclass(frozen=True)
class DeadLetter:
    target: str
    statement_id: str
    reason: str
    attempts: int
    created_at: datetime


def dead_letters(
    session: Session, target: LrsTarget | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Statements an LRS refused, oldest first, with the LRS's reason."""
    stmt = (
        select(
            LrsTarget.name,
            OutboxEntry.statement_id,
            OutboxEntry.error,
            OutboxEntry.attempts,
            OutboxEntry.created_at,
        )
        .join(LrsTarget, LrsTarget.id == OutboxEntry.target_id)
        .where(OutboxEntry.state == DEAD)
        .order_by(OutboxEntry.id)
        .limit(limit)
    )
    if target is not None:
        stmt = stmt.where(OutboxEntry.target_id == target.id)
    return [
        DeadLetter(r.name, r.statement_id, r.error or "", r.attempts, r.created_at)
        for r in session.execute(stmt)
    ]
