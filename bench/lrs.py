"""LRS benchmark: ingest rate, single-statement POST latency, filtered GETs and paging at scale.

The LRS is the tool itself (``gunicorn wsgi:app``, its embedded LRS at /xapi) on 127.0.0.1 with
its own PostgreSQL database (``--database``, created and migrated here; kept between runs). Two
organisations are created through the tenancy services, each with an LRS credential (scope
``all``):

* ``lrs-bench``: the bulk store of ``--statements`` statements (default 1,000,000), loaded
  directly with ``store_statements`` in large batches from ``--load-processes`` processes, with a
  progress line. A rerun whose bulk tenant already holds exactly that many statements reuses it.
* ``lrs-bench-ingest``: emptied at the start of every run; the measured POSTs go there, so the
  bulk store keeps its count (they share the tables and their indexes).

Measured, over HTTP with keep-alive connections:

* ingest: POSTs of 100 statements from ``--clients`` concurrent clients (statements/s);
* single-statement POST, sequentially (p50/p95);
* filtered GETs, sequentially (p50/p95): agent+verb (a typical agent, and the agent of 10% of
  all statements), activity with related_activities=true (a journey, the parent of 1/40 of all
  statements), registration, since;
* paging through ``--page-total`` statements (unfiltered GET, then ``more`` links).

    python bench/lrs.py --help
    python bench/lrs.py --statements 100000     # a quicker, smaller run

The load generator, PostgreSQL and gunicorn share the machine's cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from lti_tool import migrate  # noqa: E402
from lti_tool.lrs_tenancy import tenant_of  # noqa: E402
from lti_tool.tenancy.models import Organization  # noqa: E402
from lti_tool.tenancy.services import add_organization  # noqa: E402
from xapi.lrs.auth import create_credential  # noqa: E402
from xapi.lrs.models import Statement as StoredStatement  # noqa: E402
from xapi.lrs.statement_store import store_statements  # noqa: E402

POSTGRES = os.environ.get(
    "LTI_JOURNEYS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
SECRET_KEY = "bench-secret-key-with-enough-length-0123456789"  # noqa: S105 (benchmark only)
BULK_ORG = "lrs-bench"
INGEST_ORG = "lrs-bench-ingest"
HOMEPAGE = "https://lms.example.se"
START_TIMEOUT = 30.0
PEOPLE = 5000
HEAVY = "user-heavy"  # the actor of every 10th statement
JOURNEYS = 40
STEPS = 25
COURSES = 10
VERBS = (
    "completed",
    "experienced",
    "attempted",
    "passed",
    "failed",
    "answered",
    "launched",
    "progressed",
)
ADL = "http://adlnet.gov/expapi/verbs/"
LOAD_BATCH = 5000


# --- statements --------------------------------------------------------------------------------
def person_of(n: int) -> str:
    return HEAVY if n % 10 == 0 else f"user-{(n * 7919) % PEOPLE}"


def registration_of(person: str, journey: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"registration/{person}/{journey}"))


def journey_statement(n: int) -> dict[str, Any]:
    """A statement as a journey records it: a person, a verb, a step inside a journey."""
    person = person_of(n)
    journey = (n // 3) % JOURNEYS
    step = n % STEPS
    verb = VERBS[(n // 11) % len(VERBS)]
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": f"Person {person}",
            "account": {"homePage": HOMEPAGE, "name": person},
        },
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": f"https://journeys.example.se/journeys/{journey}/steps/{step}",
            "definition": {
                "name": {"sv-SE": f"Steg {step}", "en-US": f"Step {step}"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "context": {
            "registration": registration_of(person, journey),
            "platform": "lti-journeys",
            "language": "sv-SE",
            "contextActivities": {
                "parent": [{"id": f"https://journeys.example.se/journeys/{journey}"}],
                "grouping": [{"id": f"https://lms.example.se/courses/{journey % COURSES}"}],
            },
        },
        "timestamp": (datetime(2026, 1, 1) + timedelta(seconds=n % 10**9)).isoformat() + "Z",
    }
    if verb in ("completed", "passed", "failed", "answered"):
        statement["result"] = {
            "success": verb != "failed",
            "completion": True,
            "score": {"scaled": (n % 100) / 100},
            "duration": f"PT{n % 600}S",
        }
    return statement


# --- databases and processes -------------------------------------------------------------------
def ensure_database(name: str) -> str:
    """The bench database, created when missing and migrated to the head revision."""
    base = make_url(POSTGRES)
    url = base.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@dataclass
class Tenant:
    slug: str
    tenant: str
    key: str
    secret: str
    credential_id: int
    authority: dict[str, Any]


def tenant_with_credential(session: Session, slug: str) -> Tenant:
    org = session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        org = add_organization(session, slug, f"Benchmark {slug}")
        session.commit()
    credential, secret = create_credential(
        session, tenant_of(org), ["all"], "bench/lrs.py", "http://127.0.0.1"
    )
    return Tenant(slug, tenant_of(org), credential.key, secret, credential.id, credential.authority)


def count_statements(session: Session, tenant: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(StoredStatement)
            .where(StoredStatement.tenant == tenant)
        )
        or 0
    )


TABLES = ("xapi_statement_agents", "xapi_statement_activities", "xapi_statements")


def delete_tenant_statements(session: Session, tenant: str) -> int:
    """Statements of ``tenant`` and their index rows; returns how many statements."""
    deleted = 0
    for table in TABLES:
        result = session.execute(text(f"DELETE FROM {table} WHERE tenant = :t"), {"t": tenant})  # noqa: S608
        deleted = result.rowcount  # type: ignore[attr-defined]
    session.execute(text("DELETE FROM xapi_activities WHERE tenant = :t"), {"t": tenant})
    session.commit()
    return int(deleted)


def vacuum(url: str, tables: tuple[str, ...] = (), *, analyze: bool = True) -> None:
    """VACUUM (and ANALYZE) the tables.

    After removing the last run's ingested statements the statistics are kept as they were (the
    ANALYZE at the end of every run): analysed now, they would tell the planner the ingest tenant
    has no statements, and it would then pick plans for a tiny tenant while the ingest grows it.
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        command = "VACUUM ANALYZE" if analyze else "VACUUM"
        conn.execute(text(f"{command} {', '.join(tables)}"))
    engine.dispose()


