"""The delivery worker: sends outbox rows to their LRS targets, in batches, until they arrive.

Per target, the oldest pending rows are claimed (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so any number of workers can run side by side; the row locks live as long as the
transaction, so a worker that dies leaves its batch pending for the next one) and POSTed as one
batch. The answer decides:

* 200/204: delivered.
* 409, or a 400 that says the same ids are already stored: delivered; a batch answered so is sent
  again one statement at a time to find out which of them are new.
* 400/403/413: the batch is split in halves until the refused statement(s) are alone; those go to
  the dead-letter list with the LRS's reason, the others flow on.
* 401: the target is paused (shown in the status; probed again after a while); nothing dropped.
* anything else (5xx, 408, 429, timeouts, refused connections): retried later, with exponential
  back-off and jitter per target (``next_attempt_at``).

On SQLite one worker must run at a time (there is no SKIP LOCKED). The same code runs as
``lti-journeys xapi worker`` and as a thread inside the development server.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from xapi.db import aggregate_datetime, utcnow
from xapi.delivery_models import DEAD, DELIVERED, PENDING, LrsTarget, OutboxEntry
from xapi.targets import TargetFilter, list_targets, target_secret
from xapi.transport import Endpoint, Sender, SendResult, Transport

log = logging.getLogger("xapi.delivery")

OK = "ok"
DUPLICATE = "duplicate"
REFUSED = "refused"
UNAUTHORIZED = "unauthorized"
RETRY = "retry"
ALREADY_STORED = re.compile(r"already (?:been )?(?:exists?|stored|received)|duplicate", re.I)
PRUNE_CHUNK = 5000


@dataclass(frozen=True)
class DeliveryOptions:
    batch_size: int = 250
    poll_seconds: float = 1.0
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    # After HTTP 401 a paused target is tried again this often (credentials may be fixed).
    pause_probe_seconds: float = 300.0
    # Delivered rows are pruned after this many days (checked every ``prune_every_seconds``).
    keep_days: float = 7.0
    prune_every_seconds: float = 3600.0
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 30.0
    # Delivery threads per process (PostgreSQL only; SQLite always uses one).
    concurrency: int = 1


def classify(result: SendResult, statement_ids: Sequence[str]) -> str:
    """What an LRS's answer to a batch of these statements means for delivery."""
    status = result.status
    if status in (200, 204):
        return OK
    if status == 409:
        return DUPLICATE
    if status == 400 and ALREADY_STORED.search(result.message):
        message = result.message.lower()
        if len(statement_ids) == 1 or any(sid in message for sid in statement_ids):
            return DUPLICATE
    if status in (400, 403, 413):
        return REFUSED
    if status == 401:
        return UNAUTHORIZED
    return RETRY


def log_reason(result: SendResult) -> str:
    """A short reason for the log: the status and what it means, never the LRS's own text.

    An LRS's answer may quote statements (names, texts) or echo credentials; it is kept in the
    target's ``last_error`` for the operator, not written to logs that others may read.
    """
    status = result.status
    if status is None:
        # Our own words ("timeout", "connection failed: …"): the kind before any detail.
        return result.error.split(":", 1)[0].strip()[:40] or "no answer"
    if status == 401:
        kind = "credentials refused"
    elif status in (408, 504):
        kind = "timed out"
    elif status == 429:
        kind = "too many requests"
    elif status >= 500:
        kind = "LRS error"
    elif status >= 400:
        kind = "refused"
    else:
        kind = "unexpected answer"
    return f"HTTP {status} ({kind})"


def exponential_backoff(
    failures: int, base_seconds: float, max_seconds: float, rng: Callable[[], float] = random.random
) -> float:
    """Exponential back-off with jitter: between half and all of base * 2^(failures - 1)."""
    exponent = min(max(failures - 1, 0), 30)
    delay: float = min(max_seconds, base_seconds * 2.0**exponent)
    return delay * (0.5 + rng() / 2)


def backoff_seconds(
    failures: int, options: DeliveryOptions, rng: Callable[[], float] = random.random
) -> float:
    return exponential_backoff(
        failures, options.backoff_base_seconds, options.backoff_max_seconds, rng
    )


@dataclass(frozen=True)
class Row:
    id: int
    statement_id: str
    payload: str


@dataclass
class BatchOutcome:
    """What happened to a claimed batch: rows not delivered or dead stay pending."""

    delivered: list[Row] = field(default_factory=list)
    dead: list[tuple[Row, str]] = field(default_factory=list)
    # Why the rest was left for later: a transient failure or a 401.
    failure: SendResult | None = None
    unauthorized: SendResult | None = None
    requests: int = 0


