"""Delivery benchmark: statements/s from the outbox to the embedded LRS, vs tincan's RemoteLRS.

The LRS is the tool itself (``gunicorn wsgi:app``, its embedded LRS at /xapi) on 127.0.0.1 with
its own database. In the same run:

* baseline: tincan's ``RemoteLRS.save_statement``, one statement per request (a new connection
  each time, as tincan does), sequentially;
* delivery: statements queued in the outbox (a separate database, as the tool's would be) and
  delivered by ``xapi.delivery.DeliveryWorker`` threads (batches, keep-alive), timed from start
  until the queue is empty and every row is marked delivered;
* enqueue: what queueing adds to a request: ``outbox.enqueue`` of one statement plus the commit,
  on a fresh session per call, repeated (p50/p95).

    python bench/delivery.py --help

The load generator, the database server(s) and gunicorn share the machine's cores.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, delete, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tincan import RemoteLRS, Statement  # noqa: E402

from lti_tool import migrate  # noqa: E402
from lti_tool.db import Database  # noqa: E402
from xapi import outbox  # noqa: E402
from xapi.delivery import DeliveryOptions, DeliveryWorker  # noqa: E402
from xapi.delivery_models import DELIVERED, LrsTarget, OutboxEntry  # noqa: E402
from xapi.lrs.auth import create_credential  # noqa: E402
from xapi.lrs.models import Statement as StoredStatement  # noqa: E402
from xapi.targets import add_target  # noqa: E402
from xapi.transport import batch_body  # noqa: E402

POSTGRES = os.environ.get(
    "LTI_JOURNEYS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
SECRET_KEY = "bench-secret-key-with-enough-length-0123456789"  # noqa: S105 (benchmark only)
LRS_TENANT = "bench"
START_TIMEOUT = 30.0
PEOPLE = 200
STEPS = 20


# --- statements --------------------------------------------------------------------------------
def journey_statement(n: int) -> dict[str, Any]:
    """A statement as a journey records it: a person, a verb, a step inside a journey."""
    person = n % PEOPLE
    step = n % STEPS
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": f"Person {person}",
            "account": {"homePage": "https://lms.example.se", "name": f"user-{person}"},
        },
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"sv-SE": "slutförde", "en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": f"https://journeys.example.se/journeys/7/steps/{step}",
            "definition": {
                "name": {"sv-SE": f"Steg {step}"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "context": {
            "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, f"registration-{person}")),
            "platform": "lti-journeys",
            "language": "sv-SE",
            "contextActivities": {
                "parent": [{"id": "https://journeys.example.se/journeys/7"}],
                "grouping": [{"id": "https://lms.example.se/courses/42"}],
            },
        },
        "timestamp": "2026-11-23T10:00:00.000Z",
    }


# --- a null LRS: what the delivery machinery itself can push -----------------------------------
def null_lrs(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Accepts every batch without looking at it (``gunicorn --pythonpath bench delivery:null_lrs``)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    body = b"[]" if environ.get("REQUEST_METHOD") == "POST" else b'{"status": "ok"}'
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


# --- processes and databases -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def control_socket_options() -> list[str]:
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


def fresh_database(kind: str, name: str, workdir: Path) -> str:
    """An empty, migrated database: a SQLite file, or a PostgreSQL database dropped first."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / (name + '.sqlite3')}"
    else:
        base = make_url(POSTGRES)
        url = base.set(database=name).render_as_string(hide_password=False)
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Server:
    url: str
    command: list[str]
    process: subprocess.Popen[bytes]
    error_log: Path


