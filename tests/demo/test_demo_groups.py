"""The demo's group work: a learning group with a facilitator, a live session and a meeting."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import Group, GroupRole, Occurrence, SignupStatus
from lti_tool.db import get_database, utcnow
from lti_tool.demo.groups import CLOSED_GROUP, CYCLE_STEP, OPEN_GROUP, SESSION_STEP
from lti_tool.journeys.models import Step, StepProgress, StepType
from tests.demo.conftest import organization
from tests.demo.test_demo import _path, demo_launch


def _group(session: Session, name: str) -> Group:
    org = organization(session)
    return session.scalars(
        select(Group).where(Group.organization_id == org.id, Group.name == name)
    ).one()


def _roles(group: Group) -> dict[str, GroupRole]:
    return {m.person.sub: m.role for m in group.members}


def test_the_demo_learner_is_in_a_group_of_three_with_the_instructor_as_facilitator(
    seeded: Flask,
) -> None:
    with get_database(seeded).session() as session:
        roles = _roles(_group(session, CLOSED_GROUP))
    assert roles["demo-learner"] == GroupRole.MEMBER
    assert roles["demo-instructor"] == GroupRole.FACILITATOR
    assert sorted(roles.values()).count(GroupRole.MEMBER) == 3


def test_the_demo_has_an_open_group_with_room_to_join(seeded: Flask) -> None:
    with get_database(seeded).session() as session:
        group = _group(session, OPEN_GROUP)
        members = [m for m in group.members if m.role == GroupRole.MEMBER]
        assert group.open and group.capacity is not None and len(members) < group.capacity


def test_the_live_session_meets_next_week_with_two_signed_up(seeded: Flask) -> None:
    with get_database(seeded).session() as session:
        occurrence = session.scalars(
            select(Occurrence).where(
                Occurrence.step_key == SESSION_STEP, Occurrence.group_id.is_(None)
            )
        ).one()
        ahead = occurrence.starts_at - utcnow()
        registered = [s for s in occurrence.signups if s.status == SignupStatus.REGISTERED]
    assert timedelta(days=6) < ahead < timedelta(days=8)
    assert len(registered) == 2 and len(occurrence.check_in_code) == 6


def test_the_group_has_its_own_meeting_for_the_cycle(seeded: Flask) -> None:
    with get_database(seeded).session() as session:
        group = _group(session, CLOSED_GROUP)
        meeting = session.scalars(select(Occurrence).where(Occurrence.group_id == group.id)).one()
        assert meeting.step_key == CYCLE_STEP and meeting.context_id == group.context_id


def test_a_second_seed_makes_no_second_group_or_occurrence(
    seeded: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["demo", "seed"])
    with get_database(seeded).session() as session:
        groups = session.scalars(select(Group.name)).all()
        occurrences = session.scalars(select(Occurrence.id)).all()
    assert sorted(groups) == sorted([CLOSED_GROUP, OPEN_GROUP]) and len(occurrences) == 2


def test_the_demo_learner_opens_the_collegial_journey(seeded: Flask) -> None:
    client = seeded.test_client()
    page = demo_launch(client, "norrstad-formativ", "learner")
    # The journey, then its self-assessment of a new learner: a page that names the journey.
    for _ in range(2):
        if page.status_code == 303:
            page = client.get(_path(page.headers["Location"]))
    assert page.status_code == 200
    assert "Kollegialt lärande: formativ bedömning" in page.get_data(as_text=True)


def test_the_seeded_staff_have_done_no_group_step_without_its_group_records(
    seeded: Flask,
) -> None:
    with get_database(seeded).session() as session:
        done = session.scalars(
            select(Step.type)
            .join(StepProgress, StepProgress.step_id == Step.id)
            .where(Step.type.in_([StepType.LIVE_SESSION, StepType.COLLEGIAL_CYCLE]))
        ).all()
    assert done == []
