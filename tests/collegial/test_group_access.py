"""Who may see, run and manage a group: every cross-group, cross-course and cross-tenant read."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.collegial import groups
from lti_tool.collegial.access import (
    can_facilitate,
    can_manage,
    require_group_manage,
    require_group_view,
)
from lti_tool.collegial.groups import GroupFields, GroupNotFoundError
from lti_tool.journeys.errors import JourneyForbiddenError
from lti_tool.leadership.services import grant_unit_leader
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Unit
from tests.collegial.conftest import INSTRUCTOR, UNIT_LEADER, Launches, group_by_key, person


def identity(app: Flask, token: str) -> LaunchIdentity:
    return get_runtime(app).tokens.verify(token)


@pytest.fixture
def two_groups(launches: Launches, session: Session, recording: Recording) -> tuple[str, str]:
    """Groups A (anna) and B (bo) of course-1; kim teaches it; fia facilitates A."""
    for sub in ("anna", "bo", "fia"):
        launches.launch(sub)
    a, b = launches.group("A"), launches.group("B")
    groups.add_member(session, group_by_key(session, a), person(session, "anna"), recording)
    groups.add_member(session, group_by_key(session, b), person(session, "bo"), recording)
    groups.add_facilitator(session, group_by_key(session, a), person(session, "fia"))
    return a, b


def test_a_member_sees_their_group_and_not_another(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    a, b = two_groups
    anna = identity(app, launches.launch("anna"))
    require_group_view(session, anna, group_by_key(session, a))
    with pytest.raises(JourneyForbiddenError):
        require_group_view(session, anna, group_by_key(session, b))


def test_a_member_does_not_manage_their_group(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    anna = identity(app, launches.launch("anna"))
    group = group_by_key(session, two_groups[0])
    assert not can_facilitate(session, anna, group)
    with pytest.raises(JourneyForbiddenError) as refused:
        require_group_manage(session, anna, group)
    assert refused.value.code == "group_manage_forbidden"


def test_a_facilitator_runs_their_group_only(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    a, b = two_groups
    fia = identity(app, launches.launch("fia"))
    assert can_facilitate(session, fia, group_by_key(session, a))
    assert not can_facilitate(session, fia, group_by_key(session, b))
    assert not can_manage(session, fia, group_by_key(session, a))
    with pytest.raises(JourneyForbiddenError):
        require_group_view(session, fia, group_by_key(session, b))


def test_course_staff_manage_their_course_groups_only(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    kim = identity(app, launches.launch("kim", roles=INSTRUCTOR))
    other = identity(app, launches.launch("kim", roles=INSTRUCTOR, course="course-2"))
    group = group_by_key(session, two_groups[0])
    require_group_manage(session, kim, group)
    assert can_facilitate(session, kim, group)
    # The same person launched from another course is not staff of this one.
    with pytest.raises(JourneyForbiddenError):
        require_group_view(session, other, group)


def test_a_learner_of_the_course_outside_the_group_is_refused(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    eva = identity(app, launches.launch("eva"))
    with pytest.raises(JourneyForbiddenError) as refused:
        require_group_view(session, eva, group_by_key(session, two_groups[0]))
    assert refused.value.status == 403


def test_another_organisations_group_does_not_exist(
    app: Flask, launches: Launches, session: Session, two_groups: tuple[str, str]
) -> None:
    kim = identity(app, launches.launch("kim", roles=INSTRUCTOR))
    org_b = Organization(slug="org-b", name="B")
    session.add(org_b)
    session.flush()
    unit = Unit(organization_id=org_b.id, name="Skola B")
    session.add(unit)
    session.flush()
    foreign = groups.create_group(session, GroupFields("Främmande"), unit=unit)
    with pytest.raises(GroupNotFoundError):
        require_group_view(session, kim, foreign)
    with pytest.raises(GroupNotFoundError):
        groups.find_group(session, kim.organization_id, foreign.key)


def test_unit_groups_are_managed_by_the_units_leaders_not_course_staff(
    app: Flask, launches: Launches, session: Session
) -> None:
    kim_token = launches.launch("kim", roles=INSTRUCTOR)
    rektor_token = launches.launch("rektor", roles=UNIT_LEADER)
    other_token = launches.launch("olle", roles=UNIT_LEADER, course="course-b", unit="Skola B")
    unit = session.get_one(Unit, launches.unit_id("Skola A"))
    group = groups.create_group(session, GroupFields("Arbetslag 1"), unit=unit)
    assert can_manage(session, identity(app, rektor_token), group)
    assert not can_manage(session, identity(app, kim_token), group)
    assert not can_manage(session, identity(app, other_token), group)


def test_a_named_unit_leader_manages_the_units_groups(
    app: Flask, launches: Launches, session: Session
) -> None:
    launches.launch("ulla", course="course-c", unit="Skola C")
    unit = session.get_one(Unit, launches.unit_id("Skola C"))
    org = session.get_one(Organization, unit.organization_id)
    grant_unit_leader(session, org, unit, person(session, "ulla"))
    session.commit()
    group = groups.create_group(session, GroupFields("Lag"), unit=unit)
    assert can_manage(session, identity(app, launches.launch("ulla", course="course-c")), group)
