"""The leader's world in the demo: a framework, a principal, staff, goals, plans and a survey.

For each demo organisation: DigCompEdu; ``STAFF_PER_UNIT`` synthetic members of staff in each
unit; an organisation goal with a sub-goal and a unit goal serving it, linked to the demo's
journeys; two development plans with the principal (rektor) as manager, one agreed and one waiting
for the employee; a needs-mapping survey with a closed round and an open one; and enrollments, so
every leader view has something to show. Everything is found before it is made, so a second seed
creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.demo import catalog
from lti_tool.demo.participation import seed_enrollments
from lti_tool.demo.staff import (
    course_context,
    demo_account,
    deployment_of,
    seed_staff,
)
from lti_tool.demo.survey import seed_survey
from lti_tool.frameworks import services as frameworks
from lti_tool.frameworks.interchange import builtin_text, load_yaml
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.authoring import journey_by_slug
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion
from lti_tool.tenancy.models import Context, Organization, Person, Unit

# The unit whose principal the demo's ``rektor`` is, per organisation (catalog.PEOPLE).
PRINCIPAL_UNIT = {"demo-norrstad": "Norrskolan", "demo-sodervik": "Ekskolan"}
B1 = 3  # DigCompEdu's levels A1…C2 are 1…6
ORG_GOAL = "80 % på nivå B1 eller högre i 2.1 senast juni 2027"
SUB_GOAL = "50 % på nivå B1 eller högre i 2.1 senast januari 2027"
PLAN_TITLE = "Individuell utvecklingsplan 2026/27"
DEMO_KEYS = ("learner", "rektor")


@dataclass
class DemoWorld:
    """What the parts of the seed share within one organisation."""

    org: Organization
    framework: Framework
    competences: dict[str, Competence]  # by code ("2.1")
    units: dict[str, Unit]  # by name
    contexts: dict[int, list[Context]]  # unit id -> its demo courses
    staff: dict[int, list[Person]]  # unit id -> its synthetic staff, in number order

    def journeys(self, session: Session, *slugs: str) -> list[Journey]:
        found = (journey_by_slug(session, self.org.id, slug) for slug in slugs)
        return [j for j in found if j is not None]


def seed_leadership(session: Session, org: Organization, registration: Registration) -> list[str]:
    """The leader's side of one demo organisation; safe to run again. Commits."""
    done: list[str] = []
    framework = _framework(session, org, done)
    demo_org = catalog.org(org.slug)
    deployment = deployment_of(session, registration, demo_org.deployment_id)
    units = {u.name: u for u in session.scalars(select(Unit).where(Unit.organization_id == org.id))}
    contexts: dict[int, list[Context]] = {}
    for course in catalog.COURSES:
        if course.org_slug == org.slug:
            unit = units[course.unit]
            context = course_context(session, org, registration, deployment, course, unit)
            contexts.setdefault(unit.id, []).append(context)
    staff, created = seed_staff(session, org, registration, contexts)
    if created:
        done.append(f"{created} members of staff in {org.slug}")
    world = DemoWorld(
        org=org,
        framework=framework,
        competences={c.code: c for c in frameworks.competences_of(session, framework)},
        units=units,
        contexts=contexts,
        staff=staff,
    )
    # The plans name the learner and the principal before their first launch.
    learner, rektor = (demo_account(session, org, registration, key) for key in DEMO_KEYS)
    done.extend(f"person {p.sub} in {org.slug}" for p, new in (learner, rektor) if new)
    unit_goal = _goals(session, world, rektor[0], done)
    colleague = staff[units[PRINCIPAL_UNIT[org.slug]].id][0]
    _plans(session, world, unit_goal, rektor[0], learner[0], colleague, done)
    done.extend(seed_survey(session, org, framework, world.competences, units, staff))
    done.extend(seed_enrollments(session, org, contexts, staff))
    session.commit()
    return done


def _framework(session: Session, org: Organization, done: list[str]) -> Framework:
    document = load_yaml(builtin_text("digcompedu"), "digcompedu")
    framework = frameworks.framework_by_iri(session, org.id, document.iri)
    if framework is None:
        report = frameworks.import_document(session, org.id, document)
        framework = session.get(Framework, report.framework_id)
        done.append(f"framework DigCompEdu in {org.slug}")
    assert framework is not None  # noqa: S101 - just imported
    return framework


def _goal(
    session: Session, org: Organization, level: GoalLevel, title: str
) -> CompetenceGoal | None:
    return session.scalars(
        select(CompetenceGoal).where(
            CompetenceGoal.organization_id == org.id,
            CompetenceGoal.level == level,
            CompetenceGoal.title == title,
        )
    ).first()


