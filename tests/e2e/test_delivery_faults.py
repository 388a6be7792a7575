"""Reliable delivery against a real LRS: the embedded LRS under gunicorn, with injected faults.

The LRS is ``gunicorn tests.support.faulty_lrs:app`` (the tool's app with its embedded LRS,
wrapped by a fault injector) on its own SQLite database, with a credential made by ``lti-journeys
org add`` and ``lti-journeys lrs credential add``. The sending side is another database (SQLite or
PostgreSQL) with one target made by ``lti-journeys xapi target add``, statements queued with
``xapi.outbox.enqueue`` as requests would, and ``lti-journeys xapi worker`` subprocesses.

"None twice" is checked in the LRS's database, through GET /xapi/statements, and, where
delivery itself must be exactly once, in the fault injector's log of every batch it answered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from lti_tool import migrate
from lti_tool.db import Database
from tests.support.database import POSTGRES_URL, skip_or_fail_without_postgres
from tests.support.workers import free_port
from tests.support.xapi_delivery import invalid_statement, make_statement
from xapi import outbox
from xapi.delivery_models import DEAD, DELIVERED, PENDING, LrsTarget, OutboxEntry

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "e2e-delivery-secret-key-with-enough-length-0123456789"
LRS_ORG = "lrs-e2e"
TARGET = "e2e-lrs"
COUNT = 1000
START_TIMEOUT = 20.0
DELIVERY_TIMEOUT = 40.0


# -- processes ----------------------------------------------------------------------------------
def _script() -> str:
    return str(Path(sys.executable).parent / "lti-journeys")


def _env(database_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LTI_JOURNEYS_", "FAULTY_"))}
    env.update(
        LTI_JOURNEYS_ENV="test",
        LTI_JOURNEYS_DATABASE_URL=database_url,
        LTI_JOURNEYS_SECRET_KEY=SECRET_KEY,
        LTI_JOURNEYS_DEMO_ENABLED="false",
        LTI_JOURNEYS_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(more)
    return env


def _cli(database_url: str, workdir: Path, *args: str) -> str:
    result = subprocess.run(
        [_script(), *args],
        cwd=workdir,
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"lti-journeys {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def _control_socket_options() -> list[str]:
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool], what: str, timeout: float, logs: Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")
        time.sleep(0.05)


@dataclass
class Lrs:
    url: str
    database_url: str
    key: str
    secret: str
    config: Path
    log: Path = Path()

    def faults(self, fail_rate: float = 0.0, delay: float = 0.0) -> None:
        """Faults of the running server from now on, logged to a fresh file."""
        self.log = self.config.with_name(f"{self.config.stem}-{time.monotonic_ns()}.log")
        self.config.write_text(
            json.dumps({"fail_rate": fail_rate, "delay": delay, "log": str(self.log)})
        )

    def lines(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split(" ") for line in self.log.read_text().splitlines() if line]

    def answered_ok(self) -> Counter[str]:
        """How often each statement was in a batch the LRS processed and answered 200."""
        counts: Counter[str] = Counter()
        for parts in self.lines():
            if parts[0] == "done" and parts[1] == "200":
                counts.update(parts[4].split(","))
        return counts

    def processed(self) -> Counter[str]:
        """How often each statement reached the LRS itself (answered or not)."""
        counts: Counter[str] = Counter()
        for parts in self.lines():
            if parts[0] == "done" and parts[2] != "-":
                counts.update(parts[4].split(","))
        return counts

    def stored(self) -> Counter[str]:
        """Rows per statement id in the LRS's own database."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT statement_id FROM xapi_statements")).all()
        finally:
            engine.dispose()
        return Counter(r[0] for r in rows)

    def fetched(self) -> Counter[str]:
        """Statement ids through GET /xapi/statements, following ``more``."""
        counts: Counter[str] = Counter()
        url = self.url + "/xapi/statements?limit=400"
        with requests.Session() as http:
            while url:
                response = http.get(
                    url,
                    auth=(self.key, self.secret),
                    headers={"X-Experience-API-Version": "1.0.3"},
                    timeout=10,
                )
                assert response.status_code == 200, response.text
                body = response.json()
                counts.update(s["id"] for s in body["statements"])
                url = self.url + body["more"] if body["more"] else ""
        return counts


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("delivery-e2e")