@contextmanager
def lrs_server(
    database_url: str, workers: int, workdir: Path, app: str = "wsgi:app"
) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    error_log = workdir / f"gunicorn-{port}-error.log"
    extra = ["--pythonpath", str(Path(__file__).parent)] if app.startswith("delivery:") else []
    command = [
        sys.executable, "-m", "gunicorn", app, *extra, "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--error-logfile", str(error_log), "--graceful-timeout", "5",
        *control_socket_options(),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_JOURNEYS_")}
    env.update(
        LTI_JOURNEYS_ENV="test",
        LTI_JOURNEYS_DATABASE_URL=database_url,
        LTI_JOURNEYS_SECRET_KEY=SECRET_KEY,
        LTI_JOURNEYS_BASE_URL=url,
        LTI_JOURNEYS_DEMO_ENABLED="false",
        LTI_JOURNEYS_LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + error_log.read_text()[-2000:])
            with suppress(requests.RequestException):
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + error_log.read_text()[-2000:])
            time.sleep(0.1)
        yield Server(url, command, process, error_log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- measurements ------------------------------------------------------------------------------
@dataclass
class Row:
    name: str
    statements: int
    seconds: float
    requests: int

    @property
    def rate(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0


def baseline(lrs_url: str, key: str, secret: str, count: int) -> Row:
    remote = RemoteLRS(endpoint=lrs_url + "/xapi/", username=key, password=secret, version="1.0.3")
    statements = [Statement(journey_statement(n)) for n in range(count)]
    start = time.perf_counter()
    for statement in statements:
        response = remote.save_statement(statement)
        if not response.success:
            raise SystemExit(f"baseline: the LRS refused a statement: {response.data!r}")
    return Row(
        "tincan RemoteLRS.save_statement, 1 per request", count, time.perf_counter() - start, count
    )


@dataclass
class EnqueueTimings:
    """Milliseconds per call."""

    enqueue: list[float]  # outbox.enqueue alone, in a request's session
    with_commit: list[float]  # enqueue + commit: what recording adds to a request
    cold: list[float]  # enqueue + commit on a new session (pool checkout and ping included)
    floor: list[float]  # a plain one-row INSERT + commit of the same size, without enqueue


def direct(lrs_url: str, key: str, secret: str, count: int, batch: int, threads: int) -> Row:
    """The LRS's own ceiling: pre-serialised batches POSTed straight from memory."""
    bodies = [
        batch_body([outbox.dumps(journey_statement(n)) for n in range(start, start + batch)])
        for start in range(0, count, batch)
    ]
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    failures: list[str] = []

    def post(mine: list[bytes]) -> None:
        with requests.Session() as http:
            for body in mine:
                response = http.post(
                    lrs_url + "/xapi/statements",
                    data=body,
                    headers=headers,
                    auth=(key, secret),
                    timeout=120,
                )
                if response.status_code != 200:
                    failures.append(response.text[:200])

    runners = [threading.Thread(target=post, args=(bodies[i::threads],)) for i in range(threads)]
    start = time.perf_counter()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    seconds = time.perf_counter() - start
    if failures:
        raise SystemExit(f"direct POST refused: {failures[0]}")
    name = f"direct POST from memory, batch {batch}, {threads} thread(s)"
    return Row(name, len(bodies) * batch, seconds, len(bodies))


def enqueue_latency(database: Database, calls: int) -> EnqueueTimings:
    """Time enqueue of one statement, as a request does it, ``calls`` times.

    In a request the session already holds its connection (the request read something first),
    so ``with_commit`` is exactly what queueing adds: one INSERT ... SELECT and the commit. The
    floor is the database's own cost for any one-row write and commit, measured alike.
    """
    timings = EnqueueTimings([], [], [], [])
    with database.session() as session:
        session.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, payload TEXT)"))
        session.commit()
    for n in range(calls):
        statement = journey_statement(n)
        with database.session() as session:
            session.execute(text("SELECT 1"))
            start = time.perf_counter()
            outbox.enqueue(session, [statement], "1")
            queued = time.perf_counter()
            session.commit()
            end = time.perf_counter()
        timings.enqueue.append((queued - start) * 1000)
        timings.with_commit.append((end - start) * 1000)
        statement = journey_statement(n)
        start = time.perf_counter()
        with database.session() as session:
            outbox.enqueue(session, [statement], "1")
            session.commit()
        timings.cold.append((time.perf_counter() - start) * 1000)
        with database.session() as session:
            session.execute(text("SELECT 1"))
            start = time.perf_counter()
            session.execute(
                text("INSERT INTO bench_floor (id, payload) VALUES (:id, :payload)"),
                {"id": n, "payload": outbox.dumps(statement)},
            )
            session.commit()
            timings.floor.append((time.perf_counter() - start) * 1000)
    with database.session() as session:
        session.execute(delete(OutboxEntry))
        session.execute(text("DROP TABLE bench_floor"))
        session.commit()
    return timings


def fill_outbox(database: Database, count: int) -> None:
    with database.session() as session:
        for start in range(0, count, 1000):
            batch = [journey_statement(n) for n in range(start, min(count, start + 1000))]
            outbox.enqueue(session, batch, "1")
            session.commit()


def deliver(database: Database, count: int, batch_size: int, threads: int, name: str) -> Row:
    options = DeliveryOptions(batch_size=batch_size, read_timeout_seconds=120)
    workers = [DeliveryWorker(database.sessionmaker, options, prune=False) for _ in range(threads)]
    runners = [threading.Thread(target=w.drain) for w in workers]
    start = time.perf_counter()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    seconds = time.perf_counter() - start
    for worker in workers:
        worker.sender.close()
    with database.session() as session:
        delivered = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state == DELIVERED)
        )
        session.execute(delete(OutboxEntry))
        session.commit()
    if delivered != count:
        raise SystemExit(f"only {delivered} of {count} statements were delivered")
    failures = sum(w.totals.failures for w in workers)
    if failures:
        raise SystemExit(f"{failures} failed requests during delivery")
    requests_made = sum(w.totals.requests for w in workers)
    return Row(f"{name}, batch {batch_size}, {threads} thread(s)", count, seconds, requests_made)


def set_target(database: Database, url: str, key: str, secret: str) -> None:
    with database.session() as session:
        session.execute(delete(LrsTarget))
        session.commit()
        add_target(session, name="bench-lrs", endpoint=url + "/xapi", key=key, secret=secret)


def stored_in_lrs(lrs_url: str) -> int:
    engine = create_engine(lrs_url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(StoredStatement)).scalar_one()
    engine.dispose()
    return int(count)


