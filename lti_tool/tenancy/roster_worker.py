"""The roster worker: fetches queued course rosters from the platforms, off the request path.

Like grade passback (``lti_tool.lti.passback``) it leases due rows, so one course is fetched by
one worker at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and a lease that another worker
takes over when it runs out), and backs off exponentially after each failure, keeping the
failure's reason for the progress page. No transaction stays open while the platform is called.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.service_worker import ServiceWorker
from lti_tool.lti.services import AccessTokens, ServiceError
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context
from lti_tool.tenancy.roster import refresh_roster
from lti_tool.tenancy.roster_models import RosterRefresh
from xapi.delivery import exponential_backoff

log = logging.getLogger("lti_tool.roster")

MAX_ERROR = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def kept_reason(text: str) -> str:
    """A platform's reason as the progress page may show it: one line, at most 500 characters."""
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_ERROR]


@dataclass(frozen=True)
class RosterOptions:
    batch_size: int = 10
    poll_seconds: float = 2.0
    # Longer than one fetch may take (its deadline), so a lease never runs out mid-fetch.
    lease_seconds: float = 300.0
    deadline_seconds: float = 120.0
    backoff_base_seconds: float = 60.0
    backoff_max_seconds: float = 6 * 3600.0


@dataclass
class RosterTotals:
    fetched: int = 0
    failed: int = 0


class RosterWorker(ServiceWorker[RosterOptions, RosterTotals]):
    """Fetches queued rosters; ``key`` loads the tool's signing key in a session."""

    options_type = RosterOptions
    totals_type = RosterTotals

    def __init__(
        self,
        factory: sessionmaker[Session],
        tokens: AccessTokens,
        key: Callable[[Session], SigningKey],
        options: RosterOptions | None = None,
        *,
        recording: Recording,
        **kwargs: Any,
    ) -> None:
        super().__init__(factory, tokens, key, options, **kwargs)
        # Records who joined and left each roster (no app context in a worker thread).
        self.recording = recording

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                log.exception("Roster pass failed; trying again shortly")
                handled = 0
            if handled == 0:
                stop.wait(self.options.poll_seconds)

    def drain(self) -> RosterTotals:
        """Fetch what is due now (courses in back-off are not waited for)."""
        while self.run_once():
            pass
        return self.totals

    def run_once(self) -> int:
        """Lease and fetch one batch of due rosters; returns how many were leased."""
        ids = self._lease()
        for context_id in ids:
            self._fetch(context_id)
        return len(ids)

    def _lease(self) -> list[int]:
        now = self.clock()
        with self.factory() as session, session.begin():
            stmt = (
                select(RosterRefresh.context_id)
                .where(
                    RosterRefresh.requested_at.is_not(None),
                    or_(
                        RosterRefresh.next_attempt_at.is_(None),
                        RosterRefresh.next_attempt_at <= now,
                    ),
                    or_(RosterRefresh.leased_until.is_(None), RosterRefresh.leased_until < now),
                )
                .order_by(RosterRefresh.requested_at)
                .limit(self.options.batch_size)
            )
            if self.skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            ids = list(session.scalars(stmt))
            if ids:
                session.execute(
                    update(RosterRefresh)
                    .where(RosterRefresh.context_id.in_(ids))
                    .values(leased_until=now + timedelta(seconds=self.options.lease_seconds))
                )
        return ids

    def _fetch(self, context_id: int) -> None:
        with self.factory() as session:
            context = session.get(Context, context_id)
            refresh = session.get(RosterRefresh, context_id)
            if context is None or refresh is None:  # pragma: no cover - deleted meanwhile
                return
            requested_at, attempts = refresh.requested_at, refresh.attempts
            key = self.key(session)
            # ``refresh_roster`` reads the registration, then calls out with no write pending.
            session.commit()
            try:
                count = refresh_roster(
                    session,
                    context,
                    self.tokens,
                    key,
                    self.options.deadline_seconds,
                    recording=self.recording,
                )
            except ServiceError as exc:
                session.rollback()
                self._failed(session, context_id, attempts + 1, exc)
                return
            self._finish(
                session,
                context_id,
                requested_at,
                attempts=0,
                error_code=None,
                error=None,
                next_attempt_at=None,
            )
            self.totals.fetched += 1
            log.info("Roster of context %s fetched: %d members", context_id, count)

    def _failed(self, session: Session, context_id: int, attempts: int, exc: ServiceError) -> None:
        delay = exponential_backoff(
            attempts, self.options.backoff_base_seconds, self.options.backoff_max_seconds, self.rng
        )
        now = self.clock()
        # The platform's words may quote people or tokens: they go to the page, not the log.
        log.warning(
            "Roster of context %s not fetched (attempt %d, %s, HTTP %s); next in %.0f s",
            context_id,
            attempts,
            exc.code,
            exc.status if exc.status is not None else "-",
            delay,
        )
        session.execute(
            update(RosterRefresh)
            .where(RosterRefresh.context_id == context_id)
            .values(
                leased_until=None,
                attempts=attempts,
                error_code=exc.code[:40],
                error=kept_reason(str(exc)) or None,
                failed_at=now,
                next_attempt_at=now + timedelta(seconds=delay),
                updated_at=now,
            )
        )
        session.commit()
        self.totals.failed += 1

    def _finish(
        self, session: Session, context_id: int, requested_at: datetime | None, **values: Any
    ) -> None:
        """Record success; a request made during the fetch stays queued for another one."""
        session.execute(
            update(RosterRefresh)
            .where(RosterRefresh.context_id == context_id)
            .values(leased_until=None, updated_at=self.clock(), **values)
        )
        session.execute(
            update(RosterRefresh)
            .where(
                RosterRefresh.context_id == context_id,
                RosterRefresh.requested_at == requested_at,
            )
            .values(requested_at=None)
        )
        session.commit()
