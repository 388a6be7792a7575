"""The tool under a real gunicorn: several worker processes and several hosts on one database.

Each test starts ``gunicorn wsgi:app`` as a subprocess on a free port of 127.0.0.1, with settings
from the environment only (as in production), and launches through it over real HTTP with a
client that never keeps a connection alive, so consecutive requests may reach different workers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

from lti_tool import migrate
from lti_tool.db import Database
from lti_tool.lti.adapter import _state_key
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.services import add_organization
from tests.support.database import (
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    reset_schema,
    skip_or_fail_without_postgres,
)
from tests.support.platform import TestPlatform
from tests.support.workers import REDIS_URL, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "e2e-secret-key-with-enough-length-0123456789"
# The one public address of the tool when several hosts serve it behind a load balancer.
PUBLIC_URL = "http://tool.e2e.test"
ACCESS_FORMAT = "%(p)s %(r)s %(s)s"
ACCESS_LINE = re.compile(r"^<?(\d+)>? (\S+) (\S+) \S+ (\d{3})$")
START_TIMEOUT = 20.0
HTTP_TIMEOUT = 10.0
NO_KEEPALIVE = {"Connection": "close"}
REDIS_STATE_PREFIX = "lti-journeys:state:"  # RedisStateStore's default prefix


# --- database ----------------------------------------------------------------------------------
def _e2e_url() -> URL:
    """Next to this run's test database, with its own name: other tests truncate theirs."""
    url = make_url(POSTGRES_URL)
    return url.set(database=f"{url.database}_e2e")


def _admin(url: URL) -> Engine:
    return create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


@pytest.fixture(scope="module")
def e2e_database_url() -> Iterator[str]:
    """A freshly migrated PostgreSQL database of this module's own, dropped afterwards."""
    url = _e2e_url()
    try:
        admin = _admin(url)
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    except Exception as exc:
        skip_or_fail_without_postgres(f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    engine = create_engine(url)
    reset_schema(engine)
    migrate.upgrade(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def registered(e2e_database_url: str, platform: TestPlatform) -> TestPlatform:
    """The session's test platform, registered with one active deployment."""
    database = Database(e2e_database_url)
    with database.session() as session:
        org = add_organization(session, "org-e2e", "Organisation E2E")
        add_registration(
            session,
            org,
            issuer=platform.issuer,
            client_id=platform.client_id,
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url=platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )
    database.engine.dispose()
    return platform


# --- gunicorn ----------------------------------------------------------------------------------
@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    access_log: Path
    error_log: Path

    def worker_pid(self, path: str, timeout: float = 3.0) -> int:
        """The pid of the worker that served the request for ``path`` (path and query)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.access_log.read_text(encoding="utf-8").splitlines():
                match = ACCESS_LINE.match(line.strip())
                if match and match.group(3) == path:
                    return int(match.group(1))
            if time.monotonic() > deadline:
                raise AssertionError(f"no access log line for {path}:\n{self.logs()}")
            time.sleep(0.02)

    def logs(self) -> str:
        tail = self.error_log.read_text(encoding="utf-8", errors="replace")[-3000:]
        return f"gunicorn at {self.url} (exit code {self.process.poll()}):\n{tail}"


def _control_socket_options() -> list[str]:
    """gunicorn >= 25.1 opens a control socket in $HOME by default; two instances would share it."""
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
    # The master and its workers are alone in the process group started for them.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@contextmanager
def gunicorn(
    workdir: Path,
    database_url: str,
    *,
    name: str = "tool",
    workers: int = 1,
    base_url: str | None = None,
    redis_url: str = "",
) -> Iterator[Server]:
    """``gunicorn wsgi:app`` configured only through the environment; always terminated."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_JOURNEYS_")}
    env.update(
        LTI_JOURNEYS_ENV="test",
        LTI_JOURNEYS_DATABASE_URL=database_url,
        LTI_JOURNEYS_SECRET_KEY=SECRET_KEY,
        LTI_JOURNEYS_BASE_URL=base_url or url,
        LTI_JOURNEYS_REDIS_URL=redis_url,
        LTI_JOURNEYS_DEMO_ENABLED="false",
        # The test platform serves its key set on loopback.
        LTI_JOURNEYS_OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
        LTI_JOURNEYS_LOG_LEVEL="WARNING",
    )
    access_log = workdir / f"{name}-access.log"
    error_log = workdir / f"{name}-error.log"
    access_log.touch()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        ACCESS_FORMAT,
        "--error-logfile",
        str(error_log),
        "--graceful-timeout",
        "5",
        *_control_socket_options(),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(url=url, process=process, access_log=access_log, error_log=error_log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError("gunicorn exited during start-up; " + server.logs())
        try:
            response = requests.get(server.url + "/healthz", timeout=1, headers=NO_KEEPALIVE)
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"/healthz did not answer within {START_TIMEOUT:.0f} s; " + server.logs())


# --- the platform and browser side of a launch -------------------------------------------------
@dataclass
class Login:
    state: str
    nonce: str
    # The login cookie the browser keeps and sends back with the launch.
    cookies: dict[str, str]