def table(rows: list[Row], base: Row) -> str:
    lines = [
        f"{'sender':<48} {'statements':>10} {'seconds':>8} {'statements/s':>13} {'requests':>9} "
        f"{'vs baseline':>12}"
    ]
    for row in rows:
        lines.append(
            f"{row.name:<48} {row.statements:>10} {row.seconds:>8.2f} {row.rate:>13,.0f} "
            f"{row.requests:>9} {row.rate / base.rate:>11.1f}×"
        )
    return "\n".join(lines)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20000, help="delivered by the worker")
    parser.add_argument("--baseline", type=int, default=300, help="sent with tincan, one by one")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2, help="delivery threads (PostgreSQL)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--lrs-db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--outbox-db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--enqueue-calls", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument(
        "--no-null-lrs",
        dest="null_lrs",
        action="store_false",
        help="skip the run against an LRS that stores nothing",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("command:", shlex.join([os.path.relpath(sys.executable), *sys.argv]), flush=True)
    threads = args.threads if args.outbox_db == "postgresql" else 1
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        workdir = Path(tmp)
        lrs_url = fresh_database(args.lrs_db, "lti_journeys_bench_lrs", workdir)
        outbox_url = fresh_database(args.outbox_db, "lti_journeys_bench_outbox", workdir)
        lrs_db = Database(lrs_url)
        with lrs_db.session() as session:
            credential, secret = create_credential(
                session, LRS_TENANT, ["all"], "bench", "http://127.0.0.1"
            )
            key = credential.key
        lrs_db.engine.dispose()
        database = Database(outbox_url)
        try:
            # Queueing first, while nothing else runs: a target must exist for rows to be written.
            set_target(database, "http://127.0.0.1:9", key, secret)
            timings = enqueue_latency(database, args.enqueue_calls)
            print(
                f"enqueue: p95 {percentile(timings.with_commit, 0.95):.2f} ms with the commit",
                flush=True,
            )
            with lrs_server(lrs_url, args.gunicorn_workers, workdir) as server:
                print("LRS:", shlex.join(server.command), flush=True)
                set_target(database, server.url, key, secret)
                base = baseline(server.url, key, secret, args.baseline)
                print(f"baseline: {base.rate:,.0f} statements/s", flush=True)
                fill_outbox(database, args.statements)
                ours = deliver(
                    database, args.statements, args.batch_size, threads, "outbox worker → LRS"
                )
                print(f"delivery: {ours.rate:,.0f} statements/s", flush=True)
                ceiling = direct(server.url, key, secret, args.statements, args.batch_size, threads)
            stored = stored_in_lrs(lrs_url)
            rows = [base, ours, ceiling]
            if args.null_lrs:
                with lrs_server("", args.gunicorn_workers, workdir, "delivery:null_lrs") as null:
                    set_target(database, null.url, key, secret)
                    fill_outbox(database, args.statements)
                    rows.append(
                        deliver(
                            database,
                            args.statements,
                            args.batch_size,
                            threads,
                            "outbox worker → null LRS",
                        )
                    )
        finally:
            database.engine.dispose()
            if not args.keep:
                drop_database(lrs_url)
                drop_database(outbox_url)
    expected = args.baseline + args.statements + ceiling.statements
    print()
    print(
        f"machine: {os.cpu_count()} CPU(s); LRS: gunicorn wsgi:app, {args.gunicorn_workers} sync "
        f"workers, {args.lrs_db} database; outbox: {args.outbox_db} database"
    )
    print(table(rows, base))
    print(
        "(direct POST: what the LRS takes from an ideal client; null LRS: gunicorn accepting "
        "batches without storing them, what the delivery side alone sustains)"
    )
    print(f"statements stored by the LRS: {stored} (expected {expected})")
    print(f"load average (1 min) before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}")

    def line(label: str, values: list[float]) -> str:
        p50, p95, p99 = (percentile(values, f) for f in (0.5, 0.95, 0.99))
        return f"  {label:<58} p50 {p50:5.2f} ms  p95 {p95:5.2f} ms  p99 {p99:5.2f} ms"

    print(f"queueing one statement, {args.enqueue_calls} calls, {args.outbox_db} database:")
    print(line("enqueue + commit, in a request", timings.with_commit))
    print(line("enqueue alone (one INSERT ... SELECT)", timings.enqueue))
    print(line("enqueue + commit on a new session (checkout + ping)", timings.cold))
    print(line("floor: any one-row INSERT + commit, no enqueue", timings.floor))
    p95 = percentile(timings.with_commit, 0.95)
    speedup = ours.rate / base.rate
    checks = [
        (f"delivery ≥ 20× baseline ({speedup:.1f}×)", speedup >= 20),
        (f"delivery ≥ 5,000 statements/s ({ours.rate:,.0f})", ours.rate >= 5000),
        (f"enqueue p95 < 2 ms ({p95:.2f} ms)", p95 < 2.0),
        (f"every statement stored once ({stored}/{expected})", stored == expected),
    ]
    for label, passed in checks:
        print(f"  [{'pass' if passed else 'FAIL'}] {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
