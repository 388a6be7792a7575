"""Test data for collegial cycles: a journey with a cycle step, launched learners in groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.collegial.models import (
    Attendance,
    AttendanceMethod,
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
    scope_of,
)
from lti_tool.db import get_database, utcnow
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Context, Person
from tests.conftest import Launcher, session_token
from tests.journeys.conftest import INSTRUCTOR, LEARNER

SLUG = "kollegialt-larande"
STEP = "step-cycle"
BASE = f"/journeys/{SLUG}/steps/{STEP}"
ACTIONS = f"/collegial/{SLUG}/steps/{STEP}"


def cycle_document(**cycle: Any) -> JourneyDocument:
    """A journey with one content step and one collegial cycle of the four default phases."""
    content = {
        "type": "collegial_cycle",
        "intro": "Vi prövar **exit tickets** tillsammans.",
        "phases": [
            {"key": "prepare", "kind": "prepare", "reflection_min_length": 10},
            {
                "key": "meet",
                "kind": "meet",
                "roles": ["Presentatör", "Processledare"],
                "protocol": [
                    {"title": "Presentation", "minutes": 5, "speaker": "Presentatör"},
                    {"title": "Klargörande frågor", "minutes": 5},
                ],
            },
            {"key": "practice", "kind": "practice", "evidence_kinds": ["text", "link", "file"]},
            {"key": "follow-up", "kind": "follow_up"},
        ],
        **cycle,
    }
    return JourneyDocument.model_validate(
        {
            "slug": SLUG,
            "title": "Kollegialt lärande",
            "language": "sv",
            "sections": [
                {
                    "key": "section-1",
                    "title": "Cykeln",
                    "steps": [
                        {
                            "key": "step-read",
                            "title": "Läs",
                            "content": {"type": "content", "body": "Läs."},
                        },
                        {"key": STEP, "title": "Exit tickets", "content": content},
                    ],
                }
            ],
        }
    )


def publish_cycle(app: Flask, registration: Registration, **cycle: Any) -> Journey:
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, cycle_document(**cycle))
        publish(session, journey)
        session.expunge(journey)
        return journey


@dataclass
class Someone:
    token: str
    person_id: int
    name: str


def launch(
    launcher: Launcher,
    sub: str,
    name: str,
    roles: list[str] | None = None,
    course: str = "course-1",
) -> Someone:
    """A launch into the cycle journey as ``sub`` in ``course``."""
    response = launcher.launch(
        sub=sub,
        name=name,
        roles=roles or LEARNER,
        custom={"journey": SLUG},
        context={"id": course, "title": course, "label": course},
    )
    token = session_token(response)
    with get_database(launcher.client.application).session() as session:
        person_id = session.scalar(select(Person.id).where(Person.sub == sub))
        assert person_id is not None
    return Someone(token, person_id, name)


def make_group(
    app: Flask,
    name: str,
    members: list[Someone],
    facilitators: tuple[Someone, ...] = (),
    course: str = "course-1",
) -> str:
    """A group of the course with these members and facilitators; its key."""
    with get_database(app).session() as session:
        context = session.scalars(select(Context).where(Context.context_id == course)).one()
        group = Group(
            organization_id=context.organization_id,
            context_id=context.id,
            scope=scope_of(context.id, None),
            name=name,
        )
        session.add(group)
        session.flush()
        for someone, role in [(m, GroupRole.MEMBER) for m in members] + [
            (f, GroupRole.FACILITATOR) for f in facilitators
        ]:
            session.add(
                GroupMember(
                    group_id=group.id, person_id=someone.person_id, scope=group.scope, role=role
                )
            )
        session.commit()
        return group.key


def add_occurrence(app: Flask, group_key: str, journey_id: int, hours_ago: int = 2) -> int:
    """An occurrence of the group's meeting for the cycle step; its id."""
    with get_database(app).session() as session:
        group = session.scalars(select(Group).where(Group.key == group_key)).one()
        start = utcnow() - timedelta(hours=hours_ago)
        occurrence = Occurrence(
            organization_id=group.organization_id,
            journey_id=journey_id,
            step_key=STEP,
            context_id=group.context_id,
            group_id=group.id,
            title="Träff 1",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Rum 12",
            check_in_code="ABC123",
        )
        session.add(occurrence)
        session.commit()
        return occurrence.id


def attend(app: Flask, occurrence_id: int, person_id: int) -> None:
    """Attendance as the live-session part records it, then the cycle told of it."""
    from lti_tool.collegial.cycle_progress import meeting_attended

    with app.test_request_context(), get_database(app).session() as session:
        session.add(
            Attendance(
                occurrence_id=occurrence_id,
                person_id=person_id,
                method=AttendanceMethod.FACILITATOR,
            )
        )
        session.flush()
        occurrence = session.get_one(Occurrence, occurrence_id)
        meeting_attended(session, occurrence, person_id, utcnow())
        session.commit()


@dataclass
class Crew:
    """Three learners in group A with a facilitator; a fourth learner alone in group B."""

    journey: Journey
    members: list[Someone]
    facilitator: Someone
    outsider: Someone
    instructor: Someone
    group_a: str
    group_b: str
    extra: dict[str, Any] = field(default_factory=dict)


def make_crew(app: Flask, registration: Registration, launcher: Launcher, **cycle: Any) -> Crew:
    journey = publish_cycle(app, registration, **cycle)
    members = [launch(launcher, f"m{i}", name) for i, name in enumerate(["Alva", "Bo", "Cai"])]
    facilitator = launch(launcher, "fac", "Frida")
    outsider = launch(launcher, "out", "Olle")
    instructor = launch(launcher, "teach", "Ingrid", roles=INSTRUCTOR)
    group_a = make_group(app, "Lärgrupp A", members, (facilitator,))
    group_b = make_group(app, "Lärgrupp B", [outsider])
    return Crew(journey, members, facilitator, outsider, instructor, group_a, group_b)
