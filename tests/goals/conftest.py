"""Goal fixtures: org-a with a framework, two school units and a journey; org-b alongside."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.frameworks.models import Competence
from lti_tool.frameworks.services import import_document
from lti_tool.goals.models import GoalLevel
from lti_tool.goals.services import GoalValues
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.leadership.services import Reach
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import add_organization, add_unit
from tests.conftest import Launcher, session_token
from tests.frameworks.conftest import FRAMEWORK_IRI, framework_document
from tests.journeys.conftest import sample_document
from xapi.lrs.models import Statement

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = [LIS + "membership#Learner"]
RECTOR = [LIS + "membership#Administrator"]
ORG_ADMIN = [LIS + "institution/person#Administrator"]
FEEDBACK = "https://example.org/competences/feedback"
SELECTING = FRAMEWORK_IRI + "/1.1"


@dataclass
class World:
    """The rows the goal tests use, by id."""

    org_id: int
    other_org_id: int
    north_id: int
    south_id: int
    other_unit_id: int
    feedback_id: int
    selecting_id: int
    journey_id: int
    other_journey_id: int


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context(), get_database(app).session() as db_session:
        yield db_session


def _org(session: Session, slug: str) -> Organization:
    existing = session.scalars(select(Organization).where(Organization.slug == slug)).first()
    return existing or add_organization(session, slug, slug.upper())


@pytest.fixture
def world(session: Session) -> World:
    org = _org(session, "org-a")
    other = _org(session, "org-b")
    import_document(session, org.id, framework_document())
    import_document(session, other.id, framework_document())
    north = add_unit(session, org, "Norrskolan", "12345678")
    south = add_unit(session, org, "Söderskolan")
    far = add_unit(session, other, "Fjärrskolan")
    journey = create_journey(session, org.id, sample_document())
    publish(session, journey)
    other_journey = create_journey(session, other.id, sample_document())

    def competence(iri: str) -> int:
        return session.scalars(
            select(Competence.id)
            .join(Competence.framework)
            .where(Competence.iri == iri, Competence.framework.has(organization_id=org.id))
        ).one()

    return World(
        org_id=org.id,
        other_org_id=other.id,
        north_id=north.id,
        south_id=south.id,
        other_unit_id=far.id,
        feedback_id=competence(FEEDBACK),
        selecting_id=competence(SELECTING),
        journey_id=journey.id,
        other_journey_id=other_journey.id,
    )


def org_leader(world: World, person_id: int = 1) -> Reach:
    return Reach(
        organization_id=world.org_id,
        person_id=person_id,
        whole_organization=True,
        unit_ids=frozenset({world.north_id, world.south_id}),
    )


def unit_leader(world: World, unit_id: int, person_id: int = 1) -> Reach:
    return Reach(organization_id=world.org_id, person_id=person_id, unit_ids=frozenset({unit_id}))


def org_goal(**overrides: Any) -> GoalValues:
    values = GoalValues(title="Digital kompetens för alla", level=GoalLevel.ORGANIZATION)
    for name, value in overrides.items():
        setattr(values, name, value)
    return values


def unit_goal(unit_id: int, **overrides: Any) -> GoalValues:
    values = {"title": "Återkoppling i Norrskolan", "level": GoalLevel.UNIT, "unit_id": unit_id}
    return org_goal(**{**values, **overrides})


def statements(session: Session, verb_end: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(Statement).order_by(Statement.seq))
    return [row.full for row in rows if row.full["verb"]["id"].endswith(verb_end)]


class Launches:
    """Launch people into a unit's course of org-a; the session token of each launch."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher

    def launch(self, sub: str, unit: str = "Norrskolan", roles: list[str] | None = None) -> str:
        response = self.launcher.launch(
            sub=sub,
            name=sub.title(),
            roles=roles or LEARNER,
            context={"id": f"course-{unit}", "title": f"Kurs {unit}"},
            custom={"unit": unit},
        )
        return session_token(response)


@pytest.fixture
def launches(launcher: Launcher) -> Launches:
    return Launches(launcher)


@pytest.fixture
def site(launches: Launches, world: World, session: Session) -> World:
    """The world of org-a after its platform was registered (launches reach org-a)."""
    session.close()
    return world
