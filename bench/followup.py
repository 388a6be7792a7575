"""Leader follow-up benchmark: server time of the unit view and the organisation view.

Builds, on PostgreSQL (a database of its own, dropped and migrated on every run), one
organisation with 40 school units of 125 staff each (5,000 people with memberships in their
unit's course), a rektor per unit, DigCompEdu, 3 organisation goals and a unit goal per unit,
one survey of 5 competences with 3 rounds answered by about 85 % of the staff each time, two
journeys (one for everyone, one for half of the units) with enrollments and ratings, and 200
development plans with overdue goals. Then it times, in the app's process through Flask's test
client, a rektor's unit view (a random unit per request), the organisation view, and the
organisation view filtered on one unit; the baseline in the same run is ``/healthz``. CPU per
request is the process time of the app's process (PostgreSQL's own CPU is not included);
queries per page are counted.

    python bench/followup.py --help
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import bench_app, fresh_database, p50_p95, timed  # noqa: E402
from lti_tool.db import get_database  # noqa: E402
from lti_tool.frameworks.interchange import builtin_text, load_yaml  # noqa: E402
from lti_tool.frameworks.models import Competence  # noqa: E402
from lti_tool.frameworks.services import framework_by_iri, import_document  # noqa: E402
from lti_tool.goals.models import CompetenceGoal, GoalLevel  # noqa: E402
from lti_tool.journeys.authoring import create_journey, publish  # noqa: E402
from lti_tool.journeys.content import JourneyDocument  # noqa: E402
from lti_tool.journeys.models import (  # noqa: E402
    Assignment,
    AssignmentLevel,
    Enrollment,
    Goal,
    GoalRating,
    RatingPhase,
    RatingSource,
)
from lti_tool.leadership.models import GrantSource, Leader  # noqa: E402
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration  # noqa: E402
from lti_tool.lti.runtime import get_runtime  # noqa: E402
from lti_tool.lti.session_token import LaunchIdentity  # noqa: E402
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion  # noqa: E402
from lti_tool.surveys.models import (  # noqa: E402
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRound,
)
from lti_tool.tenancy.models import Context, Membership, Person, Unit  # noqa: E402
from lti_tool.tenancy.services import add_organization  # noqa: E402
from tests.journeys.conftest import sample_document  # noqa: E402

DEFAULT_DATABASE_URL = os.environ.get(
    "LTI_JOURNEYS_BENCH_FOLLOWUP_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/lti_journeys_bench_followup",
)
TODAY = datetime.now(UTC).date()


def journey_document(slug: str, competency: str) -> JourneyDocument:
    body = sample_document(slug).model_dump()
    body["goals"][1]["competency"] = competency
    return JourneyDocument.model_validate(body)


def populate(
    app: Flask, units: int, staff: int, seed: int
) -> tuple[list[LaunchIdentity], LaunchIdentity, list[int]]:
    """The organisation; returns the rektors' identities, the organisation leader's, and the
    unit ids."""
    rng = random.Random(seed)
    with get_database(app).session() as session:
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
        unit_rows = [Unit(organization_id=org.id, name=f"Skola {n + 1:02d}") for n in range(units)]
        session.add_all(unit_rows)
        session.flush()
        courses = [
            Context(
                organization_id=org.id,
                registration_id=registration.id,
                deployment_id=deployment.id,
                context_id=f"course-{u.id}",
                title=f"Kompetensutveckling {u.name}",
                unit_id=u.id,
            )
            for u in unit_rows
        ]
        session.add_all(courses)
        session.flush()
        per_unit = staff // units
        person_ids = session.scalars(
            insert(Person).returning(Person.id),
            [
                {
                    "organization_id": org.id,
                    "registration_id": registration.id,
                    "sub": f"staff-{n}",
                    "name": f"Medarbetare {n}",
                }
                for n in range(per_unit * units)
            ],
        ).all()
        rektor_ids = session.scalars(
            insert(Person).returning(Person.id),
            [
                {
                    "organization_id": org.id,
                    "registration_id": registration.id,
                    "sub": f"rektor-{u.id}",
                    "name": f"Rektor {u.name}",
                }
                for u in unit_rows
            ],
        ).all()
        chief = Person(organization_id=org.id, registration_id=registration.id, sub="chef")
        session.add(chief)
        session.flush()
        staff_of = {
            u.id: list(person_ids[i * per_unit : (i + 1) * per_unit])
            for i, u in enumerate(unit_rows)
        }
        session.execute(
            insert(Membership),
            [
                {
                    "organization_id": org.id,
                    "person_id": p,
                    "context_id": course.id,
                    "tool_roles": ["learner"],
                    "lti_roles": [],
                }
                for course, u in zip(courses, unit_rows, strict=True)
                for p in staff_of[u.id]
            ]
            + [
                {
                    "organization_id": org.id,
                    "person_id": r,
                    "context_id": course.id,
                    "tool_roles": ["instructor"],
                    "lti_roles": [],
                }
                for course, r in zip(courses, rektor_ids, strict=True)
            ],
        )
        session.add_all(
            Leader(
                organization_id=org.id,
                person_id=r,
                unit_id=u.id,
                source=GrantSource.ADMIN,
                granted_by="bench",
            )
            for r, u in zip(rektor_ids, unit_rows, strict=True)
        )
        session.commit()

        import_document(session, org.id, load_yaml(builtin_text("digcompedu"), "digcompedu"))
        framework = framework_by_iri(
            session, org.id, load_yaml(builtin_text("digcompedu"), "digcompedu").iri
        )
        assert framework is not None
        leaves = [
            c
            for c in session.scalars(
                select(Competence)
                .where(Competence.framework_id == framework.id, Competence.parent_id.is_not(None))
                .order_by(Competence.position, Competence.id)
            )
        ][:5]
        org_goals = [
            CompetenceGoal(
                organization_id=org.id,
                level=GoalLevel.ORGANIZATION,
                title=f"Huvudmannens mål {n + 1}: {c.title_sv}",
                target_competence_id=c.id,
                target_level=3,
                target_share=60,
                position=n,
            )
            for n, c in enumerate(leaves[:3])
        ]
        session.add_all(org_goals)
        session.flush()
        session.add_all(
            CompetenceGoal(
                organization_id=org.id,
                level=GoalLevel.UNIT,
                unit_id=u.id,
                serves_id=org_goals[i % 3].id,
                title=f"{u.name}: {leaves[i % 3].title_sv}",
                target_competence_id=leaves[i % 3].id,
                target_level=4,
                target_share=50,
            )
            for i, u in enumerate(unit_rows)
        )
        survey = Survey(organization_id=org.id, framework_id=framework.id, title="Kartläggning")
        survey.competences = leaves
        session.add(survey)
        session.flush()
        for number in (1, 2, 3):
            opens = TODAY - timedelta(days=400 - 150 * number)
            survey_round = SurveyRound(
                organization_id=org.id,
                survey_id=survey.id,
                number=number,
                opens_on=opens,
                closes_on=opens + timedelta(days=21),
            )
            session.add(survey_round)
            session.flush()
            answering = [
                (u, p) for u, people in staff_of.items() for p in people if rng.random() < 0.85
            ]
            response_ids = session.scalars(
                insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True),
                [
                    {
                        "organization_id": org.id,
                        "round_id": survey_round.id,
                        "person_id": p,
                        "unit_id": u,
                    }
                    for u, p in answering
                ],
            ).all()
            session.execute(
                insert(SurveyAnswer),
                [
                    {
                        "response_id": r,
                        "competence_id": c.id,
                        "level": min(6, max(0, round(rng.gauss(2 + number * 0.4, 1.3)))),
                    }
                    for r in response_ids
                    for c in leaves
                ],
            )
        session.commit()

        everyone = create_journey(session, org.id, journey_document("alla", leaves[0].iri))
        publish(session, everyone)
        some = create_journey(session, org.id, journey_document("halva", leaves[1].iri))
        publish(session, some)
        session.add(
            Assignment(
                organization_id=org.id,
                journey_id=everyone.id,
                level=AssignmentLevel.ORGANIZATION,
                goal_id=org_goals[0].id,
            )
        )
        session.add_all(
            Assignment(
                organization_id=org.id,
                journey_id=some.id,
                level=AssignmentLevel.UNIT,
                unit_id=u.id,
                goal_id=org_goals[1].id,
            )
            for u in unit_rows[: units // 2]
        )
        session.commit()
        for journey, share in ((everyone, 0.6), (some, 0.3)):
            version_id = journey.versions[-1].id
            goal_id = session.scalar(
                select(Goal.id).where(
                    Goal.version_id == version_id, Goal.competency_iri.is_not(None)
                )
            )
            taking = [p for p in person_ids if rng.random() < share]
            enrollment_ids = session.scalars(
                insert(Enrollment).returning(Enrollment.id, sort_by_parameter_order=True),
                [
                    {
                        "organization_id": org.id,
                        "person_id": p,
                        "journey_id": journey.id,
                        "version_id": version_id,
                        "completed_at": datetime.now(UTC) if rng.random() < 0.5 else None,
                    }
                    for p in taking
                ],
            ).all()
            session.execute(
                insert(GoalRating),
                [
                    {
                        "enrollment_id": e,
                        "goal_id": goal_id,
                        "source": source,
                        "phase": RatingPhase.START,
                        "level": rng.randint(1, 4),
                        "rated_by_id": p,
                    }
                    for e, p in zip(enrollment_ids, taking, strict=True)
                    for source in (RatingSource.SELF, RatingSource.INSTRUCTOR)
                    if source == RatingSource.SELF or rng.random() < 0.5
                ],
            )
        for n in range(200):
            unit_id = unit_rows[n % units].id
            person = rng.choice(staff_of[unit_id])
            plan = DevelopmentPlan(
                organization_id=org.id,
                person_id=person,
                manager_id=rektor_ids[n % units],
                title="Utvecklingsplan",
            )
            session.add(plan)
            session.flush()
            for number in (1, 2):
                version = PlanVersion(
                    plan_id=plan.id, number=number, deadline=TODAY + timedelta(days=90)
                )
                version.goals = [
                    PlanGoal(
                        title=f"Mål {g + 1}",
                        position=g,
                        due_on=TODAY + timedelta(days=rng.randint(-60, 60)),
                        done_at=datetime.now(UTC) if rng.random() < 0.3 else None,
                    )
                    for g in range(2)
                ]
                session.add(version)
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        base = {
            "organization_id": org.id,
            "registration_id": registration.id,
            "resource_link_id": None,
            "launch_id": "bench",
            "locale": "sv",
        }
        rektors = [
            LaunchIdentity(person_id=r, roles=("instructor",), context_id=c.id, **base)
            for r, c in zip(rektor_ids, courses, strict=True)
        ]
        leader = LaunchIdentity(person_id=chief.id, roles=("admin",), context_id=None, **base)
        return rektors, leader, [u.id for u in unit_rows]


def timed_with_cpu(call: Callable[[], int], count: int) -> tuple[list[float], float]:
    """Wall-clock milliseconds per request, and process CPU milliseconds per request."""
    cpu_start = time.process_time()
    values = timed(call, count)
    return values, (time.process_time() - cpu_start) * 1000 / count


def row(name: str, values: list[float], cpu: float, queries: float, base: float) -> str:
    p50, p95 = p50_p95(values)
    return (
        f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {queries:.0f} "
        f"| {p95 / base:.0f}× |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    print(
        f"preparing {args.units} units, {args.staff} staff on "
        f"{make_url(args.database_url).database} …",
        flush=True,
    )
    fresh_database(args.database_url)
    app = bench_app(args.database_url)
    started = time.perf_counter()
    rektors, leader, unit_ids = populate(app, args.units, args.staff, args.seed)
    print(f"populated in {time.perf_counter() - started:.1f} s", flush=True)
    tokens = get_runtime(app).tokens
    client = app.test_client()
    rng = random.Random(args.seed)
    queries = [0]

    @event.listens_for(get_database(app).engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        queries[0] += 1

    def unit_view() -> int:
        i = rng.randrange(len(rektors))
        path = f"/follow-up/units/{unit_ids[i]}"
        return client.get(path, query_string={"lt": tokens.issue(rektors[i])}).status_code

    def organisation_view(**query: object) -> Callable[[], int]:
        def call() -> int:
            params = {"lt": tokens.issue(leader), **query}
            return client.get("/follow-up/organisation", query_string=params).status_code

        return call

    pages: list[tuple[str, Callable[[], int]]] = [
        ("`/healthz` (baseline)", lambda: client.get("/healthz").status_code),
        ("unit view (rektor, random unit)", unit_view),
        ("organisation view (3 goals × 40 units)", organisation_view()),
        ("organisation view filtered on one unit", organisation_view(unit=unit_ids[0])),
    ]
    for _, call in pages:  # warm caches and the connection pool
        timed(call, 3)
    results = []
    for name, call in pages:
        queries[0] = 0
        values, cpu = timed_with_cpu(call, args.requests)
        results.append((name, values, cpu, queries[0] / args.requests))
    base = sorted(results[0][1])[round(0.95 * (len(results[0][1]) - 1))]
    print(
        "\n| page | requests | p50 ms | p95 ms | CPU ms/request (app process) | queries "
        "| p95 / baseline p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, values, cpu, count in results:
        print(row(name, values, cpu, count, base))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
