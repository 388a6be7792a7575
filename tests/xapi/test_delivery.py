"""The delivery worker: batches, classification of answers, back-off, pausing and stopping.

Most tests deliver over real HTTP to the embedded LRS of the test app (served on 127.0.0.1 in a
thread); answers the embedded LRS never gives (5xx, 409, 413, 429) come from a scripted sender.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config.settings import Settings
from lti_tool.app import create_app
from lti_tool.db import get_database
from lti_tool.lti.passback import PassbackRunner
from tests.conftest import make_settings
from tests.support.database import truncate_all
from tests.support.xapi_delivery import (
    ScriptedSender,
    invalid_statement,
    live_server,
    lrs_credential,
    make_statement,
    stored_count,
    stored_ids,
)
from xapi import outbox
from xapi.delivery import (
    DUPLICATE,
    OK,
    REFUSED,
    RETRY,
    UNAUTHORIZED,
    DeliveryOptions,
    DeliveryRunner,
    DeliveryWorker,
    backoff_seconds,
    classify,
    delivery_status,
    log_reason,
)
from xapi.delivery_models import DEAD, DELIVERED, PENDING, LrsTarget, OutboxEntry
from xapi.targets import add_target, resume_target
from xapi.transport import Endpoint, SendResult, Transport

OPTIONS = DeliveryOptions(batch_size=50, backoff_base_seconds=1.0, backoff_max_seconds=60.0)
ID = "1f0c8a56-5b8e-4d4a-9f51-3d9c3f0f7a11"
ID2 = "6a1e3c55-0f1d-4c3b-8a7e-2b9d4e5f6a70"
OTHER = "9b2f4d66-1e2c-4d4c-9b8f-3c0e5f6a7b81"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _session(app: Flask) -> Session:
    return get_database(app).sessionmaker()


def _target(
    app: Flask, endpoint: str, key: str = "k", secret: str | None = None, **kw: Any
) -> LrsTarget:
    with _session(app) as session:
        return add_target(
            session,
            name=kw.pop("name", "lrs"),
            endpoint=endpoint,
            key=key,
            secret=secret or "s",
            **kw,
        )


def _enqueue(app: Flask, statements: list[dict[str, Any]], tenant: str = "1") -> None:
    with _session(app) as session:
        outbox.enqueue(session, statements, tenant)
        session.commit()


def _rows(app: Flask) -> list[OutboxEntry]:
    with _session(app) as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def _reload(app: Flask, target: LrsTarget) -> LrsTarget:
    with _session(app) as session:
        found = session.get(LrsTarget, target.id)
        assert found is not None
        return found


def _worker(app: Flask, sender: Any = None, **kw: Any) -> DeliveryWorker:
    options = kw.pop("options", OPTIONS)
    return DeliveryWorker(get_database(app).sessionmaker, options, sender=sender, **kw)


@pytest.fixture
def lrs_endpoint(app: Flask) -> Iterator[str]:
    with live_server(app) as url:
        yield url + "/xapi"


# -- classification and back-off (no database) --------------------------------------------------
@pytest.mark.parametrize(
    ("result", "ids", "expected"),
    [
        (SendResult(200), [ID], OK),
        (SendResult(204), [ID], OK),
        (SendResult(409, "Conflict"), [ID, ID2], DUPLICATE),
        (SendResult(400, f"Statement {ID} already exists"), [ID2, ID], DUPLICATE),
        (SendResult(400, "already stored"), [ID], DUPLICATE),
        (SendResult(400, f"Statement {OTHER} already exists"), [ID, ID2], REFUSED),
        (SendResult(400, "verb.id must be an IRI"), [ID], REFUSED),
        (SendResult(403, "scope"), [ID], REFUSED),
        (SendResult(413, "too large"), [ID], REFUSED),
        (SendResult(401, "who are you"), [ID], UNAUTHORIZED),
        (SendResult(500), [ID], RETRY),
        (SendResult(503), [ID], RETRY),
        (SendResult(429), [ID], RETRY),
        (SendResult(404), [ID], RETRY),
        (SendResult(None, error="timeout"), [ID], RETRY),
    ],
)
def test_classify(result: SendResult, ids: list[str], expected: str) -> None:
    assert classify(result, ids) == expected


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    options = DeliveryOptions(backoff_base_seconds=1.0, backoff_max_seconds=30.0)
    assert [backoff_seconds(n, options, lambda: 1.0) for n in (1, 2, 3, 4, 5, 6, 20)] == [
        1,
        2,
        4,
        8,
        16,
        30,
        30,
    ]
    assert backoff_seconds(3, options, lambda: 0.0) == 2.0  # half of 4 at the least


# -- over HTTP, against the embedded LRS --------------------------------------------------------
def test_delivers_batches_to_the_embedded_lrs(app: Flask, lrs_endpoint: str) -> None:
    key, secret = lrs_credential(app)
    _target(app, lrs_endpoint, key, secret)
    statements = [make_statement() for _ in range(120)]
    _enqueue(app, statements)
    worker = _worker(app)
    totals = worker.drain()
    worker.sender.close()
    assert (totals.delivered, totals.dead, totals.requests) == (120, 0, 3)
    assert sorted(stored_ids(app)) == sorted(s["id"] for s in statements)
    rows = _rows(app)
    assert {(r.state, r.attempts) for r in rows} == {(DELIVERED, 1)}
    with _session(app) as session:
        [status] = delivery_status(session)
    assert (status.pending, status.delivered, status.dead, status.state) == (0, 120, 0, "ok")
    assert status.oldest_pending_age_seconds is None


def test_a_refused_statement_is_isolated_and_the_rest_flow_on(
    app: Flask, lrs_endpoint: str
) -> None:
    key, secret = lrs_credential(app)
    _target(app, lrs_endpoint, key, secret)
    statements = [make_statement() for _ in range(40)]
    bad = invalid_statement()
    statements.insert(17, bad)
    _enqueue(app, statements)
    worker = _worker(app)
    totals = worker.drain()
    worker.sender.close()
    assert (totals.delivered, totals.dead) == (40, 1)
    # Binary split: at most two requests per halving on the way to the refused statement.
    assert totals.requests <= 1 + 2 * 6
    assert sorted(stored_ids(app)) == sorted(s["id"] for s in statements if s is not bad)
    with _session(app) as session:
        [letter] = outbox.dead_letters(session)
    assert letter.statement_id == bad["id"]
    assert letter.reason.startswith("HTTP 400: ")
    assert "verb" in letter.reason


def test_401_pauses_the_target_and_drops_nothing(app: Flask, lrs_endpoint: str) -> None:
    key, secret = lrs_credential(app)
    target = _target(app, lrs_endpoint, key, "wrong-secret")
    statements = [make_statement() for _ in range(5)]
    _enqueue(app, statements)
    clock = Clock()
    worker = _worker(app, clock=clock)
    worker.drain()
    paused = _reload(app, target)
    assert paused.paused_at == clock.now
    assert paused.paused_reason is not None and paused.paused_reason.startswith("HTTP 401")
    rows = _rows(app)
    assert {r.state for r in rows} == {PENDING}
    with _session(app) as session:
        [status] = delivery_status(session, rows[0].created_at + timedelta(seconds=30))
    assert (status.state, status.pending, status.oldest_pending_age_seconds) == ("paused", 5, 30)
    # Paused: no requests until the probe interval has passed or the operator resumes it.
    requests = worker.totals.requests
    worker.drain()
    assert worker.totals.requests == requests
    with _session(app) as session:
        session.execute(update(LrsTarget).values(secret=secret))
        session.commit()
        resume_target(session, "lrs")
    worker.drain()
    worker.sender.close()
    assert {r.state for r in _rows(app)} == {DELIVERED}
    assert _reload(app, target).paused_at is None
    assert stored_count(app) == 5


def test_a_paused_target_is_probed_again_later(app: Flask) -> None:
    answers = iter([SendResult(401, "expired"), SendResult(200)])
    sender = ScriptedSender(lambda ids: next(answers))
    target = _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    clock = Clock()
    worker = _worker(app, sender, clock=clock, options=DeliveryOptions(pause_probe_seconds=300.0))
    worker.drain()
    assert _reload(app, target).paused_at is not None
    clock.advance(299)
    worker.drain()
    assert len(sender.calls) == 1
    clock.advance(2)
    worker.drain()
    assert len(sender.calls) == 2
    assert _reload(app, target).paused_at is None
    assert {r.state for r in _rows(app)} == {DELIVERED}


def test_an_undecryptable_secret_pauses_the_target(app: Flask) -> None:
    with _session(app) as session:
        target = add_target(
            session,
            name="lrs",
            endpoint="https://lrs.example.se/xapi",
            key="k",
            secret="s",
            encrypt=lambda s: "token:" + s,
        )

    def decrypt(_token: str) -> str:
        raise RuntimeError("the key-at-rest changed")

    sender = ScriptedSender()
    _enqueue(app, [make_statement()])
    _worker(app, sender, decrypt=decrypt).drain()
    assert sender.calls == []
    reason = _reload(app, target).paused_reason
    assert reason is not None and "the key-at-rest changed" in reason


# -- answers only a scripted LRS gives ----------------------------------------------------------
def test_transient_failures_back_off_then_deliver(app: Flask) -> None:
    answers = iter([SendResult(503, "maintenance"), SendResult(None, error="timeout"), None])
    sender = ScriptedSender(lambda ids: next(answers) or SendResult(200))
    target = _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement() for _ in range(3)])
    clock = Clock()
    start = clock.now
    worker = _worker(app, sender, clock=clock, rng=lambda: 1.0)
    worker.drain()
    failed = _reload(app, target)
    assert failed.failures == 1
    assert failed.last_error == "HTTP 503: maintenance"
    assert failed.next_attempt_at == start + timedelta(seconds=1)
    assert {(r.state, r.attempts) for r in _rows(app)} == {(PENDING, 1)}
    worker.drain()  # not due yet
    assert len(sender.calls) == 1
    clock.advance(1)
    worker.drain()
    failed = _reload(app, target)
    assert (failed.failures, failed.last_error) == (2, "timeout")
    assert failed.next_attempt_at == clock.now + timedelta(seconds=2)
    clock.advance(2)
    worker.drain()
    recovered = _reload(app, target)
    assert (recovered.failures, recovered.last_error, recovered.next_attempt_at) == (0, None, None)
    assert {(r.state, r.attempts) for r in _rows(app)} == {(DELIVERED, 3)}
    assert len(sender.calls) == 3


def test_retry_after_is_honoured(app: Flask) -> None:
    sender = ScriptedSender(lambda ids: SendResult(429, "slow down", retry_after=120))
    target = _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    clock = Clock()
    _worker(app, sender, clock=clock, options=DeliveryOptions(backoff_max_seconds=300)).drain()
    assert _reload(app, target).next_attempt_at == clock.now + timedelta(seconds=120)


def test_a_409_batch_is_sent_again_one_by_one(app: Flask) -> None:
    statements = [make_statement() for _ in range(4)]
    already = {statements[1]["id"], statements[3]["id"]}

    def respond(ids: list[str]) -> SendResult:
        if len(ids) > 1 or ids[0] in already:
            return SendResult(409, "Conflict")
        return SendResult(200)

    sender = ScriptedSender(respond)
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, statements)
    totals = _worker(app, sender).drain()
    assert (totals.delivered, totals.dead, totals.requests) == (4, 0, 5)
    assert sender.calls[1:] == [[s["id"]] for s in statements]
    assert {r.state for r in _rows(app)} == {DELIVERED}


def test_an_already_stored_answer_for_the_same_ids_counts_as_delivered(app: Flask) -> None:
    statement = make_statement()
    sender = ScriptedSender(
        lambda ids: SendResult(400, f"Statement {ids[0]} already exists in this LRS")
    )
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [statement])
    totals = _worker(app, sender).drain()
    assert (totals.delivered, totals.dead) == (1, 0)


def test_413_splits_the_batch_until_it_fits(app: Flask) -> None:
    sender = ScriptedSender(
        lambda ids: SendResult(413, "too large") if len(ids) > 3 else SendResult(200)
    )
    _target(app, "https://lrs.example.se/xapi")
    statements = [make_statement() for _ in range(10)]
    _enqueue(app, statements)
    totals = _worker(app, sender).drain()
    assert (totals.delivered, totals.dead) == (10, 0)
    accepted = [sid for call in sender.calls if len(call) <= 3 for sid in call]
    assert sorted(accepted) == sorted(s["id"] for s in statements)
    assert [len(call) for call in sender.calls] == [10, 5, 2, 3, 5, 2, 3]


def test_a_403_single_statement_goes_to_the_dead_letters(app: Flask) -> None:
    sender = ScriptedSender(lambda ids: SendResult(403, "not allowed to define activities"))
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    _worker(app, sender).drain()
    [row] = _rows(app)
    assert (row.state, row.error) == (DEAD, "HTTP 403: not allowed to define activities")


def test_a_refused_statement_is_logged_without_the_lrss_reason(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # An LRS's reason may quote the statement: the person's name or text stays out of the log.
    reason = "actor.name 'Maja Lärare' is not allowed"
    sender = ScriptedSender(lambda ids: SendResult(400, reason))
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    caplog.set_level("INFO")
    _worker(app, sender).drain()
    assert "refused by https://lrs.example.se/xapi with HTTP 400" in caplog.text
    assert "Maja" not in caplog.text
    assert _rows(app)[0].error == f"HTTP 400: {reason}"


def test_batches_go_out_in_creation_order_per_target(app: Flask) -> None:
    sender = ScriptedSender()
    _target(app, "https://a.example.se/xapi", name="a", key="key-a")
    _target(app, "https://b.example.se/xapi", name="b", key="key-b", version="2.0.0")
    statements = [make_statement() for _ in range(25)]
    for statement in statements:
        _enqueue(app, [statement])
    _worker(app, sender, options=DeliveryOptions(batch_size=10)).drain()
    ids = [s["id"] for s in statements]
    by_target: dict[str, list[list[str]]] = {}
    for endpoint, call in zip(sender.endpoints, sender.calls, strict=True):
        by_target.setdefault(endpoint.key, []).append(call)
    assert by_target == {
        "key-a": [ids[:10], ids[10:20], ids[20:]],
        "key-b": [ids[:10], ids[10:20], ids[20:]],
    }
    assert {e.version for e in sender.endpoints if e.key == "key-b"} == {"2.0.0"}


@pytest.fixture
def postgres_app(migrated_postgres: str) -> Iterator[Flask]:
    """Only on PostgreSQL: several workers need SELECT ... FOR UPDATE SKIP LOCKED."""
    application = create_app(make_settings(migrated_postgres))
    yield application
    truncate_all(get_database(application).engine)
    get_database(application).engine.dispose()


def test_two_workers_on_postgresql_send_each_statement_once(postgres_app: Flask) -> None:
    app = postgres_app
    lock = threading.Lock()
    sent: list[tuple[int, str]] = []

    def slow(worker: int) -> ScriptedSender:
        def respond(ids: list[str]) -> SendResult:
            time.sleep(0.01)
            with lock:
                sent.extend((worker, sid) for sid in ids)
            return SendResult(200)

        return ScriptedSender(respond)

    _target(app, "https://lrs.example.se/xapi")
    statements = [make_statement() for _ in range(400)]
    _enqueue(app, statements)
    options = DeliveryOptions(batch_size=20)
    workers = [_worker(app, slow(n), options=options) for n in range(2)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ids = [sid for _, sid in sent]
    assert sorted(ids) == sorted(s["id"] for s in statements)  # each exactly once
    assert {worker for worker, _ in sent} == {0, 1}
    assert {r.state for r in _rows(app)} == {DELIVERED}


def test_stop_finishes_the_current_batch(app: Flask) -> None:
    started = threading.Event()
    release = threading.Event()

    def respond(ids: list[str]) -> SendResult:
        started.set()
        release.wait(10)
        return SendResult(200)

    sender = ScriptedSender(respond)
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement() for _ in range(30)])
    runner = DeliveryRunner(
        get_database(app).sessionmaker,
        DeliveryOptions(batch_size=10, poll_seconds=0.05),
        sender_factory=lambda: sender,
    )
    runner.start()
    assert started.wait(10)
    runner.stop()
    release.set()
    assert runner.join(10)
    states = [r.state for r in _rows(app)]
    assert states == [DELIVERED] * 10 + [PENDING] * 20
    assert sender.closed


def test_delivered_rows_are_pruned_after_the_keep_days(app: Flask) -> None:
    _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement() for _ in range(4)])
    clock = Clock()
    options = DeliveryOptions(keep_days=7, prune_every_seconds=3600)
    worker = _worker(app, ScriptedSender(), clock=clock, options=options)
    worker.drain()
    with _session(app) as session:
        first_two = [r.id for r in _rows(app)][:2]
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(first_two))
            .values(delivered_at=clock.now - timedelta(days=8))
        )
        session.commit()
    assert worker.prune_if_due() == 2
    assert len(_rows(app)) == 2
    assert worker.prune_if_due() == 0  # not again within the hour


# -- the transport ------------------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.seen.append(
            {"port": self.client_address[1], "headers": dict(self.headers), "body": body}
        )
        if self.path.startswith("/slow/"):
            time.sleep(1.0)
        payload = b'{"error": true, "message": "try later"}'
        self.send_response(503 if self.path.startswith("/busy/") else 200)
        if self.path.startswith("/busy/"):
            self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_transport_reuses_connections_and_sends_auth_and_version(recorder: str) -> None:
    transport = Transport(connect_timeout=1, read_timeout=5)
    endpoint = Endpoint(recorder + "/xapi", "the-key", "the-secret", "2.0.0")
    statements = [make_statement(), make_statement()]
    payloads = [outbox.dumps(s) for s in statements]
    try:
        assert transport.post_statements(endpoint, payloads).ok
        assert transport.post_statements(endpoint, payloads[:1]).ok
        busy = transport.post_statements(Endpoint(recorder + "/busy", "k", "s", "1.0.3"), payloads)
    finally:
        transport.close()
    first, second, _ = _Recorder.seen
    assert first["port"] == second["port"]  # one kept-alive connection
    headers = first["headers"]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"the-key:the-secret").decode()
    assert headers["X-Experience-API-Version"] == "2.0.0"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(first["body"]) == statements
    assert (busy.status, busy.message, busy.retry_after) == (503, "try later", 7.0)


def test_transport_times_out_and_reports_refused_connections(recorder: str) -> None:
    transport = Transport(connect_timeout=1, read_timeout=0.2)
    payloads = [outbox.dumps(make_statement())]
    try:
        slow = transport.post_statements(Endpoint(recorder + "/slow", "k", "s", "1.0.3"), payloads)
        # A port nobody listens on: the recorder's own, after it stopped, is not guaranteed free,
        # so use port 9 (discard) on loopback, which is closed on test machines.
        refused = transport.post_statements(
            Endpoint("http://127.0.0.1:9/xapi", "k", "s", "1.0.3"), payloads
        )
    finally:
        transport.close()
    assert slow.status is None and slow.error.startswith("timeout")
    assert refused.status is None and refused.error.startswith("connection failed")
    assert classify(slow, ["x"]) == classify(refused, ["x"]) == RETRY


# -- the development thread ---------------------------------------------------------------------
def test_delivery_thread_is_on_by_default_only_in_development() -> None:
    def settings(**kw: Any) -> Settings:
        return Settings(_env_file=None, **kw)  # type: ignore[call-arg]

    assert settings(env="development").delivery_thread_active
    assert not settings(env="test").delivery_thread_active
    assert not settings(env="production").delivery_thread_active
    assert settings(env="test", delivery_thread=True).delivery_thread_active
    assert not settings(env="development", delivery_thread=False).delivery_thread_active


def _runners(app: Flask) -> list[DeliveryRunner]:
    hooks = [getattr(f, "__self__", None) for f in app.before_request_funcs.get(None, [])]
    return [h for h in hooks if isinstance(h, DeliveryRunner)]


def test_development_thread_starts_with_the_first_request(database_url: str) -> None:
    without = create_app(make_settings(database_url))
    get_database(without).engine.dispose()
    assert _runners(without) == []
    app = create_app(make_settings(database_url, delivery_thread=True))
    [runner] = _runners(app)
    try:
        assert runner.threads == []
        assert app.test_client().get("/healthz").status_code == 200
        assert [t.is_alive() for t in runner.threads] == [True]
        app.test_client().get("/healthz")
        assert len(runner.threads) == 1
    finally:
        runner.stop()
        assert runner.join(10)
        # The development server sends grades from a thread of its own as well.
        for hook in app.before_request_funcs.get(None, []):
            passback = getattr(hook, "__self__", None)
            if isinstance(passback, PassbackRunner):
                passback.stop()
                assert passback.join(10)
        get_database(app).engine.dispose()


def test_a_401_is_logged_with_its_status_but_without_the_lrss_text(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    sender = ScriptedSender(lambda ids: SendResult(401, "token abc123 for maja@example.se expired"))
    target = _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    caplog.set_level("INFO")
    _worker(app, sender).drain()
    assert "xAPI target lrs paused: HTTP 401 (credentials refused)" in caplog.text
    assert "abc123" not in caplog.text and "maja" not in caplog.text
    assert (
        _reload(app, target).paused_reason == "HTTP 401: token abc123 for maja@example.se expired"
    )


def test_a_5xx_is_logged_with_its_status_but_without_the_lrss_text(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    sender = ScriptedSender(lambda ids: SendResult(500, "stack trace: Maja Lärare's statement"))
    target = _target(app, "https://lrs.example.se/xapi")
    _enqueue(app, [make_statement()])
    caplog.set_level("INFO")
    _worker(app, sender).drain()
    assert "xAPI target lrs: HTTP 500 (LRS error); attempt 1 failed" in caplog.text
    assert "Maja" not in caplog.text and "stack trace" not in caplog.text
    assert _reload(app, target).last_error == "HTTP 500: stack trace: Maja Lärare's statement"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (SendResult(401, "x"), "HTTP 401 (credentials refused)"),
        (SendResult(429, "x"), "HTTP 429 (too many requests)"),
        (SendResult(504, "x"), "HTTP 504 (timed out)"),
        (SendResult(503, "x"), "HTTP 503 (LRS error)"),
        (SendResult(None, error="connection failed: refused by 10.0.0.1"), "connection failed"),
        (SendResult(None, error=""), "no answer"),
    ],
)
def test_log_reason_names_the_status_and_its_kind_only(result: SendResult, reason: str) -> None:
    assert log_reason(result) == reason