def login(host: str, platform: TestPlatform, public_url: str, probe: str = "") -> Login:
    response = requests.post(
        f"{host}/lti/login" + (f"?probe={probe}" if probe else ""),
        data={
            "iss": platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": public_url + "/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        },
        headers=NO_KEEPALIVE,
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["redirect_uri"] == [public_url + "/lti/launch"]
    return Login(
        state=query["state"][0], nonce=query["nonce"][0], cookies=dict(response.cookies.items())
    )


def launch(
    host: str, platform: TestPlatform, public_url: str, started: Login, probe: str = ""
) -> str:
    """POST the signed id_token; returns the absolute landing URL the tool redirects to."""
    claims = platform.claims(started.nonce, target_link_uri=public_url + "/lti/launch")
    response = requests.post(
        f"{host}/lti/launch" + (f"?probe={probe}" if probe else ""),
        data={"id_token": platform.sign(claims), "state": started.state},
        cookies=started.cookies,
        headers=NO_KEEPALIVE,
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert re.search(r"^/home\?lt=[\w.-]+$", location), location
    return urljoin(host, location)


def landing(url: str) -> None:
    response = requests.get(url, headers=NO_KEEPALIVE, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "Maja Lärare" in response.text


# --- tests -------------------------------------------------------------------------------------
def test_serves_health_and_jwks(e2e_database_url: str, tmp_path: Path) -> None:
    with gunicorn(tmp_path, e2e_database_url) as server:
        health = requests.get(server.url + "/healthz", headers=NO_KEEPALIVE, timeout=HTTP_TIMEOUT)
        assert health.json() == {"status": "ok"}
        jwks = requests.get(server.url + "/lti/jwks", headers=NO_KEEPALIVE, timeout=HTTP_TIMEOUT)
        assert jwks.status_code == 200, jwks.text
        assert jwks.headers["Content-Type"].startswith("application/json")
        keys = jwks.json()["keys"]
        assert keys
        assert all(k["kty"] == "RSA" and k["kid"] and "d" not in k for k in keys)


def test_launch_completes_on_another_worker(
    e2e_database_url: str, registered: TestPlatform, tmp_path: Path
) -> None:
    """Login state written by one worker process is found by the worker that gets the launch.

    Between login and launch an idle connection occupies a worker. Left alone, the kernel may
    hand every connection to the same (most recently idle) worker; this way the worker that
    served the login is usually busy when the launch arrives.
    """
    max_pairs = 60
    pids: set[int] = set()
    cross = 0
    with gunicorn(tmp_path, e2e_database_url, workers=2) as server:
        parts = urlsplit(server.url)
        host, port = parts.hostname, parts.port
        for n in range(max_pairs):
            started = login(server.url, registered, server.url, probe=f"{n}-login")
            with socket.create_connection((str(host), int(port or 80)), timeout=5):
                # Accepted by a worker, which then waits for a request that never comes
                # until the connection closes.
                landing(launch(server.url, registered, server.url, started, probe=f"{n}-launch"))
            login_pid = server.worker_pid(f"/lti/login?probe={n}-login")
            launch_pid = server.worker_pid(f"/lti/launch?probe={n}-launch")
            pids.update((login_pid, launch_pid))
            cross += login_pid != launch_pid
            if cross >= 3:
                break
    assert len(pids) == 2, f"all requests went to worker(s) {pids}"
    assert cross, f"no launch reached another worker than its login in {max_pairs} pairs"


@pytest.mark.parametrize("state_store", ["database", "redis"])
def test_launch_completes_on_another_host(
    state_store: str, e2e_database_url: str, registered: TestPlatform, tmp_path: Path
) -> None:
    """Two hosts behind one public address: login on either, launch on the other."""
    redis_url = ""
    if state_store == "redis":
        redis_url = REDIS_URL
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            message = f"Redis at {REDIS_URL} is not reachable: {exc}"
            if REQUIRE_POSTGRES:
                pytest.fail(message + "; LTI_JOURNEYS_REQUIRE_POSTGRES=1 makes it mandatory.")
            pytest.skip(message)
    client = redis.Redis.from_url(redis_url) if redis_url else None
    with (
        gunicorn(
            tmp_path, e2e_database_url, name="host-a", base_url=PUBLIC_URL, redis_url=redis_url
        ) as host_a,
        gunicorn(
            tmp_path, e2e_database_url, name="host-b", base_url=PUBLIC_URL, redis_url=redis_url
        ) as host_b,
    ):
        for first, second in ((host_a, host_b), (host_b, host_a)):
            started = login(first.url, registered, PUBLIC_URL)
            # With Redis the login state really is there, and the launch consumes it.
            key = REDIS_STATE_PREFIX + _state_key(started.state)
            assert client is None or client.exists(key)
            page = launch(second.url, registered, PUBLIC_URL, started)
            assert client is None or not client.exists(key)
            landing(page)
            # The session token is accepted by every host.
            parts = urlsplit(page)
            landing(f"{first.url}{parts.path}?{parts.query}")