@pytest.fixture(scope="module")
def lrs_database(workdir: Path) -> tuple[str, str, str]:
    """The LRS's SQLite database with an organisation and an LRS credential (via the CLI)."""
    url = f"sqlite:///{workdir / 'lrs.sqlite3'}"
    _migrate(url)
    _cli(url, workdir, "org", "add", "--slug", LRS_ORG, "--name", "LRS E2E")
    created = json.loads(
        _cli(
            url, workdir, "lrs", "credential", "add", "--org", LRS_ORG, "--scopes", "all", "--json"
        )
    )
    return url, created["key"], created["secret"]


@contextmanager
def faulty_lrs(
    workdir: Path, lrs_database: tuple[str, str, str], port: int | None = None
) -> Iterator[Lrs]:
    """``gunicorn tests.support.faulty_lrs:app`` with two workers; faults set with ``faults``."""
    url, key, secret = lrs_database
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    lrs = Lrs(base, url, key, secret, workdir / f"lrs-{port}.json")
    lrs.faults()
    error_log = workdir / f"lrs-{port}-gunicorn.log"
    env = _env(url, LTI_JOURNEYS_BASE_URL=base, FAULTY_LRS_CONFIG=str(lrs.config))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.support.faulty_lrs:app",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--error-logfile",
            str(error_log),
            "--graceful-timeout",
            "5",
            *_control_socket_options(),
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def healthy() -> bool:
        assert process.poll() is None, error_log.read_text()
        with suppress(requests.RequestException):
            return requests.get(base + "/healthz", timeout=1).status_code == 200
        return False

    try:
        wait_for(healthy, "the LRS to start", START_TIMEOUT, error_log.read_text)
        yield lrs
    finally:
        _stop(process)


