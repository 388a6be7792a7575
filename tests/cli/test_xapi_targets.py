"""``lti-journeys xapi``: targets, status, the worker, dead letters, retries and replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.cli.xapi import parse_since
from lti_tool.db import get_database
from lti_tool.lti.runtime import get_runtime
from lti_tool.validation import InvalidInputError
from tests.support.xapi_delivery import (
    invalid_statement,
    live_server,
    lrs_credential,
    make_statement,
    stored_count,
)
from xapi import outbox
from xapi.delivery_models import LrsTarget, OutboxEntry
from xapi.lrs.statement_store import store_statements

SECRET = "the-secret-value"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://tool.test", "name": "tool"}}


def _ok(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fails(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


def _add_args(
    name: str, endpoint: str, *more: str, key: str = "the-key", secret: str = SECRET
) -> list[str]:
    return [
        "xapi", "target", "add", "--name", name, "--endpoint", endpoint, "--key", key,
        "--secret", secret, *more,
    ]  # fmt: skip


def _add(runner: FlaskCliRunner, name: str, endpoint: str, *more: str, **kw: str) -> str:
    return _ok(runner, *_add_args(name, endpoint, *more, **kw))


@pytest.fixture
def org(runner: FlaskCliRunner) -> str:
    _ok(runner, "org", "add", "--slug", "umea", "--name", "Umeå kommun")
    return "umea"


@pytest.fixture
def lrs_endpoint(app: Flask) -> Iterator[str]:
    with live_server(app) as url:
        yield url + "/xapi"


def _enqueue(app: Flask, statements: list[dict[str, object]], tenant: str = "1") -> None:
    with get_database(app).session() as session:
        outbox.enqueue(session, statements, tenant)
        session.commit()


def test_add_and_list_targets(app: Flask, runner: FlaskCliRunner, org: str) -> None:
    out = _add(runner, "central", "https://lrs.example.se/xapi/", "--primary")
    assert "Added primary LRS central (https://lrs.example.se/xapi, xAPI 1.0.3)" in out
    assert "for every organisation" in out
    out = _add(
        runner,
        "umea-forward",
        "https://forward.example.se/lrs",
        "--org",
        org,
        "--version",
        "2.0.0",
        "--verb",
        "http://adlnet.gov/expapi/verbs/completed",
        "--activity-prefix",
        "https://journeys.example.se/",
    )
    assert "forwarding target umea-forward" in out
    assert "for organisation umea" in out
    assert "verbs http://adlnet.gov/expapi/verbs/completed" in out

    listed = json.loads(_ok(runner, "xapi", "target", "list", "--json"))
    assert [(t["name"], t["organization"], t["primary"], t["version"]) for t in listed] == [
        ("central", "(all)", True, "1.0.3"),
        ("umea-forward", "umea", False, "2.0.0"),
    ]
    assert listed[1]["activity_prefixes"] == ["https://journeys.example.se/"]
    text = _ok(runner, "xapi", "target", "list")
    assert "central" in text and "umea-forward" in text
    for output in (text, json.dumps(listed)):
        assert "the-secret-value" not in output

    # The secret is encrypted at rest with the app's key box.
    with get_database(app).session() as session:
        stored = session.scalars(select(LrsTarget).where(LrsTarget.name == "central")).one()
    assert stored.secret_encrypted
    assert stored.secret != "the-secret-value"
    assert get_runtime(app).box.decrypt(stored.secret) == "the-secret-value"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--endpoint", "lrs.example.se"], "is not an absolute http(s) URL"),
        (["--endpoint", "https://lrs.example.se/xapi/statements"], "without /statements"),
        (["--org", "nowhere"], "No organisation with slug 'nowhere'"),
        (["--version", "0.95"], "Invalid value for '--version'"),
        (["--verb", "completed"], "The verb 'completed' is not an absolute IRI"),
        (["--primary", "--verb", "http://x.se/v"], "takes no filter"),
        (["--name", "has space"], "is not valid"),
    ],
)
def test_add_refuses_bad_input(
    runner: FlaskCliRunner, org: str, args: list[str], message: str
) -> None:
    values = {
        "--name": "lrs",
        "--endpoint": "https://lrs.example.se/xapi",
        "--key": "k",
        "--secret": "s",
    }
    flags = []
    rest = list(args)
    while rest:
        option = rest.pop(0)
        if option == "--primary":
            flags.append(option)
        else:
            values[option] = rest.pop(0)
    argv = [part for pair in values.items() for part in pair] + flags
    assert message in _fails(runner, "xapi", "target", "add", *argv)


def test_names_are_unique_and_one_primary_per_scope(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, "a", "https://a.example.se/xapi", "--primary")
    out = _fails(runner, *_add_args("a", "https://b.se"))
    assert "A target named 'a' already exists." in out
    out = _fails(runner, *_add_args("b", "https://b.se", "--primary"))
    assert "Target 'a' is already the primary LRS for every tenant" in out
    # An organisation may have a primary of its own.
    _add(runner, "b", "https://b.example.se/xapi", "--primary", "--org", org)


def test_remove_drops_the_queue_and_unknown_names_fail(app: Flask, runner: FlaskCliRunner) -> None:
    _add(runner, "old-lrs", "https://old.example.se/xapi")
    _enqueue(app, [make_statement(), make_statement()])
    out = _ok(runner, "xapi", "target", "remove", "--name", "old-lrs")
    assert out.strip() == "Removed LRS target old-lrs; 2 undelivered statement(s) dropped."
    with get_database(app).session() as session:
        assert session.scalars(select(OutboxEntry)).all() == []
    out = _fails(runner, "xapi", "target", "remove", "--name", "old-lrs")
    assert "No LRS target named 'old-lrs'. Known: none." in out


def test_worker_once_delivers_and_status_reports(
    app: Flask, runner: FlaskCliRunner, lrs_endpoint: str
) -> None:
    key, secret = lrs_credential(app)
    _add(runner, "tool-lrs", lrs_endpoint, key=key, secret=secret)
    statements = [make_statement() for _ in range(7)]
    _enqueue(app, [*statements, invalid_statement()])

    status = json.loads(_ok(runner, "xapi", "status", "--json"))
    assert [(s["target"], s["pending"], s["delivered"], s["dead"]) for s in status] == [
        ("tool-lrs", 8, 0, 0)
    ]
    assert status[0]["oldest_pending_age_seconds"] >= 0

    out = _ok(runner, "xapi", "worker", "--once")
    assert "Delivered 7 statement(s), 1 dead-lettered" in out
    assert stored_count(app) == 7

    status = json.loads(_ok(runner, "xapi", "status", "--json"))
    assert [(s["pending"], s["delivered"], s["dead"], s["state"]) for s in status] == [
        (0, 7, 1, "ok")
    ]
    assert status[0]["oldest_pending_age_seconds"] is None
    text = _ok(runner, "xapi", "status")
    assert "PENDING" in text and "DELIVERED" in text and "OLDEST PENDING" in text
    assert "1 refused statement(s): lti-journeys xapi dead-letters --target tool-lrs" in text

    letters = json.loads(_ok(runner, "xapi", "dead-letters", "--json"))
    assert [letter["statement_id"] for letter in letters] == [invalid_statement_id(app)]
    assert letters[0]["reason"].startswith("HTTP 400: ")
    assert "HTTP 400" in _ok(runner, "xapi", "dead-letters", "--target", "tool-lrs")

    out = _ok(runner, "xapi", "retry-dead", "--target", "tool-lrs")
    assert out.strip() == "Queued 1 dead-lettered statement(s) of target tool-lrs again."
    assert json.loads(_ok(runner, "xapi", "status", "--json"))[0]["pending"] == 1
    assert "No LRS target named 'nope'" in _fails(runner, "xapi", "retry-dead", "--target", "nope")


def invalid_statement_id(app: Flask) -> str:
    with get_database(app).session() as session:
        ids = session.scalars(
            select(OutboxEntry.statement_id).where(OutboxEntry.state == "dead")
        ).all()
    [only] = ids
    return only


def test_status_shows_a_paused_target_and_resume_clears_it(
    app: Flask, runner: FlaskCliRunner, lrs_endpoint: str
) -> None:
    key, _secret = lrs_credential(app)
    _add(runner, "tool-lrs", lrs_endpoint, key=key, secret="not-the-secret")
    _enqueue(app, [make_statement()])
    assert "Delivered 0 statement(s)" in _ok(runner, "xapi", "worker", "--once")
    text = _ok(runner, "xapi", "status")
    assert "paused" in text
    assert "HTTP 401: Unknown or revoked LRS credentials." in text
    assert "lti-journeys xapi target resume --name tool-lrs" in text
    assert "PAUSED" in _ok(runner, "xapi", "target", "list")
    out = _ok(runner, "xapi", "target", "resume", "--name", "tool-lrs")
    assert "resumed" in out
    assert json.loads(_ok(runner, "xapi", "status", "--json"))[0]["state"] == "ok"


def test_worker_concurrency_needs_postgresql(runner: FlaskCliRunner, database_url: str) -> None:
    if database_url.startswith("postgresql"):
        assert "Delivered 0" in _ok(runner, "xapi", "worker", "--once", "--concurrency", "2")
    else:
        out = _fails(runner, "xapi", "worker", "--once", "--concurrency", "2")
        assert "--concurrency needs PostgreSQL" in out


def test_replay_queues_stored_statements_for_a_new_target(
    app: Flask, runner: FlaskCliRunner, org: str
) -> None:
    with get_database(app).session() as session:
        store_statements(session, "1", [make_statement() for _ in range(3)], authority=AUTHORITY)
        session.commit()
    _add(runner, "new-lrs", "https://new.example.se/xapi", "--org", org)
    out = _ok(runner, "xapi", "replay", "--target", "new-lrs", "--since", "2020-01-01")
    assert out.strip() == (
        "Queued 3 statement(s) stored since 2020-01-01 00:00:00 UTC for new-lrs "
        "(3 scanned, 0 outside its filter, 0 already queued or delivered)."
    )
    out = _ok(runner, "xapi", "replay", "--target", "new-lrs", "--since", "2020-01-01T00:00Z")
    assert "Queued 0 statement(s)" in out and "3 already queued or delivered" in out
    assert "is not a date" in _fails(
        runner, "xapi", "replay", "--target", "new-lrs", "--since", "yesterday"
    )
    assert "No LRS target named 'x'" in _fails(
        runner, "xapi", "replay", "--target", "x", "--since", "2020-01-01"
    )


def test_parse_since() -> None:
    assert parse_since("2026-01-02") == datetime(2026, 1, 2, tzinfo=UTC)
    assert parse_since("2026-01-02T03:04:05+01:00") == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    with pytest.raises(InvalidInputError):
        parse_since("02/01/2026")
