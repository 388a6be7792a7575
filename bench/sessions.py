"""Check-in benchmark: 500 learners check in to one live session within 60 seconds, over HTTP.

Builds, on PostgreSQL (a database of its own, dropped and migrated on every run), one course with
a published journey (a content step and a live session step), 500 learners enrolled with a place
at one occurrence that is under way. Then the tool runs under gunicorn (2 sync workers) and the
500 learners check in with the room's code, arriving evenly over 60 seconds from a pool of
clients, each request as the step's form posts it (the session token as a Bearer header). Every
check-in records the attendance, its statements and completes the step for the learner's
enrollment (progress, grade passback queue). Reported: latency p50/p95/max, CPU per check-in in
the workers and in PostgreSQL, and whether every check-in was stored (500 Attendance rows and
500 completed steps).

    python bench/sessions.py --help
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import SECRET_KEY, bench_course, fresh_database, p50_p95  # noqa: E402
from bench.launch import database_cpu, gunicorn  # noqa: E402
from config.settings import Settings  # noqa: E402
from lti_tool.app import create_app  # noqa: E402
from lti_tool.collegial.models import Attendance, Occurrence, Signup, SignupStatus  # noqa: E402
from lti_tool.collegial.occurrences import new_check_in_code  # noqa: E402
from lti_tool.db import get_database, utcnow  # noqa: E402
from lti_tool.journeys.authoring import create_journey, publish  # noqa: E402
from lti_tool.journeys.models import Enrollment, ProgressStatus, Step, StepProgress  # noqa: E402
from lti_tool.lti.runtime import get_runtime  # noqa: E402
from lti_tool.lti.session_token import LaunchIdentity  # noqa: E402
from lti_tool.tenancy.models import Membership, Person  # noqa: E402
from tests.collegial.sessions_support import STEP, session_document  # noqa: E402

DEFAULT_DATABASE_URL = os.environ.get(
    "LTI_JOURNEYS_BENCH_SESSIONS_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/lti_journeys_bench_sessions",
)


def settings(database_url: str, base_url: str) -> Settings:
    return Settings(
        _env_file=None,
        env="test",
        database_url=database_url,  # type: ignore[call-arg]
        secret_key=SECRET_KEY,
        base_url=base_url,
        log_level="WARNING",
        delivery_thread=False,
    )


def populate(app: Flask, learners: int) -> tuple[list[LaunchIdentity], str, str, int]:
    """The course, its learners with a place; their identities, the occurrence's key and code."""
    with app.app_context(), get_database(app).session() as session:
        org, registration, course = bench_course(session, "Träffar")
        journey = create_journey(session, org.id, session_document())
        version = publish(session, journey)
        people = [
            Person(
                organization_id=org.id,
                registration_id=registration.id,
                sub=f"learner-{n}",
                name=f"Deltagare {n}",
            )
            for n in range(learners)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            Membership(
                organization_id=org.id,
                person_id=p.id,
                context_id=course.id,
                tool_roles=["learner"],
                lti_roles=[],
            )
            for p in people
        )
        session.add_all(
            Enrollment(
                organization_id=org.id,
                person_id=p.id,
                journey_id=journey.id,
                version_id=version.id,
                context_id=course.id,
            )
            for p in people
        )
        start = utcnow() - timedelta(minutes=5)
        occurrence = Occurrence(
            organization_id=org.id,
            journey_id=journey.id,
            step_key=STEP,
            context_id=course.id,
            title="Storträff",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Aulan",
            capacity=learners,
            check_in_code=new_check_in_code(),
        )
        session.add(occurrence)
        session.flush()
        session.add_all(
            Signup(
                occurrence_id=occurrence.id,
                person_id=p.id,
                status=SignupStatus.REGISTERED,
                registered_at=start,
            )
            for p in people
        )
        session.commit()
        base = {
            "organization_id": org.id,
            "registration_id": registration.id,
            "context_id": course.id,
            "resource_link_id": None,
            "launch_id": "bench",
            "journey_slug": journey.slug,
            "locale": "sv",
        }
        identities = [LaunchIdentity(person_id=p.id, roles=("learner",), **base) for p in people]
        return identities, occurrence.key, occurrence.check_in_code, occurrence.id