@dataclass
class Sender:
    """The sending side: its database, one target, and worker subprocesses."""

    database_url: str
    workdir: Path
    database: Database

    def point_at(self, lrs_url: str) -> None:
        """A clean queue, and the target (added by the CLI) pointed at this LRS."""
        with self.database.session() as session:
            session.execute(OutboxEntry.__table__.delete())
            session.execute(
                update(LrsTarget)
                .where(LrsTarget.name == TARGET)
                .values(
                    endpoint=lrs_url + "/xapi",
                    failures=0,
                    next_attempt_at=None,
                    paused_at=None,
                    paused_reason=None,
                    last_error=None,
                )
            )
            session.commit()

    def record(self, statements: list[dict[str, Any]], one_by_one: bool = False) -> None:
        """Queue statements as requests do: enqueue and commit (per statement, or all at once)."""
        groups = [[s] for s in statements] if one_by_one else [statements]
        with self.database.session() as session:
            for group in groups:
                outbox.enqueue(session, group, "1")
                session.commit()

    def counts(self) -> Counter[str]:
        with self.database.session() as session:
            return Counter(session.scalars(select(OutboxEntry.state)))

    def target(self) -> LrsTarget:
        with self.database.session() as session:
            return session.scalars(select(LrsTarget).where(LrsTarget.name == TARGET)).one()

    @contextmanager
    def worker(self, name: str = "worker", batch_size: int = 100) -> Iterator[Worker]:
        log = self.workdir / f"{name}-{time.monotonic_ns()}.log"
        env = _env(
            self.database_url,
            LTI_JOURNEYS_DELIVERY_BATCH_SIZE=str(batch_size),
            LTI_JOURNEYS_DELIVERY_POLL_SECONDS="0.05",
            LTI_JOURNEYS_DELIVERY_BACKOFF_BASE_SECONDS="0.05",
            LTI_JOURNEYS_DELIVERY_BACKOFF_MAX_SECONDS="0.4",
            LTI_JOURNEYS_DELIVERY_CONNECT_TIMEOUT_SECONDS="1",
            LTI_JOURNEYS_DELIVERY_READ_TIMEOUT_SECONDS="20",
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [_script(), "xapi", "worker"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log)
        try:
            wait_for(
                lambda: "worker running" in worker.output(),
                "the worker",
                START_TIMEOUT,
                worker.output,
            )
            yield worker
        finally:
            _stop(process)

    def wait_delivered(self, expected: int, logs: Callable[[], str]) -> None:
        def done() -> bool:
            target = self.target()
            assert target.paused_at is None, f"target paused: {target.paused_reason}\n{logs()}"
            counts = self.counts()
            return counts[PENDING] == 0 and counts[DELIVERED] + counts[DEAD] == expected

        wait_for(done, f"{expected} statements delivered", DELIVERY_TIMEOUT, logs)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> tuple[int, str]:
        """SIGTERM: the worker finishes its batch and exits."""
        code = _stop(self.process)
        return code, self.output()


def _migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()


def _sender(
    database_url: str, workdir: Path, lrs_database: tuple[str, str, str]
) -> Iterator[Sender]:
    """A migrated database with the target added by the CLI (its endpoint is set per test)."""
    _migrate(database_url)
    _, key, secret = lrs_database
    _cli(
        database_url, workdir, "xapi", "target", "add", "--name", TARGET,
        "--endpoint", "http://127.0.0.1:9/xapi", "--key", key, "--secret", secret,
    )  # fmt: skip
    database = Database(database_url)
    yield Sender(database_url, workdir, database)
    database.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_sender(workdir: Path, lrs_database: tuple[str, str, str]) -> Iterator[Sender]:
    yield from _sender(f"sqlite:///{workdir / 'tool.sqlite3'}", workdir, lrs_database)


@pytest.fixture(scope="module")
def postgres_sender(workdir: Path, lrs_database: tuple[str, str, str]) -> Iterator[Sender]:
    url = make_url(POSTGRES_URL)
    url = url.set(database=f"{url.database}_delivery")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:
        admin.dispose()
        skip_or_fail_without_postgres(f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    try:
        yield from _sender(url.render_as_string(hide_password=False), workdir, lrs_database)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clean_lrs(lrs_database: tuple[str, str, str]) -> tuple[str, str, str]:
    """The LRS database without the statements of earlier tests."""
    engine = create_engine(lrs_database[0])
    with engine.begin() as conn:
        for table in (
            "xapi_statement_agents",
            "xapi_statement_activities",
            "xapi_statements",
            "xapi_activities",
        ):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
    engine.dispose()
    return lrs_database


@pytest.fixture(scope="module")
def running_lrs(workdir: Path, lrs_database: tuple[str, str, str]) -> Iterator[Lrs]:
    """One LRS server for the scenarios that do not need it down."""
    with faulty_lrs(workdir, lrs_database) as lrs:
        yield lrs


@pytest.fixture
def lrs(running_lrs: Lrs, clean_lrs: tuple[str, str, str]) -> Lrs:
    """The running LRS, without faults and without the statements of earlier tests."""
    running_lrs.faults()
    return running_lrs


def _assert_all_once(lrs: Lrs, statements: list[dict[str, Any]]) -> None:
    expected = Counter(s["id"] for s in statements)
    assert lrs.stored() == expected
    assert lrs.fetched() == expected


# -- scenarios ----------------------------------------------------------------------------------
def test_recorded_while_the_lrs_is_down_all_arrive_once(
    sqlite_sender: Sender, clean_lrs: tuple[str, str, str], workdir: Path
) -> None:
    port = free_port()
    sqlite_sender.point_at(f"http://127.0.0.1:{port}")
    statements = [make_statement() for _ in range(COUNT)]
    with sqlite_sender.worker() as worker:
        sqlite_sender.record(statements, one_by_one=True)
        # The worker finds nobody listening and backs off.
        wait_for(lambda: sqlite_sender.target().failures >= 2, "failed attempts", 10, worker.output)
        assert "connection failed" in (sqlite_sender.target().last_error or "")
        assert sqlite_sender.counts() == {PENDING: COUNT}
        with faulty_lrs(workdir, clean_lrs, port) as lrs:
            sqlite_sender.wait_delivered(COUNT, worker.output)
            _assert_all_once(lrs, statements)
            # Nothing was lost or repeated on the way: each statement was sent exactly once.
            assert lrs.answered_ok() == Counter(s["id"] for s in statements)
        code, output = worker.stop()
    assert code == 0, output
    assert "SIGTERM: stopping after the current batch." in output
    assert f"Worker stopped: {COUNT} statement(s) delivered" in output
    assert sqlite_sender.target().failures == 0


def test_lrs_failing_30_percent_of_requests(postgres_sender: Sender, lrs: Lrs) -> None:
    statements = [make_statement() for _ in range(COUNT)]
    lrs.faults(fail_rate=0.3)
    postgres_sender.point_at(lrs.url)
    with postgres_sender.worker(batch_size=20) as worker:
        postgres_sender.record(statements)
        postgres_sender.wait_delivered(COUNT, worker.output)
    _assert_all_once(lrs, statements)
    outcomes = Counter((parts[1], parts[2]) for parts in lrs.lines() if parts[0] == "done")
    assert outcomes[("500", "-")] > 0, outcomes  # refused before the LRS saw them
    assert outcomes[("500", "200")] > 0, outcomes  # stored, but the answer was lost
    assert postgres_sender.counts() == {DELIVERED: COUNT}


def test_worker_killed_mid_batch_and_restarted(postgres_sender: Sender, lrs: Lrs) -> None:
    statements = [make_statement() for _ in range(COUNT)]
    # Each batch takes the LRS 0.4 s, so a kill right after a batch arrives is mid-batch.
    lrs.faults(delay=0.4)
    postgres_sender.point_at(lrs.url)
    postgres_sender.record(statements)
    with postgres_sender.worker(batch_size=100) as worker:

        def third_batch_arrived() -> bool:
            return sum(parts[0] == "arrived" for parts in lrs.lines()) >= 3

        wait_for(third_batch_arrived, "three batches", DELIVERY_TIMEOUT, worker.output)
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(10)
    arrived = [parts for parts in lrs.lines() if parts[0] == "arrived"]
    in_flight = arrived[2][2].split(",")
    with postgres_sender.worker(batch_size=100) as restarted:
        postgres_sender.wait_delivered(COUNT, restarted.output)
    _assert_all_once(lrs, statements)
    processed = lrs.processed()
    # The killed worker's batch reached the LRS, was never marked, and was sent again.
    assert {processed[sid] for sid in in_flight} == {2}
    assert postgres_sender.counts() == {DELIVERED: COUNT}


def test_two_workers_on_postgresql_deliver_each_statement_once(
    postgres_sender: Sender, lrs: Lrs
) -> None:
    statements = [make_statement() for _ in range(COUNT)]
    lrs.faults(delay=0.02)
    postgres_sender.point_at(lrs.url)
    with (
        postgres_sender.worker("first", batch_size=50) as first,
        postgres_sender.worker("second", batch_size=50) as second,
    ):
        postgres_sender.record(statements)
        postgres_sender.wait_delivered(COUNT, lambda: first.output() + second.output())
        pids = {str(first.process.pid), str(second.process.pid)}
    _assert_all_once(lrs, statements)
    # Exactly once on the wire, and both workers took part.
    assert lrs.answered_ok() == Counter(s["id"] for s in statements)
    assert {parts[3] for parts in lrs.lines() if parts[0] == "done"} == pids


def test_a_refused_statement_is_dead_lettered_and_the_rest_flow_on(
    sqlite_sender: Sender, lrs: Lrs, workdir: Path
) -> None:
    statements = [make_statement() for _ in range(300)]
    bad = invalid_statement()
    sqlite_sender.point_at(lrs.url)
    sqlite_sender.record([*statements[:150], bad, *statements[150:]])
    with sqlite_sender.worker(batch_size=100) as worker:
        sqlite_sender.wait_delivered(301, worker.output)
    _assert_all_once(lrs, statements)
    status = json.loads(_cli(sqlite_sender.database_url, workdir, "xapi", "status", "--json"))
    assert [(s["pending"], s["delivered"], s["dead"]) for s in status] == [(0, 300, 1)]
    with sqlite_sender.database.session() as session:
        [letter] = outbox.dead_letters(session)
    assert letter.statement_id == bad["id"]
    assert letter.reason.startswith("HTTP 400: ")
    assert "verb" in letter.reason