@dataclass
class Totals:
    delivered: int = 0
    dead: int = 0
    requests: int = 0
    failures: int = 0

    def add(self, outcome: BatchOutcome) -> None:
        self.delivered += len(outcome.delivered)
        self.dead += len(outcome.dead)
        self.requests += outcome.requests
        self.failures += outcome.failure is not None or outcome.unauthorized is not None


@dataclass
class PassResult:
    handled: int = 0
    # Seconds until the earliest target in back-off is due (None: none is).
    wake_in: float | None = None


class DeliveryWorker:
    """One delivery loop with its own transport; several may run in threads or processes."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        options: DeliveryOptions | None = None,
        *,
        decrypt: Callable[[str], str] | None = None,
        sender: Sender | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        prune: bool = True,
    ) -> None:
        self.factory = factory
        self.options = options or DeliveryOptions()
        self.decrypt = decrypt
        self.sender: Sender = sender or Transport(
            self.options.connect_timeout_seconds, self.options.read_timeout_seconds
        )
        self.clock = clock
        self.rng = rng
        self.prune_enabled = prune
        self.totals = Totals()
        self._last_prune: datetime | None = None
        bind = factory.kw.get("bind")
        self.skip_locked = bind is not None and bind.dialect.name == "postgresql"
        # Called on every turn of ``run`` (readiness watches the heartbeats it records).
        self.heartbeat: Callable[[], None] | None = None

    # -- the loop -----------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; a batch under way is finished first."""
        try:
            while not stop.is_set():
                try:
                    if self.heartbeat is not None:
                        self.heartbeat()
                    if self.prune_enabled:
                        self.prune_if_due()
                    result = self.run_once(stop)
                except Exception:
                    log.exception("xAPI delivery pass failed; trying again shortly")
                    result = PassResult()
                if result.handled == 0:
                    wait = self.options.poll_seconds
                    if result.wake_in is not None:
                        wait = min(wait, max(result.wake_in, 0.01))
                    stop.wait(wait)
        finally:
            self.sender.close()

    def drain(self, stop: threading.Event | None = None) -> Totals:
        """Deliver what can be delivered now (targets in back-off are not waited for)."""
        while not (stop and stop.is_set()):
            if self.run_once(stop).handled == 0:
                break
        return self.totals

    def run_once(self, stop: threading.Event | None = None) -> PassResult:
        """One batch for every target that is due; ``handled``: rows delivered or dead."""
        now = self.clock()
        with self.factory() as session:
            targets = list_targets(session)
        result = PassResult()
        for target in targets:
            if stop is not None and stop.is_set():
                break
            if target.next_attempt_at is not None and target.next_attempt_at > now:
                wait = (target.next_attempt_at - now).total_seconds()
                result.wake_in = wait if result.wake_in is None else min(result.wake_in, wait)
                continue
            result.handled += self.deliver_batch(target)
        return result

    # -- one batch ----------------------------------------------------------------------
    def deliver_batch(self, target: LrsTarget) -> int:
        """Claim, send and record one batch of ``target``; returns how many rows it settled.

        Rows left pending by a failure do not count, so callers wait (back off) instead of
        looping on a target that keeps failing.
        """
        try:
            endpoint = Endpoint(
                target.endpoint, target.key, target_secret(target, self.decrypt), target.version
            )
        except Exception as exc:
            # A secret that cannot be decrypted (key changed): pause, as for a 401.
            self._record_target(
                target,
                BatchOutcome(unauthorized=SendResult(None, error=f"secret not readable: {exc}")),
            )
            return 0
        outcome = BatchOutcome()
        with self.factory() as session, session.begin():
            rows = self._claim(session, target)
            if not rows:
                return 0
            try:
                self._send(endpoint, rows, outcome)
            except Exception as exc:
                log.exception("Sending to xAPI target %s failed", target.name)
                outcome.failure = SendResult(None, error=f"{exc.__class__.__name__}: {exc}")
            self._record_rows(session, rows, outcome)
        self.totals.add(outcome)
        self._record_target(target, outcome)
        return len(outcome.delivered) + len(outcome.dead)

    def _claim(self, session: Session, target: LrsTarget) -> list[Row]:
        stmt = (
            select(OutboxEntry.id, OutboxEntry.statement_id, OutboxEntry.payload)
            .where(OutboxEntry.target_id == target.id, OutboxEntry.state == PENDING)
            .order_by(OutboxEntry.id)
            .limit(self.options.batch_size)
        )
        if self.skip_locked:
            stmt = stmt.with_for_update(skip_locked=True)
        return [Row(r.id, r.statement_id, r.payload) for r in session.execute(stmt)]

    def _send(self, endpoint: Endpoint, rows: list[Row], outcome: BatchOutcome) -> bool:
        """Send ``rows``; False when the rest must wait (transient failure or 401)."""
        result = self.sender.post_statements(endpoint, [r.payload for r in rows])
        outcome.requests += 1
        kind = classify(result, [r.statement_id for r in rows])
        if kind == OK:
            outcome.delivered.extend(rows)
            return True
        if kind == DUPLICATE:
            if len(rows) == 1:
                outcome.delivered.extend(rows)
                return True
            # Find out which of them are new: one at a time.
            return all(self._send(endpoint, [row], outcome) for row in rows)
        if kind == REFUSED:
            if len(rows) == 1:
                outcome.dead.append((rows[0], result.describe()))
                # The LRS's reason may quote the statement (names, texts): it is kept in the
                # dead-letter list, never logged.
                log.warning(
                    "xAPI statement %s refused by %s with HTTP %s (reason in the dead letters)",
                    rows[0].statement_id,
                    endpoint.url,
                    result.status,
                )
                return True
            middle = len(rows) // 2
            return self._send(endpoint, rows[:middle], outcome) and self._send(
                endpoint, rows[middle:], outcome
            )
        if kind == UNAUTHORIZED:
            outcome.unauthorized = result
            return False
        outcome.failure = result
        return False

    def _record_rows(self, session: Session, rows: list[Row], outcome: BatchOutcome) -> None:
        now = self.clock()
        if outcome.delivered:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_([r.id for r in outcome.delivered]))
                .values(
                    state=DELIVERED,
                    delivered_at=now,
                    attempts=OutboxEntry.attempts + 1,
                    error=None,
                )
            )
        for row, reason in outcome.dead:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == row.id)
                .values(state=DEAD, error=reason, attempts=OutboxEntry.attempts + 1)
            )
        stopped = outcome.failure or outcome.unauthorized
        if stopped is not None:
            done = {r.id for r in outcome.delivered} | {r.id for r, _ in outcome.dead}
            left = [r.id for r in rows if r.id not in done]
            if left:
                session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_(left))
                    .values(attempts=OutboxEntry.attempts + 1, error=stopped.describe()[:2000])
                )

    def _record_target(self, target: LrsTarget, outcome: BatchOutcome) -> None:
        now = self.clock()
        values: dict[str, Any]
        if outcome.unauthorized is not None:
            reason = outcome.unauthorized.describe()[:2000]
            if target.paused_at is None:
                log.error(
                    "xAPI target %s paused: %s", target.name, log_reason(outcome.unauthorized)
                )
            values = {
                "paused_at": target.paused_at or now,
                "paused_reason": reason,
                "last_error": reason,
                "next_attempt_at": now + timedelta(seconds=self.options.pause_probe_seconds),
            }
        elif outcome.failure is not None:
            failures = target.failures + 1
            delay = backoff_seconds(failures, self.options, self.rng)
            if outcome.failure.retry_after is not None:
                delay = max(
                    delay, min(outcome.failure.retry_after, self.options.backoff_max_seconds)
                )
            reason = outcome.failure.describe()[:2000]
            log.warning(
                "xAPI target %s: %s; attempt %d failed, next in %.1f s",
                target.name,
                log_reason(outcome.failure),
                failures,
                delay,
            )
            values = {
                "failures": failures,
                "last_error": reason,
                "next_attempt_at": now + timedelta(seconds=delay),
            }
        elif target.failures or target.paused_at or target.next_attempt_at or target.last_error:
            if target.paused_at is not None:
                log.info("xAPI target %s accepts statements again; resumed", target.name)
            values = {
                "failures": 0,
                "last_error": None,
                "next_attempt_at": None,
                "paused_at": None,
                "paused_reason": None,
            }
        else:
            return
        with self.factory() as session, session.begin():
            session.execute(update(LrsTarget).where(LrsTarget.id == target.id).values(**values))

    # -- pruning ------------------------------------------------------------------------
    def prune_if_due(self) -> int:
        now = self.clock()
        if self._last_prune is not None and (now - self._last_prune).total_seconds() < (
            self.options.prune_every_seconds
        ):
            return 0
        self._last_prune = now
        with self.factory() as session:
            return prune_delivered(session, now - timedelta(days=self.options.keep_days))


