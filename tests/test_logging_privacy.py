"""Logs never hold people's data: database errors with a learner's values in their parameters are
logged (by the app's error handler, and by the workers' and commands' loggers) without them."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from config.logging import make_formatter, scrub
from lti_tool.db import build_engine, get_database
from lti_tool.tenancy.models import Organization
from tests.conftest import Launcher

MARKER = "maja.reflektion.7f3a@example.test"


@dataclass
class Outputs:
    """What the process's real handlers wrote: one JSON, one plain."""

    json: io.StringIO
    plain: io.StringIO

    def texts(self) -> list[str]:
        return [self.json.getvalue(), self.plain.getvalue()]


@pytest.fixture
def outputs() -> Iterator[Outputs]:
    root = logging.getLogger()
    streams = Outputs(io.StringIO(), io.StringIO())
    handlers = []
    for stream, as_json in ((streams.json, True), (streams.plain, False)):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(make_formatter(as_json))
        root.addHandler(handler)
        handlers.append(handler)
    yield streams
    for handler in handlers:
        root.removeHandler(handler)


def _unique_violation(session: Session) -> None:
    for _ in range(2):
        session.execute(insert(Organization).values(slug=MARKER[:60], name=MARKER))


def _bad_type(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT CAST(:value AS INTEGER)"), {"value": MARKER})
    else:
        # SQLite converts text to integers silently; a value it cannot bind fails instead.
        session.execute(text("SELECT :value"), {"value": {"reflection": MARKER}})


def _not_null(session: Session) -> None:
    session.execute(insert(Organization).values(slug=MARKER[:60], name=None))


def _too_long(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce the length of text columns")
    session.execute(insert(Organization).values(slug=MARKER * 3, name=MARKER))


FAILURES: dict[str, Callable[[Session], None]] = {
    "unique": _unique_violation,
    "bad_type": _bad_type,
    "not_null": _not_null,
    "too_long": _too_long,
}


def test_build_engine_hides_bound_parameters(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        assert engine.hide_parameters
    finally:
        engine.dispose()


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_unexpected_error_log_never_holds_the_statements_values(
    app: Flask, failure: str, caplog: pytest.LogCaptureFixture, outputs: Outputs
) -> None:
    def fail() -> str:
        with get_database().session() as session:
            FAILURES[failure](session)
        return "not reached"

    app.add_url_rule("/test-failure", "test_failure", fail)
    caplog.set_level(logging.INFO)
    response = app.test_client().get("/test-failure")
    assert response.status_code == 500
    assert MARKER not in response.get_data(as_text=True)
    assert "unhandled error on GET /test-failure" in caplog.text
    assert MARKER not in caplog.text
    for written in outputs.texts():
        assert "unhandled error on GET /test-failure" in written
        assert MARKER not in written


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_worker_log_never_holds_the_statements_values(
    app: Flask, failure: str, caplog: pytest.LogCaptureFixture, outputs: Outputs
) -> None:
    # The delivery and passback workers and the commands log a failed pass this way.
    caplog.set_level(logging.INFO)
    with get_database(app).session() as session:
        try:
            FAILURES[failure](session)
        except Exception:
            logging.getLogger("xapi.delivery").exception("xAPI delivery pass failed")
    assert "xAPI delivery pass failed" in caplog.text
    assert MARKER not in caplog.text
    assert all(MARKER not in str(record.__dict__) for record in caplog.records)
    for written in outputs.texts():
        assert "Traceback" in written and MARKER not in written


def test_json_log_line_keeps_the_scrubbed_exception(
    app: Flask, outputs: Outputs, database_url: str
) -> None:
    with get_database(app).session() as session:
        try:
            _unique_violation(session)
        except Exception:
            logging.getLogger("lti_tool.cli").exception("command failed")
    lines = [json.loads(line) for line in outputs.json.getvalue().splitlines()]
    entry = next(line for line in lines if line["message"] == "command failed")
    assert "IntegrityError" in entry["exception"]
    assert MARKER not in entry["exception"]


def test_scrub_hides_postgresql_detail_and_context_values() -> None:
    statement = "[SQL: INSERT INTO people (email) VALUES (%(email)s)]"
    message = "\n".join(
        [
            '(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "k"',
            f"DETAIL:  Key (email)=({MARKER}) already exists.",
            "CONTEXT:  unnamed portal parameter $1 = '...'",
            statement,
            f"[parameters: {{'email': '{MARKER}'}}]",
        ]
    )
    scrubbed = scrub(message)
    assert MARKER not in scrubbed
    assert "duplicate key value violates unique constraint" in scrubbed
    assert statement in scrubbed


def test_scrub_hides_values_quoted_in_postgresql_messages() -> None:
    scrubbed = scrub(
        f'invalid input syntax for type integer: "{MARKER}"\n'
        f'value "{MARKER}" is out of range for type integer'
    )
    assert MARKER not in scrubbed
    assert "invalid input syntax for type integer" in scrubbed


def test_scrub_leaves_ordinary_messages_alone() -> None:
    assert scrub("xAPI target ralph paused: HTTP 401") == "xAPI target ralph paused: HTTP 401"


def test_launch_refusal_log_names_no_address_of_the_person(
    launcher: Launcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = launcher.launch(exp=1_000_000_300, iat=1_000_000_000)
    assert response.status_code == 400
    refusals = [r.getMessage() for r in caplog.records if "launch refused" in r.getMessage()]
    assert refusals == ["launch refused: expired (The id_token has expired.)"]


def test_uncaught_exception_is_printed_without_the_statements_values(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    # A command that fails on the database ends with the interpreter's exception hook.
    with get_database(app).session() as session:
        try:
            _unique_violation(session)
        except Exception:
            sys.excepthook(*sys.exc_info())
    printed = capsys.readouterr().err
    assert "IntegrityError" in printed
    assert MARKER not in printed
