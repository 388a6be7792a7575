"""Parts shared by the in-process page benchmarks (player, follow-up): database, app, timing.

Imported by ``bench/<name>.py`` after it has put the repository root on ``sys.path``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config.settings import Settings
from lti_tool import migrate
from lti_tool.app import create_app
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration
from lti_tool.tenancy.models import Context, Organization
from lti_tool.tenancy.services import add_organization

SECRET_KEY = "bench-secret-key-with-enough-length-0123456789"  # noqa: S105 (benchmark only)


def fresh_database(url: str) -> None:
    """Drop and create the benchmark's own database, then migrate it."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def bench_app(database_url: str) -> Flask:
    """The tool's app on the benchmark database, quiet and without the delivery thread."""
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=database_url,  # type: ignore[call-arg]
        secret_key=SECRET_KEY,
        base_url="http://bench.test",
        log_level="WARNING",
        delivery_thread=False,
    )
    return create_app(settings)


def timed(call: Callable[[], int], count: int) -> list[float]:
    """Wall-clock milliseconds of ``count`` calls, each of which must answer 200."""
    values = []
    for _ in range(count):
        start = time.perf_counter()
        status = call()
        values.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"unexpected status {status}")
    return values


def p50_p95(values: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50, p95


def bench_course(session: Session, title: str) -> tuple[Organization, Registration, Context]:
    """An organisation with one platform, an active deployment and one course; committed."""
    org = add_organization(session, "bench", "Benchmarkkommunen")
    registration = Registration(
        organization_id=org.id,
        issuer="https://lms.bench.test",
        client_id="bench",
        auth_login_url="https://lms.bench.test/auth",
        auth_token_url="https://lms.bench.test/token",  # noqa: S106 - a URL
        keyset_url="https://lms.bench.test/jwks",
    )
    session.add(registration)
    session.flush()
    deployment = Deployment(
        registration_id=registration.id, deployment_id="d1", status=DeploymentStatus.ACTIVE
    )
    session.add(deployment)
    session.flush()
    course = Context(
        organization_id=org.id,
        registration_id=registration.id,
        deployment_id=deployment.id,
        context_id="course-1",
        title=title,
    )
    session.add(course)
    session.commit()
    return org, registration, course
