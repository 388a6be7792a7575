"""Recording statements inside the caller's database transaction, so nothing is lost.

``Recorder.record`` stores the statements in the embedded LRS when it is the primary LRS of the
tenant and writes one outbox row per external target. It never commits: a rolled-back request
records nothing, and a committed one can never lose its statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from xapi.lrs.statement_store import store_statements
from xapi.outbox import enqueue
from xapi.targets import primary_target


class Recorder:
    """Records the tool's own statements; its authority is the tool itself."""

    def __init__(self, base_url: str) -> None:
        self.authority: dict[str, Any] = {
            "objectType": "Agent",
            "account": {"homePage": base_url.rstrip("/"), "name": "lti-journeys"},
        }

    def record(self, session: Session, tenant: str, statements: Sequence[dict[str, Any]]) -> None:
        """Store and/or queue ``statements`` of ``tenant`` in the session's transaction."""
        if not statements:
            return
        if primary_target(session, tenant) is None:
            store_statements(
                session,
                tenant,
                statements,
                authority=self.authority,
                can_define=True,
                version="1.0.3",
            )
        enqueue(session, statements, tenant)