def _load_worker(
    url: str, bulk: Tenant, starts: list[int], total: int, progress: Any, lock: Any
) -> None:
    engine = create_engine(url)
    with Session(engine) as session:
        for start in starts:
            batch = [journey_statement(n) for n in range(start, min(total, start + LOAD_BATCH))]
            store_statements(
                session,
                bulk.tenant,
                batch,
                authority=bulk.authority,
                credential_id=bulk.credential_id,
                version="1.0.3",
                validated=True,
            )
            session.commit()
            with lock:
                progress.value += len(batch)
    engine.dispose()


def bulk_load(url: str, bulk: Tenant, total: int, processes: int) -> float:
    """Fill the bulk tenant with ``total`` statements; returns the seconds it took."""
    starts = list(range(0, total, LOAD_BATCH))
    context = multiprocessing.get_context("spawn")
    progress = context.Value("q", 0)
    lock = context.Lock()
    workers = [
        context.Process(
            target=_load_worker, args=(url, bulk, starts[i::processes], total, progress, lock)
        )
        for i in range(processes)
    ]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    last = -1
    while any(w.is_alive() for w in workers):
        time.sleep(1.0)
        done = progress.value
        if done == last:
            continue
        last = done
        elapsed = time.perf_counter() - began
        rate = done / elapsed if elapsed else 0.0
        eta = (total - done) / rate if rate else 0.0
        print(
            f"\rloading: {done:>9,}/{total:,} statements, {rate:,.0f}/s, ~{eta:,.0f} s left ",
            end="",
            flush=True,
        )
    print()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a load process failed (exit code {worker.exitcode})")
    return time.perf_counter() - began


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    host: str
    port: int
    command: list[str]
    pid: int
    database_url: str


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds so far of the gunicorn workers, this database's PostgreSQL backends and this
    process (the load generator)."""
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        backends = conn.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).all()
    engine.dispose()
    return {
        "gunicorn workers": sum(_cpu_seconds(p) for p in _children(server.pid)),
        "PostgreSQL backends": sum(_cpu_seconds(p) for p in backends),
        "load generator": time.process_time(),
    }


@contextmanager
def lrs_server(database_url: str, workers: int, threads: int, workdir: Path) -> Iterator[Server]:
    port = free_port()
    error_log = workdir / "gunicorn-error.log"
    command = [
        sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--error-logfile", str(error_log),
        "--graceful-timeout", "5",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_JOURNEYS_")}
    env.update(
        LTI_JOURNEYS_ENV="test",
        LTI_JOURNEYS_DATABASE_URL=database_url,
        LTI_JOURNEYS_SECRET_KEY=SECRET_KEY,
        LTI_JOURNEYS_BASE_URL=f"http://127.0.0.1:{port}",
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
            with suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + error_log.read_text()[-2000:])
            time.sleep(0.1)
        yield Server("127.0.0.1", port, command, process.pid, database_url)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- HTTP --------------------------------------------------------------------------------------
class Client:
    """One keep-alive connection with a credential."""

    def __init__(self, server: Server, tenant: Tenant) -> None:
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
        token = b64encode(f"{tenant.key}:{tenant.secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def timed(self, method: str, path: str, body: bytes | None = None) -> tuple[float, bytes]:
        start = time.perf_counter()
        status, content = self.request(method, path, body)
        elapsed = (time.perf_counter() - start) * 1000
        if status not in (200, 204):
            raise SystemExit(f"{method} {path[:120]} answered {status}: {content[:300]!r}")
        return elapsed, content

    def close(self) -> None:
        self.conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Result:
    name: str
    value: str
    detail: str = ""


def ingest(server: Server, tenant: Tenant, posts: int, clients: int, first: int) -> Result:
    bodies = [
        json.dumps([journey_statement(first + p * 100 + i) for i in range(100)]).encode()
        for p in range(posts)
    ]
    failures: list[str] = []

    def post(mine: list[bytes]) -> None:
        client = Client(server, tenant)
        try:
            for body in mine:
                status, content = client.request("POST", "/xapi/statements", body)
                if status != 200:
                    failures.append(f"{status} {content[:200]!r}")
        finally:
            client.close()

    runners = [threading.Thread(target=post, args=(bodies[i::clients],)) for i in range(clients)]
    before = cpu_snapshot(server)
    start = time.perf_counter()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    seconds = time.perf_counter() - start
    after = cpu_snapshot(server)
    if failures:
        raise SystemExit(f"ingest POST refused: {failures[0]}")
    count = posts * 100
    cpu = ", ".join(f"{name} {(after[name] - before[name]) / count * 1e6:,.0f}" for name in before)
    return Result(
        f"ingest: POST of 100 statements, {clients} concurrent clients",
        f"{count / seconds:,.0f} statements/s",
        f"{count:,} statements in {seconds:.2f} s; CPU µs/statement: {cpu}",
    )


def latency_row(name: str, values: list[float], extra: str = "") -> Result:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    detail = f"{len(values)} requests{extra}"
    return Result(name, f"p50 {p50:6.2f} ms  p95 {p95:6.2f} ms", detail)


def single_posts(server: Server, tenant: Tenant, count: int, first: int) -> Result:
    client = Client(server, tenant)
    timings = [
        client.timed("POST", "/xapi/statements", json.dumps(journey_statement(first + n)).encode())[
            0
        ]
        for n in range(count)
    ]
    client.close()
    return latency_row("single-statement POST", timings)


def stored_range(session: Session, tenant: str) -> tuple[datetime, datetime]:
    low, high = session.execute(
        select(func.min(StoredStatement.stored), func.max(StoredStatement.stored)).where(
            StoredStatement.tenant == tenant
        )
    ).one()
    return low, high


def agent_param(person: str) -> str:
    return json.dumps({"account": {"homePage": HOMEPAGE, "name": person}}, separators=(",", ":"))


def filtered_gets(
    server: Server, tenant: Tenant, count: int, limit: int | None, since_range: Any, total: int
) -> list[Result]:
    rng = random.Random(7)
    client = Client(server, tenant)
    low, high = since_range

    def query(params: dict[str, str]) -> str:
        if limit is not None:
            params = {**params, "limit": str(limit)}
        return "/xapi/statements?" + urlencode(params)

    def typical() -> int:
        """A statement number whose actor is a typical person (not the heavy agent)."""
        n = rng.randrange(total)
        return n + 1 if n % 10 == 0 else n

    def registration() -> str:
        n = typical()
        return registration_of(person_of(n), (n // 3) % JOURNEYS)

    cases: list[tuple[str, Any]] = [
        (
            "GET agent+verb (typical agent)",
            lambda: {"agent": agent_param(person_of(typical())), "verb": ADL + rng.choice(VERBS)},
        ),
        (
            "GET agent+verb (agent of 10% of statements)",
            lambda: {"agent": agent_param(HEAVY), "verb": ADL + rng.choice(VERBS)},
        ),
        (
            "GET activity (a journey) + related_activities",
            lambda: {
                "activity": f"https://journeys.example.se/journeys/{rng.randrange(JOURNEYS)}",
                "related_activities": "true",
            },
        ),
        (
            "GET registration",
            lambda: {"registration": registration()},
        ),
        (
            "GET since",
            lambda: {
                "since": (low + (high - low) * rng.random()).isoformat().replace("+00:00", "Z")
            },
        ),
    ]
    results = []
    for name, make in cases:
        for _ in range(5):  # warm-up
            client.timed("GET", query(make()))
        timings: list[float] = []
        returned = 0
        for _ in range(count):
            elapsed, content = client.timed("GET", query(make()))
            timings.append(elapsed)
            returned += len(json.loads(content)["statements"])
        results.append(latency_row(name, timings, f", {returned / count:,.0f} statements each"))
    client.close()
    return results


def page_through(server: Server, tenant: Tenant, total: int, limit: int | None) -> Result:
    client = Client(server, tenant)
    path = "/xapi/statements" + (f"?limit={limit}" if limit is not None else "")
    seen = 0
    pages = 0
    start = time.perf_counter()
    while seen < total and path:
        _, content = client.timed("GET", path)
        body = json.loads(content)
        seen += len(body["statements"])
        pages += 1
        path = body["more"]
    seconds = time.perf_counter() - start
    client.close()
    return Result(
        f"paging with 'more' through {total:,} statements",
        f"{seconds:6.2f} s, {seen / seconds:,.0f} statements/s",
        f"{seen:,} statements in {pages} pages",
    )


# --- main --------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--statements", type=int, default=1_000_000, help="size of the store")
    parser.add_argument("--database", default="lti_journeys_lrs_bench", help="PostgreSQL database")
    parser.add_argument("--reload", action="store_true", help="reload the bulk store anyway")
    parser.add_argument("--load-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=4, help="concurrent ingest clients")
    parser.add_argument("--ingest-posts", type=int, default=300, help="POSTs of 100 statements")
    parser.add_argument("--single", type=int, default=300, help="single-statement POSTs")
    parser.add_argument("--gets", type=int, default=200, help="GETs per filter")
    parser.add_argument(
        "--limit", type=int, default=None, help="limit of filtered GETs and pages (default: none)"
    )
    parser.add_argument("--page-total", type=int, default=100_000, help="statements to page")
    parser.add_argument(
        "--ingest-target", type=float, default=10_000, help="statements/s to pass (0: no check)"
    )
    parser.add_argument("--get-target", type=float, default=20.0, help="filtered GET p95, ms")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    print("command:", command, flush=True)
    load_before = os.getloadavg()[0]
    url = ensure_database(args.database)
    engine = create_engine(url)
    with Session(engine) as session:
        bulk = tenant_with_credential(session, BULK_ORG)
        target = tenant_with_credential(session, INGEST_ORG)
        removed = delete_tenant_statements(session, target.tenant)
        stored = count_statements(session, bulk.tenant)
    if removed:
        # The last run's POSTs: gone, and vacuumed, before the GETs are measured.
        print(f"removing the last run's {removed:,} ingested statements...", flush=True)
        vacuum(url, TABLES, analyze=False)
    load_note = f"reused ({stored:,} statements already stored)"
    if stored != args.statements or args.reload:
        with Session(engine) as session:
            print(f"emptying the bulk tenant ({stored:,} statements)...", flush=True)
            delete_tenant_statements(session, bulk.tenant)
        seconds = bulk_load(url, bulk, args.statements, args.load_processes)
        load_note = (
            f"loaded in {seconds:,.0f} s ({args.statements / seconds:,.0f} statements/s, "
            f"store_statements in batches of {LOAD_BATCH}, {args.load_processes} processes)"
        )
        vacuum(url)
    print("bulk store:", load_note, flush=True)
    with Session(engine) as session:
        since_range = stored_range(session, bulk.tenant)
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-lrs-") as tmp,
        lrs_server(url, args.workers, args.threads, Path(tmp)) as server,
    ):
        print("LRS:", shlex.join(server.command), flush=True)
        # GETs first, while the bulk tenant's statements are the newest in the tables.
        gets = filtered_gets(server, bulk, args.gets, args.limit, since_range, args.statements)
        for row in gets:
            print(f"{row.name}: {row.value}", flush=True)
        paging = page_through(server, bulk, args.page_total, args.limit)
        print(f"{paging.name}: {paging.value}", flush=True)
        # Warm both workers' caches and connection pools before measuring.
        single_posts(server, target, 20, 10**9)
        results.append(ingest(server, target, args.ingest_posts, args.clients, first=2 * 10**9))
        print(f"{results[-1].name}: {results[-1].value}", flush=True)
        results.append(single_posts(server, target, args.single, 3 * 10**9))
        print(f"{results[-1].name}: {results[-1].value}", flush=True)
        results += [*gets, paging]
    engine.dispose()
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f"ANALYZE {', '.join(TABLES)}"))
    print()
    page = f"limit={args.limit}" if args.limit is not None else "no limit (server page: 500)"
    print(
        f"machine: {os.cpu_count()} CPU(s); gunicorn wsgi:app, {args.workers} workers × "
        f"{args.threads} threads; PostgreSQL; bulk store {args.statements:,} statements; "
        f"GETs: {page}; load average (1 min) before/after: {load_before:.2f}/"
        f"{os.getloadavg()[0]:.2f}"
    )
    width = max(len(r.name) for r in results)
    for row in results:
        print(f"  {row.name:<{width}}  {row.value:<34} {row.detail}")
    rate = float(results[0].value.split()[0].replace(",", ""))
    worst = max(percentile_of(row) for row in gets)
    checks = [
        (
            f"ingest ≥ {args.ingest_target:,.0f} statements/s ({rate:,.0f})",
            rate >= args.ingest_target,
        ),
        (f"filtered GET p95 < {args.get_target:g} ms (worst {worst:.2f})", worst < args.get_target),
    ]
    for label, passed in checks:
        print(f"  [{'pass' if passed else 'FAIL'}] {label}")
    print("command:", command)
    return 0 if all(passed for _, passed in checks) else 1


def percentile_of(row: Result) -> float:
    """The p95 of a latency row."""
    return float(row.value.split("p95")[1].split("ms")[0])


if __name__ == "__main__":
    sys.exit(main())
