"""Survey fixtures: org-a with a framework (3 leaves, 3 levels), two units, staff and leaders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.frameworks import services as frameworks
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.models import Journey
from lti_tool.leadership.services import Reach
from lti_tool.lti.models import Deployment, Registration
from lti_tool.surveys import services
from lti_tool.surveys.models import Survey, SurveyRound
from lti_tool.tenancy.models import Context, Membership, Organization, Person, Unit
from tests.frameworks.conftest import FRAMEWORK_IRI, framework_document
from tests.journeys.conftest import sample_document

TODAY = date(2027, 3, 10)
LEAF_11 = FRAMEWORK_IRI + "/1.1"
LEAF_12 = FRAMEWORK_IRI + "/1.2"
LEAF_2 = "https://example.org/competences/feedback"
AREA_1 = FRAMEWORK_IRI + "/1"


@dataclass
class World:
    """org-a: its framework, units A and B (each with one course), people by name."""

    session: Session
    org: Organization
    registration: Registration
    framework: Framework
    units: dict[str, Unit] = field(default_factory=dict)
    contexts: dict[str, Context] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def competence(self, iri: str) -> Competence:
        found = frameworks.competence_by_iri(self.session, self.org.id, iri)
        assert found is not None
        return found

    def person(self, name: str, *units: str) -> Person:
        """A person who launched from the courses of ``units``."""
        person = Person(
            organization_id=self.org.id,
            registration_id=self.registration.id,
            sub=f"sub-{name}",
            name=name,
        )
        self.session.add(person)
        self.session.flush()
        for unit in units:
            self.session.add(
                Membership(
                    organization_id=self.org.id,
                    person_id=person.id,
                    context_id=self.contexts[unit].id,
                    tool_roles=["learner"],
                    lti_roles=[],
                )
            )
        self.session.commit()
        self.people[name] = person
        return person

    def org_leader(self, name: str = "chef") -> Reach:
        person = self.people.get(name) or self.person(name)
        return Reach(self.org.id, person.id, whole_organization=True)

    def rektor(self, unit: str, name: str | None = None) -> Reach:
        name = name or f"rektor-{unit}"
        person = self.people.get(name) or self.person(name, unit)
        return Reach(self.org.id, person.id, unit_ids=frozenset({self.units[unit].id}))

    def survey(self, unit: str | None = None, **values: Any) -> Survey:
        reach = self.rektor(unit) if unit else self.org_leader()
        return services.create_survey(
            self.session,
            reach,
            self.framework.id,
            values.pop("title", "Digital kompetens"),
            self.units[unit].id if unit else None,
            **values,
        )

    def round(self, survey: Survey, opens: int = -5, closes: int = 10) -> SurveyRound:
        reach = (
            self.rektor(next(k for k, u in self.units.items() if u.id == survey.unit_id))
            if survey.unit_id
            else self.org_leader()
        )
        return services.open_round(
            self.session,
            reach,
            survey,
            TODAY + timedelta(days=opens),
            TODAY + timedelta(days=closes),
            today=TODAY + timedelta(days=min(opens, 0)),
        )

    def answers(self, survey: Survey, levels: dict[str, int]) -> dict[str, str]:
        """Form fields for ``levels`` by competence code ("1.1", "1.2", "2")."""
        codes = {c.code: c.id for c in services.survey_items(self.session, survey)}
        return {f"c-{codes[code]}": str(level) for code, level in levels.items()}


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with get_database(app).session() as db_session:
        yield db_session


@pytest.fixture
def world(session: Session, registration: Registration) -> World:
    org = session.get_one(Organization, registration.organization_id)
    frameworks.import_document(session, org.id, framework_document())
    framework = frameworks.get_framework(session, org.id, FRAMEWORK_IRI)
    deployment = session.scalars(
        select(Deployment).where(Deployment.registration_id == registration.id)
    ).first()
    assert deployment is not None
    world = World(session, org, session.get_one(Registration, registration.id), framework)
    for name in ("A", "B"):
        unit = Unit(organization_id=org.id, name=f"Skola {name}")
        session.add(unit)
        session.flush()
        context = Context(
            organization_id=org.id,
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id=f"course-{name}",
            title=f"Kurs {name}",
            unit_id=unit.id,
        )
        session.add(context)
        session.flush()
        world.units[name] = unit
        world.contexts[name] = context
    session.commit()
    return world


def publish_serving(world: World, slug: str, *iris: str) -> Journey:
    """A published journey of org-a with one goal per competence IRI (none: no competence)."""
    body = sample_document(slug).model_dump()
    body["title"] = f"Resa {slug}"
    body["goals"] = [
        {"key": f"goal-{i}", "title": f"Mål {i}", "competency": iri} for i, iri in enumerate(iris)
    ] or [{"key": "goal-0", "title": "Mål"}]
    for section in body["sections"]:
        for step in section["steps"]:
            step["goals"] = []
    journey = create_journey(world.session, world.org.id, JourneyDocument.model_validate(body))
    publish(world.session, journey)
    return journey


def answer(world: World, survey_round: SurveyRound, person: Person, levels: dict[str, int]) -> None:
    services.submit_response(
        world.session,
        survey_round,
        world.org.id,
        person.id,
        world.answers(survey_round.survey, levels),
        today=survey_round.opens_on,
    )
    world.session.commit()