def prune_delivered(session: Session, before: datetime) -> int:
    """Delete rows delivered before ``before``, in chunks, committing each; returns how many."""
    removed = 0
    while True:
        ids = select(OutboxEntry.id).where(
            OutboxEntry.state == DELIVERED, OutboxEntry.delivered_at < before
        )
        chunk = list(session.scalars(ids.limit(PRUNE_CHUNK)))
        if not chunk:
            return removed
        session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(chunk)))
        session.commit()
        removed += len(chunk)


class DeliveryRunner:
    """Delivery threads of one process: ``concurrency`` workers sharing a stop event."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        options: DeliveryOptions | None = None,
        *,
        decrypt: Callable[[str], str] | None = None,
        sender_factory: Callable[[], Sender] | None = None,
        name: str = "xapi-delivery",
    ) -> None:
        self.options = options or DeliveryOptions()
        bind = factory.kw.get("bind")
        on_postgres = bind is not None and bind.dialect.name == "postgresql"
        self.concurrency = max(1, self.options.concurrency) if on_postgres else 1
        self.stop_event = threading.Event()
        self.workers = [
            DeliveryWorker(
                factory,
                self.options,
                decrypt=decrypt,
                sender=sender_factory() if sender_factory else None,
                prune=index == 0,
            )
            for index in range(self.concurrency)
        ]
        self.threads: list[threading.Thread] = []
        self.name = name
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self.threads:
                return
            for index, worker in enumerate(self.workers):
                thread = threading.Thread(
                    target=worker.run,
                    args=(self.stop_event,),
                    name=f"{self.name}-{index}",
                    daemon=True,
                )
                thread.start()
                self.threads.append(thread)

    def start_once(self) -> None:
        """For a ``before_request`` hook: starts the threads on the first call only."""
        if not self.threads:
            self.start()

    def stop(self) -> None:
        """Ask every thread to stop after its current batch."""
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the threads; True when all have ended."""
        for thread in self.threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self.threads)

    @property
    def totals(self) -> Totals:
        total = Totals()
        for worker in self.workers:
            total.delivered += worker.totals.delivered
            total.dead += worker.totals.dead
            total.requests += worker.totals.requests
            total.failures += worker.totals.failures
        return total