def stored(app: Flask, occurrence_id: int) -> tuple[int, int]:
    """Attendance rows of the occurrence, and completed live session steps."""
    with app.app_context(), get_database(app).session() as session:
        attended = session.scalar(
            select(func.count(Attendance.id)).where(Attendance.occurrence_id == occurrence_id)
        )
        completed = session.scalar(
            select(func.count(StepProgress.id))
            .join(Step, Step.id == StepProgress.step_id)
            .where(Step.key == STEP, StepProgress.status == ProgressStatus.COMPLETED)
        )
        return int(attended or 0), int(completed or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--learners", type=int, default=500, help="learners checking in [500]")
    parser.add_argument("--seconds", type=float, default=60.0, help="arrivals spread over [60]")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients at most [16]")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers [2]")
    args = parser.parse_args(argv)

    fresh_database(args.database_url)
    identities, key, code, occurrence_id = populate(
        create_app(settings(args.database_url, "http://bench.test")), args.learners
    )

    def tool_env(url: str) -> dict[str, str]:
        return {
            "LTI_JOURNEYS_ENV": "development",
            "LTI_JOURNEYS_DATABASE_URL": args.database_url,
            "LTI_JOURNEYS_SECRET_KEY": SECRET_KEY,
            "LTI_JOURNEYS_BASE_URL": url,
            "LTI_JOURNEYS_DEMO_ENABLED": "false",
            "LTI_JOURNEYS_LOG_LEVEL": "WARNING",
            "LTI_JOURNEYS_DELIVERY_THREAD": "false",
        }

    with (
        tempfile.TemporaryDirectory() as logdir,
        gunicorn("tool", "wsgi:app", tool_env, args.workers, Path(logdir), []) as server,
    ):
        app = create_app(settings(args.database_url, server.url))
        with app.app_context():
            tokens = get_runtime(app).tokens
            bearer = [tokens.issue(identity) for identity in identities]
        path = f"{server.url}/sessions/check-in/{key}"
        local = threading.local()
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def check_in(n: int, due: float) -> None:
            time.sleep(max(0.0, due - time.monotonic()))
            client = getattr(local, "client", None) or requests.Session()
            local.client = client
            began = time.perf_counter()
            response = client.post(
                path,
                data={"code": code},
                headers={"Authorization": f"Bearer {bearer[n]}"},
                timeout=30,
            )
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200:
                    failures.append(f"{response.status_code} for learner {n}")

        db_cpu = database_cpu(args.database_url)
        workers_before, db_before = server.workers_cpu(), db_cpu()
        began = time.monotonic()
        step = args.seconds / len(identities)
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            for future in [
                pool.submit(check_in, n, began + n * step) for n in range(len(identities))
            ]:
                future.result()
        wall = time.monotonic() - began
        workers_after, db_after = server.workers_cpu(), db_cpu()

    attended, completed = stored(app, occurrence_id)
    p50, p95 = p50_p95(latencies)
    count = len(identities)
    print(f"{count} check-ins in {wall:.1f} s over HTTP (gunicorn, {args.workers} workers)")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  max {max(latencies):.1f}")
    if workers_before is not None and workers_after is not None:
        print(
            f"CPU per check-in: workers {(workers_after - workers_before) / count * 1000:.1f} ms",
            end="",
        )
        if db_before is not None and db_after is not None:
            print(f", PostgreSQL {(db_after - db_before) / count * 1000:.1f} ms", end="")
        print()
    print(
        f"stored: {attended} attendance rows, {completed} completed steps; refused: {len(failures)}"
    )
    for failure in failures[:5]:
        print("  ", failure)
    ok = attended == count and completed == count and not failures
    print("none lost" if ok else "LOST OR REFUSED CHECK-INS")
    print(f"target p95 < 100 ms: {'met' if p95 < 100 else 'not met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
