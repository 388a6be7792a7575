"""Player benchmark: server time of the learner's pages with 1,000 learners enrolled.

Builds, on PostgreSQL (a database of its own, dropped and migrated on every run), one organisation
with a published journey of 6 sections × 5 steps (every step type), 1,000 learners in one course,
each enrolled with a self-assessment and part of the journey done (progress rows, quiz attempts,
reflections). Then it times, in the app's process through Flask's test client, the pages a learner
opens: the journey overview, a content step (which also records its statements), a knowledge check
with its last result, and the instructor's progress table of the whole course. The baseline in the
same run is ``/healthz``, the cheapest route of the same app: what every request costs anyway.

    python bench/player.py --help
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import bench_app, bench_course, fresh_database, p50_p95, timed  # noqa: E402
from lti_tool.db import get_database  # noqa: E402
from lti_tool.journeys.authoring import create_journey, load_version, publish  # noqa: E402
from lti_tool.journeys.content import JourneyDocument  # noqa: E402
from lti_tool.journeys.models import (  # noqa: E402
    Enrollment,
    GoalRating,
    ProgressStatus,
    QuizAttempt,
    RatingPhase,
    RatingSource,
    Reflection,
    StepProgress,
    StepType,
)
from lti_tool.lti.runtime import get_runtime  # noqa: E402
from lti_tool.lti.session_token import LaunchIdentity  # noqa: E402
from lti_tool.tenancy.models import Membership, Person  # noqa: E402
from tests.journeys.conftest import sample_document  # noqa: E402

DEFAULT_DATABASE_URL = os.environ.get(
    "LTI_JOURNEYS_BENCH_PLAYER_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/lti_journeys_bench_player",
)


def big_journey() -> JourneyDocument:
    """Six sections of the sample's four step types (and a fifth content step), 30 steps."""
    sample = sample_document().model_dump()
    steps = [s for section in sample["sections"] for s in section["steps"]]
    sections = []
    for n in range(6):
        chosen = [*steps, steps[0]]
        sections.append(
            {
                "key": f"section-{n}",
                "title": f"Avsnitt {n + 1}",
                "steps": [
                    {**step, "key": f"s{n}-{i}", "title": f"{step['title']} {n + 1}.{i + 1}"}
                    for i, step in enumerate(chosen)
                ],
            }
        )
    return JourneyDocument.model_validate({**sample, "sections": sections})


def populate(app: Flask, learners: int, seed: int) -> tuple[list[LaunchIdentity], LaunchIdentity]:
    """The course with its learners; returns their launch identities and the instructor's."""
    rng = random.Random(seed)
    with get_database(app).session() as session:
        org, registration, course = bench_course(session, "Digital kompetens")
        journey = create_journey(session, org.id, big_journey())
        version = publish(session, journey)
        version = load_version(session, version.id)
        steps = [step for section in version.sections for step in section.steps]
        goals = version.goals
        people = [
            Person(
                organization_id=org.id,
                registration_id=registration.id,
                sub=f"learner-{n}",
                name=f"Deltagare {n}",
            )
            for n in range(learners)
        ]
        teacher = Person(
            organization_id=org.id, registration_id=registration.id, sub="teacher", name="Lärare"
        )
        session.add_all([*people, teacher])
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
        session.add(
            Membership(
                organization_id=org.id,
                person_id=teacher.id,
                context_id=course.id,
                tool_roles=["instructor"],
                lti_roles=[],
            )
        )
        enrollments = [
            Enrollment(
                organization_id=org.id,
                person_id=p.id,
                journey_id=journey.id,
                version_id=version.id,
                context_id=course.id,
            )
            for p in people
        ]
        session.add_all(enrollments)
        session.flush()
        for enrollment in enrollments:
            done = rng.randrange(len(steps))
            for step in steps[:done]:
                session.add(
                    StepProgress(
                        enrollment_id=enrollment.id,
                        step_id=step.id,
                        status=ProgressStatus.COMPLETED,
                        attempts=1,
                    )
                )
                if step.type == StepType.KNOWLEDGE_CHECK:
                    session.add(
                        QuizAttempt(
                            enrollment_id=enrollment.id,
                            step_id=step.id,
                            number=1,
                            answers={"q1": ["b"]},
                            score=1.0,
                            passed=True,
                        )
                    )
                elif step.type == StepType.REFLECTION:
                    session.add(
                        Reflection(
                            enrollment_id=enrollment.id,
                            step_id=step.id,
                            body="Jag provade i klassen.",
                        )
                    )
            for goal in goals:
                session.add(
                    GoalRating(
                        enrollment_id=enrollment.id,
                        goal_id=goal.id,
                        source=RatingSource.SELF,
                        phase=RatingPhase.START,
                        level=rng.randint(1, 4),
                        rated_by_id=enrollment.person_id,
                    )
                )
            enrollment.self_assessed_at = enrollment.started_at
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
        instructor = LaunchIdentity(person_id=teacher.id, roles=("instructor",), **base)
        return identities, instructor


def row(name: str, values: list[float], base: float) -> str:
    p50, p95 = p50_p95(values)
    return f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {p95 / base:.1f}× |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    print(
        f"preparing {args.learners} enrolled learners on {make_url(args.database_url).database} …",
        flush=True,
    )
    fresh_database(args.database_url)
    app = bench_app(args.database_url)
    started = time.perf_counter()
    learners, instructor = populate(app, args.learners, args.seed)
    print(f"populated in {time.perf_counter() - started:.1f} s", flush=True)
    tokens = get_runtime(app).tokens
    client = app.test_client()
    rng = random.Random(args.seed)
    slug = "digital-kompetens"

    def page(path: str, who: Callable[[], LaunchIdentity]) -> Callable[[], int]:
        def call() -> int:
            return client.get(path, query_string={"lt": tokens.issue(who())}).status_code

        return call

    def someone() -> LaunchIdentity:
        return rng.choice(learners)

    course = f"/courses/{instructor.context_id}/journeys/{slug}"
    pages = [
        ("`/healthz` (baseline)", lambda: client.get("/healthz").status_code),
        ("journey overview", page(f"/journeys/{slug}", someone)),
        ("content step (records 2–4 statements)", page(f"/journeys/{slug}/steps/s3-0", someone)),
        ("knowledge check with last result", page(f"/journeys/{slug}/steps/s0-2", someone)),
        (
            "instructor progress table (1,000 learners, first page of 100)",
            page(course, lambda: instructor),
        ),
    ]
    for _, call in pages:  # warm caches and the connection pool
        timed(call, 5)
    results = [(name, timed(call, args.requests)) for name, call in pages]
    base = sorted(results[0][1])[round(0.95 * (len(results[0][1]) - 1))]
    print("\n| page | requests | p50 ms | p95 ms | p95 / baseline p95 |")
    print("|---|---|---|---|---|")
    for name, values in results:
        print(row(name, values, base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