def _goals(session: Session, world: DemoWorld, rektor: Person, done: list[str]) -> CompetenceGoal:
    """The organisation goal, its sub-goal, and the principal's unit goal serving it."""
    org, digital = world.org, world.competences["2.1"]
    unit = world.units[PRINCIPAL_UNIT[org.slug]]
    unit_title = f"{unit.name}: 80 % på nivå B1 eller högre i 2.1 senast maj 2027"
    existing = _goal(session, org, GoalLevel.UNIT, unit_title)
    if existing is not None:
        return existing
    # Queried before any goal is made: a query flushes, and a half-built goal must not be.
    digital_journeys = world.journeys(session, "digital-kompetens")
    unit_journeys = world.journeys(session, "digital-kompetens", "collegial-learning")
    goal = _goal(session, org, GoalLevel.ORGANIZATION, ORG_GOAL)
    if goal is None:
        goal = CompetenceGoal(
            organization_id=org.id,
            level=GoalLevel.ORGANIZATION,
            title=ORG_GOAL,
            description=(
                "Huvudmannens prioriterade mål för den digitala kompetensen: medarbetarna väljer, "
                "skapar och anpassar digitala resurser till sin undervisning."
            ),
            target_competence_id=digital.id,
            target_level=B1,
            target_share=80,
            starts_on=date(2026, 8, 1),
            ends_on=date(2027, 6, 30),
        )
        goal.competences = [digital]
        goal.journeys = digital_journeys
        goal.children = [
            CompetenceGoal(
                organization_id=org.id,
                level=GoalLevel.ORGANIZATION,
                title=SUB_GOAL,
                description="Delmål halvvägs: uppföljning efter höstterminen.",
                target_competence_id=digital.id,
                target_level=B1,
                target_share=50,
                starts_on=date(2026, 8, 1),
                ends_on=date(2027, 1, 31),
            )
        ]
        session.add(goal)
        done.append(f"organisation goal with a sub-goal in {org.slug}")
    unit_goal = CompetenceGoal(
        organization_id=org.id,
        level=GoalLevel.UNIT,
        unit_id=unit.id,
        serves=goal,
        title=unit_title,
        description=(
            "Arbetslagen prövar digitala resurser i varje arbetsområde och delar dem med varandra."
        ),
        target_competence_id=digital.id,
        target_level=B1,
        target_share=80,
        starts_on=date(2026, 8, 15),
        ends_on=date(2027, 5, 31),
        created_by_id=rektor.id,
    )
    unit_goal.competences = [digital, world.competences["2.3"]]
    unit_goal.journeys = unit_journeys
    session.add(unit_goal)
    session.flush()
    done.append(f"unit goal of {unit.name} in {org.slug}")
    return unit_goal


def _plans(
    session: Session,
    world: DemoWorld,
    unit_goal: CompetenceGoal,
    rektor: Person,
    learner: Person,
    colleague: Person,
    done: list[str],
) -> None:
    """The learner's plan, agreed by both; a colleague's, waiting for the employee."""
    competences = world.competences
    journeys = world.journeys(session, "digital-kompetens")
    now = utcnow()
    plans = (
        (
            learner,
            True,
            [
                ("Välja och anpassa digitala resurser i varje arbetsområde", "2.1", B1),
                ("Dela lektionsmaterial med arbetslaget på ett säkert sätt", "2.3", B1),
            ],
        ),
        (colleague, False, [("Leda elevernas samarbete med digitala verktyg", "3.3", B1 + 1)]),
    )
    for person, agreed, goals in plans:
        exists = session.scalars(
            select(DevelopmentPlan.id).where(
                DevelopmentPlan.organization_id == world.org.id,
                DevelopmentPlan.person_id == person.id,
                DevelopmentPlan.title == PLAN_TITLE,
            )
        ).first()
        if exists is not None:
            continue
        version = PlanVersion(
            number=1,
            deadline=date(2027, 6, 15),
            notes=(
                "Från medarbetarsamtalet: fokus på digitala resurser i undervisningen, "
                "uppföljning vid nästa medarbetarsamtal."
            ),
            changed_by_id=rektor.id,
            manager_agreed_at=now - timedelta(days=20),
            employee_agreed_at=now - timedelta(days=18) if agreed else None,
            goals=[
                PlanGoal(
                    position=position,
                    title=title,
                    serves_id=unit_goal.id,
                    competence_id=competences[code].id,
                    target_level=level,
                    due_on=date(2027, 3, 31),
                )
                for position, (title, code, level) in enumerate(goals)
            ],
        )
        version.journeys = list(journeys)
        session.add(
            DevelopmentPlan(
                organization_id=world.org.id,
                person_id=person.id,
                manager_id=rektor.id,
                title=PLAN_TITLE,
                versions=[version],
            )
        )
        state = "agreed" if agreed else "waiting for the employee"
        done.append(f"development plan of {person.sub} ({state}) in {world.org.slug}")
    session.flush()