# -- status ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetStatus:
    name: str
    tenant: str | None
    primary: bool
    endpoint: str
    version: str
    filter: str
    pending: int
    delivered: int
    dead: int
    oldest_pending_age_seconds: float | None
    last_delivered_at: datetime | None
    paused_at: datetime | None
    paused_reason: str | None
    failures: int
    next_attempt_at: datetime | None
    last_error: str | None

    @property
    def state(self) -> str:
        if self.paused_at is not None:
            return "paused"
        if self.failures:
            return "retrying"
        return "ok"


def delivery_status(session: Session, now: datetime | None = None) -> list[TargetStatus]:
    """Per target: how many rows are pending, delivered (not yet pruned) and dead."""
    now = now or utcnow()
    counts: dict[tuple[int, str], int] = {}
    oldest: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    for row in session.execute(
        select(
            OutboxEntry.target_id,
            OutboxEntry.state,
            func.count(),
            func.min(OutboxEntry.created_at),
            func.max(OutboxEntry.delivered_at),
        ).group_by(OutboxEntry.target_id, OutboxEntry.state)
    ):
        target_id, state, count, first_created, last_delivered = row
        counts[(target_id, state)] = count
        if state == PENDING and first_created is not None:
            oldest[target_id] = aggregate_datetime(first_created)
        if state == DELIVERED and last_delivered is not None:
            last[target_id] = aggregate_datetime(last_delivered)
    out = []
    for target in list_targets(session):
        first = oldest.get(target.id)
        out.append(
            TargetStatus(
                name=target.name,
                tenant=target.tenant,
                primary=target.is_primary,
                endpoint=target.endpoint,
                version=target.version,
                filter=TargetFilter.of(target).describe(),
                pending=counts.get((target.id, PENDING), 0),
                delivered=counts.get((target.id, DELIVERED), 0),
                dead=counts.get((target.id, DEAD), 0),
                oldest_pending_age_seconds=(now - first).total_seconds() if first else None,
                last_delivered_at=last.get(target.id),
                paused_at=target.paused_at,
                paused_reason=target.paused_reason,
                failures=target.failures,
                next_attempt_at=target.next_attempt_at,
                last_error=target.last_error,
            )
        )
    return out
