"""Helpers for the xAPI delivery tests: statements, a scripted LRS and the app served over HTTP."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lti_tool.db import get_database
from xapi.lrs.auth import create_credential
from xapi.lrs.models import Statement
from xapi.transport import Endpoint, SendResult, batch_body

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
JOURNEY = "https://journeys.example.se/journeys/1"


def make_statement(
    verb: str = COMPLETED, activity: str = JOURNEY + "/steps/1", **overrides: Any
) -> dict[str, Any]:
    """A valid statement with its final id, about ``activity`` inside the journey."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": "Maja Lärare",
            "account": {"homePage": "https://lms.example.se", "name": "user-1"},
        },
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": activity,
            "definition": {"name": {"sv-SE": "Steg ett"}},
        },
        "context": {"contextActivities": {"parent": [{"id": JOURNEY}]}},
        "timestamp": "2026-11-23T10:00:00.000Z",
    }
    statement.update(overrides)
    return statement


def invalid_statement() -> dict[str, Any]:
    """A statement every LRS refuses with 400: its verb id is not an IRI."""
    return make_statement(verb="not an IRI")


def ids_in(payloads: Sequence[str]) -> list[str]:
    import json

    return [s["id"] for s in json.loads(batch_body(payloads))]


class ScriptedSender:
    """A fake transport: ``respond(ids)`` decides the answer; every call is recorded."""

    def __init__(self, respond: Callable[[list[str]], SendResult] | None = None) -> None:
        self.respond = respond or (lambda ids: SendResult(200))
        self.calls: list[list[str]] = []
        self.endpoints: list[Endpoint] = []
        self.closed = False

    def post_statements(self, endpoint: Endpoint, payloads: Sequence[str]) -> SendResult:
        ids = ids_in(payloads)
        self.calls.append(ids)
        self.endpoints.append(endpoint)
        return self.respond(ids)

    def close(self) -> None:
        self.closed = True

    @property
    def sent(self) -> list[str]:
        return [sid for call in self.calls for sid in call]


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app (with its embedded LRS) served over real HTTP on 127.0.0.1; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def lrs_credential(app: Flask, tenant: str = "lrs-sink") -> tuple[str, str]:
    """A key and secret of the embedded LRS with scope ``all`` in ``tenant``."""
    with get_database(app).session() as session:
        credential, secret = create_credential(session, tenant, ["all"], "test", "http://tool.test")
        return credential.key, secret


def stored_ids(app: Flask, tenant: str = "lrs-sink") -> list[str]:
    """Statement ids the embedded LRS stored in ``tenant`` (one per stored row)."""
    with get_database(app).session() as session:
        return list(
            session.scalars(select(Statement.statement_id).where(Statement.tenant == tenant))
        )


def stored_count(app: Flask, tenant: str = "lrs-sink") -> int:
    with get_database(app).session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Statement).where(Statement.tenant == tenant)
            )
            or 0
        )
