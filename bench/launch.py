"""Launch benchmark: complete LTI launches against the tool and a plain pylti1p3 baseline.

A complete launch is what a learner's click costs: the platform's login request (POST
/lti/login), the id_token POST (the platform's auto-submitted form) and the landing page GET it
redirects to. Both apps run under gunicorn with the same number of sync workers and are driven by
the same load generator, first sequentially and then with several concurrent clients (threads,
each with its own ``requests.Session``; cookies are cleared before every launch, as for a new
browser). The test platform (its RSA key and JWKS over HTTP) runs inside this process.

The tool uses its own PostgreSQL database (dropped and migrated again on every run); the
baseline (``bench/baseline_pylti1p3_app.py``) has no database and fetches the platform's JWKS on
every launch, as pylti1p3 does by default.

    python bench/launch.py --help

Latencies include signing the id_token in the load generator (one RSA-2048 signature); the load
generator, PostgreSQL and both servers share the machine's cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from lti_tool import migrate  # noqa: E402
from lti_tool.db import Database  # noqa: E402
from lti_tool.lti.registrations import add_registration  # noqa: E402
from lti_tool.tenancy.services import add_organization  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402

DEFAULT_DATABASE_URL = os.environ.get(
    "LTI_JOURNEYS_BENCH_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/lti_journeys_bench",
)
SECRET_KEY = "bench-secret-key-with-enough-length-0123456789"  # noqa: S105 (benchmark only)
# Launches cycle through this many people spread over this many courses, so the first pass
# provisions new people and later ones are returning users in courses of realistic size.
PEOPLE = 200
COURSES = 20
HTTP_TIMEOUT = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
START_TIMEOUT = 30.0


# --- processes ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _control_socket_options() -> list[str]:
    """gunicorn >= 25.1 opens a control socket in $HOME by default; two instances would share it."""
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


@dataclass
class Server:
    name: str
    url: str
    command: list[str]
    process: subprocess.Popen[bytes]
    error_log: Path

    def tail(self) -> str:
        return self.error_log.read_text(encoding="utf-8", errors="replace")[-2000:]

    def workers_cpu(self) -> float | None:
        """User + system CPU seconds used so far by the workers (Linux /proc; else ``None``)."""
        total = 0.0
        try:
            stats = list(Path("/proc").glob("[0-9]*/stat"))
        except OSError:
            return None
        for stat in stats:
            fields = _stat_fields(stat)
            if fields and int(fields[1]) == self.process.pid:
                total += _cpu_of(fields)
        return total if stats else None


def _stat_fields(stat: Path) -> list[str]:
    """The fields of a /proc/PID/stat after the command name (``[1]`` is the parent's pid)."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _cpu_of(fields: list[str]) -> float:
    """User + system CPU seconds in a process's stat fields."""
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the gunicorn master (it stops its workers), SIGKILL to its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def gunicorn(
    name: str,
    app: str,
    env_for: Callable[[str], dict[str, str]],
    workers: int,
    logdir: Path,
    extra: list[str],
) -> Iterator[Server]:
    """``app`` under gunicorn on a free port; ``env_for(url)`` is its environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    error_log = logdir / f"{name}-error.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--error-logfile",
        str(error_log),
        "--graceful-timeout",
        "5",
        *_control_socket_options(),
        *extra,
    ]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_JOURNEYS_")}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**base_env, **env_for(url)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(name=name, url=url, command=command, process=process, error_log=error_log)
    try:
        wait_healthy(server)
        yield server
    finally:
        stop(process)


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited during start-up:\n{server.tail()}")
        with suppress(requests.RequestException):
            if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"{server.name} did not answer /healthz:\n{server.tail()}")


# --- database ----------------------------------------------------------------------------------
def prepare_database(database_url: str, platform: TestPlatform) -> None:
    """Create the database if needed, empty and migrate it, and register the test platform."""
    url = make_url(database_url)
    admin = create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:
        raise SystemExit(f"PostgreSQL at {url.render_as_string()} is not usable: {exc}") from None
    finally:
        admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    database = Database(url.render_as_string(hide_password=False))
    with database.session() as session:
        org = add_organization(session, "bench", "Benchmark organisation")
        add_registration(
            session,
            org,
            issuer=platform.issuer,
            client_id=platform.client_id,
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",  # noqa: S106
            keyset_url=platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )
    database.engine.dispose()


# --- load generator ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    name: str
    url: str
    login_path: str
    launch_path: str
    workers_cpu: Callable[[], float | None] = lambda: None
    database_cpu: Callable[[], float | None] = lambda: 0.0


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0 when it is gone."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return _cpu_of(fields) if fields else 0.0


def database_cpu(database_url: str) -> Callable[[], float | None]:
    """CPU seconds so far of the PostgreSQL backends serving ``database_url`` (the tool's)."""
    engine = create_engine(database_url, poolclass=NullPool)

    def measure() -> float | None:
        with engine.connect() as conn:
            pids = conn.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        return sum(_process_cpu(pid) for pid in pids) if Path("/proc/self/stat").exists() else None

    return measure


class LaunchFailed(Exception):
    pass


class Launcher:
    """One complete launch at a time, as the platform and the learner's browser would do it."""

    def __init__(self, target: Target, platform: TestPlatform, counter: Iterator[int]) -> None:
        self.target = target
        self.platform = platform
        self.counter = counter
        self.http = requests.Session()

    def launch(self) -> None:
        n = next(self.counter)
        target, platform = self.target, self.platform
        launch_url = target.url + target.launch_path
        self.http.cookies.clear()
        response = self.http.post(
            target.url + target.login_path,
            data={
                "iss": platform.issuer,
                "login_hint": f"hint-{n}",
                "target_link_uri": launch_url,
                "client_id": platform.client_id,
                "lti_deployment_id": platform.deployment_id,
            },
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        expect(response, 302, "login")
        # Browsers send a login cookie marked Secure back to http://127.0.0.1 (a secure context);
        # requests' cookie jar would not, so it goes along explicitly.
        login_cookies = dict(response.cookies.items())
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        course = n % COURSES
        claims = platform.claims(
            query["nonce"][0],
            sub=f"person-{n % PEOPLE}",
            name=f"Person {n % PEOPLE}",
            target_link_uri=launch_url,
            context={"id": f"course-{course}", "title": f"Course {course}", "label": f"C{course}"},
            resource_link={"id": f"link-{course}", "title": "Resan"},
        )
        response = self.http.post(
            launch_url,
            data={"id_token": platform.sign(claims), "state": query["state"][0]},
            cookies=login_cookies,
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        expect(response, 303, "launch")
        response = self.http.get(
            urljoin(target.url, response.headers["Location"]), timeout=HTTP_TIMEOUT
        )
        expect(response, 200, "landing page")


def expect(response: requests.Response, status: int, step: str) -> None:
    if response.status_code != status:
        raise LaunchFailed(f"{step}: HTTP {response.status_code} {response.text[:300]!r}")


@dataclass
class Result:
    target: str
    mode: str
    launches: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float | None = 0.0
    # PostgreSQL backends of the app's database, and this process (the load generator and the
    # platform, which serves the JWKS).
    database_seconds: float | None = 0.0
    generator_seconds: float = 0.0

    @property
    def cpu_per_launch(self) -> float | None:
        if self.cpu_seconds is None or not self.launches:
            return None
        return self.cpu_seconds / self.launches

    @property
    def database_per_launch(self) -> float | None:
        if self.database_seconds is None or not self.launches:
            return None
        return self.database_seconds / self.launches

    @property
    def generator_per_launch(self) -> float | None:
        return self.generator_seconds / self.launches if self.launches else None

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def add(self, other: Result) -> None:
        self.launches += other.launches
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)
        self.errors.extend(other.errors)
        if self.cpu_seconds is None or other.cpu_seconds is None:
            self.cpu_seconds = None
        else:
            self.cpu_seconds += other.cpu_seconds
        if self.database_seconds is None or other.database_seconds is None:
            self.database_seconds = None
        else:
            self.database_seconds += other.database_seconds
        self.generator_seconds += other.generator_seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(
    target: Target,
    platform: TestPlatform,
    launches: int,
    clients: int,
    mode: str,
    stopping: threading.Event,
) -> Result:
    """``launches`` complete launches by ``clients`` threads, each with its own session."""
    result = Result(target.name, mode)
    counter = itertools.count()
    remaining = itertools.count()
    lock = threading.Lock()

    def client() -> None:
        launcher = Launcher(target, platform, counter)
        while not stopping.is_set() and next(remaining) < launches:
            started = time.perf_counter()
            try:
                launcher.launch()
            except (LaunchFailed, requests.RequestException) as exc:
                with lock:
                    result.errors.append(str(exc))
                continue
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    cpu_before = target.workers_cpu()
    database_before = target.database_cpu()
    generator_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
    result.seconds = time.perf_counter() - started
    result.generator_seconds = time.process_time() - generator_before
    database_after = target.database_cpu()
    result.database_seconds = (
        None
        if database_before is None or database_after is None
        else max(0.0, database_after - database_before)
    )
    cpu_after = target.workers_cpu()
    result.cpu_seconds = (
        None if cpu_before is None or cpu_after is None else max(0.0, cpu_after - cpu_before)
    )
    result.launches = len(result.latencies) + len(result.errors)
    return result


# --- output ------------------------------------------------------------------------------------
def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f}"


def table(results: list[Result]) -> str:
    header = (
        "app",
        "mode",
        "launches",
        "errors",
        "launches/s",
        "p50 ms",
        "p95 ms",
        "CPU ms",
        "DB ms",
        "gen ms",
    )
    rows = [header] + [
        (
            r.target,
            r.mode,
            str(r.launches),
            str(len(r.errors)),
            f"{r.throughput:.1f}",
            f"{r.percentile(50) * 1000:.1f}",
            f"{r.percentile(95) * 1000:.1f}",
            _ms(r.cpu_per_launch),
            _ms(r.database_per_launch),
            _ms(r.generator_per_launch),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ratios(results: list[Result]) -> str:
    by_key = {(r.target, r.mode): r for r in results}
    lines = []
    for mode in dict.fromkeys(r.mode for r in results):
        ours, base = by_key.get(("lti-journeys", mode)), by_key.get(("baseline", mode))
        if ours is None or base is None or not base.throughput or not ours.latencies:
            continue
        line = (
            f"ours/baseline {mode}: throughput x{ours.throughput / base.throughput:.2f}, "
            f"p95 latency x{ours.percentile(95) / base.percentile(95):.2f}"
        )
        if ours.cpu_per_launch and base.cpu_per_launch:
            line += f", CPU per launch x{ours.cpu_per_launch / base.cpu_per_launch:.2f}"
        lines.append(line)
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure complete LTI launches (login + id_token POST + landing page) of "
        "lti-journeys and of a minimal pylti1p3 Flask tool, both under gunicorn.",
    )
    parser.add_argument(
        "--launches", type=int, default=400, help="measured launches per app and mode [400]"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="concurrent clients in the second mode [4]"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app [2]")
    parser.add_argument(
        "--warmup", type=int, default=20, help="unmeasured launches per app first [20]"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the apps alternate in this many rounds per mode [4]",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="the tool's PostgreSQL database; it is emptied and migrated "
        "[$LTI_JOURNEYS_BENCH_POSTGRES_URL or %(default)s]",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="run the tool with its state store on this Redis (LTI_JOURNEYS_REDIS_URL) "
        "instead of PostgreSQL",
    )
    parser.add_argument(
        "--only",
        choices=("lti-journeys", "baseline"),
        help="measure one app only (no ratio is printed)",
    )
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for both gunicorn commands (repeatable), e.g. --gunicorn-arg=--preload",
    )
    args = parser.parse_args(argv)
    if min(args.launches, args.concurrency, args.workers, args.rounds) < 1 or args.warmup < 0:
        parser.error("--launches, --concurrency, --workers and --rounds must be positive")
    args.rounds = min(args.rounds, args.launches)
    return args


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    stopping = threading.Event()
    print("command:", shlex.join([os.path.relpath(sys.executable), *sys.argv]), flush=True)
    results: list[Result] = []
    with ExitStack() as stack:
        stack.callback(stopping.set)
        logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lti-bench-")))
        platform = TestPlatform()
        platform.start()
        stack.callback(platform.stop)

        targets: list[tuple[Target, Server]] = []
        if args.only in (None, "lti-journeys"):
            prepare_database(args.database_url, platform)
            database_url = args.database_url

            def tool_env(url: str) -> dict[str, str]:
                return {
                    "LTI_JOURNEYS_ENV": "development",
                    "LTI_JOURNEYS_DATABASE_URL": database_url,
                    "LTI_JOURNEYS_SECRET_KEY": SECRET_KEY,
                    "LTI_JOURNEYS_BASE_URL": url,
                    "LTI_JOURNEYS_REDIS_URL": args.redis_url,
                    "LTI_JOURNEYS_DEMO_ENABLED": "false",
                    "LTI_JOURNEYS_LOG_LEVEL": "WARNING",
                }

            server = stack.enter_context(
                gunicorn(
                    "lti-journeys", "wsgi:app", tool_env, args.workers, logdir, args.gunicorn_arg
                )
            )
            targets.append(
                (
                    Target(
                        "lti-journeys",
                        server.url,
                        "/lti/login",
                        "/lti/launch",
                        server.workers_cpu,
                        database_cpu(database_url),
                    ),
                    server,
                )
            )
        if args.only in (None, "baseline"):
            conf = {
                platform.issuer: [
                    {
                        "default": True,
                        "client_id": platform.client_id,
                        "auth_login_url": "https://lms.example.test/auth",
                        "auth_token_url": "https://lms.example.test/token",
                        "key_set_url": platform.jwks_url,
                        "deployment_ids": [platform.deployment_id],
                    }
                ]
            }
            baseline_env = {
                "BASELINE_TOOL_CONF": json.dumps(conf),
                "BASELINE_SECRET_KEY": SECRET_KEY,
            }
            extra = ["--pythonpath", str(ROOT / "bench"), *args.gunicorn_arg]
            server = stack.enter_context(
                gunicorn(
                    "baseline",
                    "baseline_pylti1p3_app:app",
                    lambda _url: baseline_env,
                    args.workers,
                    logdir,
                    extra,
                )
            )
            targets.append(
                (Target("baseline", server.url, "/login", "/launch", server.workers_cpu), server)
            )

        for _, server in targets:
            print(f"{server.name}: {shlex.join(server.command)}", flush=True)
        for target, server in targets:
            if args.warmup:
                warm = run(target, platform, args.warmup, 1, "warm-up", stopping)
                if warm.errors:
                    raise SystemExit(
                        f"{target.name} warm-up failed: {warm.errors[0]}\n{server.tail()}"
                    )
        modes = [("sequential", 1), (f"concurrent-{args.concurrency}", args.concurrency)]
        # The apps take turns in rounds, so a change in the machine's load hits both alike.
        shares = [
            args.launches // args.rounds + (r < args.launches % args.rounds)
            for r in range(args.rounds)
        ]
        load_before = os.getloadavg()
        for mode, clients in modes:
            totals = {t.name: Result(t.name, mode) for t, _ in targets}
            print(
                f"{mode}: {args.launches} launches per app in {args.rounds} rounds ...", flush=True
            )
            for share in shares:
                for target, _ in targets:
                    totals[target.name].add(run(target, platform, share, clients, mode, stopping))
            results.extend(totals.values())
        load_after = os.getloadavg()
        jwks_fetches = platform.jwks_requests

    print()
    print(
        f"{args.workers} gunicorn sync workers per app, {os.cpu_count()} CPUs, "
        "complete launch = login + id_token POST + landing page;\n"
        "CPU ms = the app's gunicorn workers' CPU time per complete launch; DB ms = its\n"
        "PostgreSQL backends' (the baseline has no database); gen ms = the load generator's,\n"
        "the platform's JWKS endpoint included (all of them share the machine's cores)"
    )
    print(f"load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f}")
    print(table(results))
    print(ratios(results))
    print(f"platform JWKS requests during the run: {jwks_fetches}")
    failed = [r for r in results if r.errors]
    for r in failed:
        print(f"{r.target} {r.mode}: {len(r.errors)} failed launches, first: {r.errors[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
