"""Live session fixtures: a journey with a live session step, a course, people, occurrences."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import Group, GroupMember, GroupRole, Occurrence, scope_of
from lti_tool.collegial.occurrences import schedule_occurrence
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.authoring import create_journey, latest_published, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.models import Enrollment, Journey
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Context, Person
from xapi.lrs.models import Statement

SLUG = "traffar"
STEP = "step-meet"


def session_document(**content: Any) -> JourneyDocument:
    """A journey of a content step and a live session step (and a collegial cycle step's key)."""
    return JourneyDocument.model_validate(
        {
            "slug": SLUG,
            "title": "Träffar om bedömning",
            "language": "sv",
            "sections": [
                {
                    "key": "section-1",
                    "title": "Tillsammans",
                    "steps": [
                        {
                            "key": "step-read",
                            "title": "Läs inför träffen",
                            "content": {"type": "content", "body": "Läs texten."},
                        },
                        {
                            "key": STEP,
                            "title": "Träff om återkoppling",
                            "content": {
                                "type": "live_session",
                                "description": "Vi ses och **pratar** om återkoppling.",
                                **content,
                            },
                        },
                    ],
                }
            ],
        }
    )


@pytest.fixture(name="live_journey")
def live_journey_fixture(app: Flask, registration: Registration) -> Journey:
    """``traffar`` of org-a, published, with the live session step ``step-meet``."""
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, session_document())
        publish(session, journey)
        session.expunge(journey)
        return journey


def make_course(
    session: Session, registration: Registration, context_id: str = "course-1"
) -> Context:
    existing = session.scalar(select(Context).where(Context.context_id == context_id))
    if existing is not None:
        return existing
    registration = session.get_one(Registration, registration.id)
    course = Context(
        organization_id=registration.organization_id,
        registration_id=registration.id,
        deployment_id=registration.deployments[0].id,
        context_id=context_id,
    )
    session.add(course)
    session.flush()
    return course


def make_people(
    session: Session, registration: Registration, count: int, prefix: str = "p"
) -> list[Person]:
    people = [
        Person(
            organization_id=registration.organization_id,
            registration_id=registration.id,
            sub=f"{prefix}{i}",
            name=f"Person {prefix}{i}",
        )
        for i in range(count)
    ]
    session.add_all(people)
    session.flush()
    return people


def enroll(session: Session, journey: Journey, person: Person, course: Context) -> Enrollment:
    version = latest_published(session, session.get_one(Journey, journey.id))
    assert version is not None
    enrollment = Enrollment(
        organization_id=person.organization_id,
        person_id=person.id,
        journey_id=journey.id,
        version_id=version.id,
        context_id=course.id,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def schedule(
    session: Session,
    journey: Journey,
    course: Context | None,
    *,
    starts_at: datetime | None = None,
    minutes: int = 90,
    capacity: int | None = 10,
    group: Group | None = None,
    step_key: str = STEP,
    **overrides: Any,
) -> Occurrence:
    """An occurrence of the live session step in the course, starting in a day by default."""
    start = starts_at or utcnow() + timedelta(days=1)
    values: dict[str, Any] = {
        "organization_id": journey.organization_id,
        "journey_id": journey.id,
        "step_key": step_key,
        "context_id": course.id if course is not None else None,
        "group_id": group.id if group is not None else None,
        "title": "Träff 1",
        "starts_at": start,
        "ends_at": start + timedelta(minutes=minutes),
        "place": "Aulan",
        "meeting_url": None,
        "capacity": capacity,
        "facilitator_id": None,
        "created_by_id": None,
    }
    values.update(overrides)
    return schedule_occurrence(session, **values)


def make_group(
    session: Session,
    course: Context,
    members: list[Person],
    facilitators: list[Person] = (),  # type: ignore[assignment]
) -> Group:
    group = Group(
        organization_id=course.organization_id,
        context_id=course.id,
        scope=scope_of(course.id, None),
        name="Lärgrupp A",
    )
    session.add(group)
    session.flush()
    for person in members:
        session.add(GroupMember(group_id=group.id, person_id=person.id, scope=group.scope))
    for person in facilitators:
        session.add(
            GroupMember(
                group_id=group.id,
                person_id=person.id,
                scope=group.scope,
                role=GroupRole.FACILITATOR,
            )
        )
    session.flush()
    return group


def recorded_verbs(session: Session) -> list[str]:
    """The verbs of the embedded LRS's statements, oldest first (last part of the IRI)."""
    return [
        s["verb"]["id"].rsplit("/", 1)[-1]
        for s in session.scalars(select(Statement.full).order_by(Statement.seq))
    ]


def statements(session: Session, verb_suffix: str) -> list[dict[str, Any]]:
    return [
        s
        for s in session.scalars(select(Statement.full).order_by(Statement.seq))
        if s["verb"]["id"].endswith(verb_suffix)
    ]
