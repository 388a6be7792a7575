"""Recording statements inside the caller's database transaction, so nothing is lost.

``Recorder.record`` stores the statements in the embedded LRS when it is the primary LRS of the
tenant and writes one outbox row per external target. It never commits: a rolled-back request
records nothing, and a committed one can never lose its statements.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from xapi.lrs.statement_store import store_statements
from xapi.outbox import enqueue
from xapi.profile_validation import require_valid
from xapi.targets import primary_target, targets_generation

# Whether a tenant has an external primary LRS is read at most this often per process; a target
# added or removed in this process counts at once, one added by another within this time.
PRIMARY_CACHE_SECONDS = 10.0


class Recorder:
    """Records the tool's own statements; its authority is the tool itself."""

    def __init__(self, base_url: str, validate: bool = False) -> None:
        # Check statements against the profile's templates before they are recorded.
        self.validate = validate
        self.authority: dict[str, Any] = {
            "objectType": "Agent",
            "account": {"homePage": base_url.rstrip("/"), "name": "lti-journeys"},
        }
        self._embedded_primary: dict[str, tuple[bool, int, float]] = {}
        self._lock = threading.Lock()

    def embedded_is_primary(self, session: Session, tenant: str) -> bool:
        """True when the embedded LRS is the tenant's system of record (no external primary)."""
        generation = targets_generation()
        now = time.monotonic()
        with self._lock:
            cached = self._embedded_primary.get(tenant)
        if cached is not None and cached[1] == generation and cached[2] > now:
            return cached[0]
        embedded = primary_target(session, tenant) is None
        with self._lock:
            self._embedded_primary[tenant] = (embedded, generation, now + PRIMARY_CACHE_SECONDS)
        return embedded

    def record(
        self,
        session: Session,
        tenant: str,
        statements: Sequence[dict[str, Any]],
        *,
        replayed: bool = False,
    ) -> None:
        """Store and/or queue ``statements`` of ``tenant`` in the session's transaction.

        ``replayed`` statements are earlier ones carried over (``xapi replay``): they keep what
        they said then, so today's templates do not apply to them.

        The statements are the tool's own, with fresh UUIDs: the embedded LRS need not look for
        stored copies of them or for earlier statements voiding them.
        """
        if not statements:
            return
        if self.validate and not replayed:
            require_valid(statements)
        if self.embedded_is_primary(session, tenant):
            store_statements(
                session,
                tenant,
                statements,
                authority=self.authority,
                can_define=True,
                version="1.0.3",
                fresh_ids=True,
            )
        enqueue(session, statements, tenant)
