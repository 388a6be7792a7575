"""Importing the platform's groups (LTI Course Groups Service) against the test platform."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.collegial import groups
from lti_tool.collegial.group_import import GROUPS_MEDIA_TYPE, GROUPS_SCOPE
from lti_tool.collegial.models import GroupRole, GroupSource
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context
from tests.collegial.conftest import INSTRUCTOR, Launches, group_by_key, person, statements
from tests.collegial.test_group_views import get, post
from tests.support.platform import LIS, TestPlatform

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
GROUPS_CLAIM = "https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice"


def services(platform: TestPlatform) -> dict[str, Any]:
    return {
        NRPS_CLAIM: {"context_memberships_url": platform.base_url + "/nrps"},
        GROUPS_CLAIM: platform.groups_service(),
    }


def member(sub: str, name: str, *group_ids: str, role: str = "Learner") -> dict[str, Any]:
    return {
        "user_id": sub,
        "name": name,
        "status": "Active",
        "roles": [LIS + "membership#" + role],
        "group_enrollments": [{"group_id": g} for g in group_ids],
    }


def staff_token(launches: Launches, platform: TestPlatform) -> str:
    return launches.launch("kim", roles=INSTRUCTOR, **services(platform))


def course_groups(session: Session, launches: Launches) -> dict[str, list[str]]:
    session.expire_all()
    found = groups.groups_of(session, 1, f"context:{launches.context_id()}")
    return {g.name: [p.sub for p in groups.people_in(session, g, GroupRole.MEMBER)] for g in found}


def test_the_launch_keeps_the_course_groups_service(
    launches: Launches, session: Session, services_platform: TestPlatform
) -> None:
    staff_token(launches, services_platform)
    context = session.get_one(Context, launches.context_id())
    assert context.groups_url == services_platform.base_url + "/groups"
    assert context.group_sets_url == services_platform.base_url + "/group_sets"


def test_import_makes_the_platforms_groups_with_their_members(
    app: Flask, launches: Launches, session: Session, services_platform: TestPlatform
) -> None:
    platform = services_platform
    platform.groups = [
        {"id": "g1", "name": "Grupp 1", "set_id": "s1"},
        {"id": "g2", "name": "Grupp 2", "set_id": "s1"},
    ]
    platform.group_sets = [{"id": "s1", "name": "Lärgrupper"}]
    platform.roster = [
        member("anna", "Anna", "g1"),
        member("bo", "Bo", "g1"),
        member("cilla", "Cilla", "g2"),
        member("kim", "Kim", "g2", role="Instructor"),
    ]
    kim = staff_token(launches, platform)
    response = post(app, "/groups/import", kim)
    assert response.status_code == 303
    assert course_groups(session, launches) == {"Grupp 1": ["anna", "bo"], "Grupp 2": ["cilla"]}
    assert {g.source for g in groups.groups_of(session, 1, f"context:{launches.context_id()}")} == {
        GroupSource.PLATFORM
    }
    assert len(statements(app, "/join")) == 3
    scopes = {r.get("scope") for r in platform.token_requests}
    assert GROUPS_SCOPE in scopes
    assert any(r["accept"] == GROUPS_MEDIA_TYPE for r in platform.group_requests)
    page = get(app, "/groups/", kim, done="imported", created="2", placed="3")
    assert "2 new" in page.get_data(as_text=True)


def test_a_new_import_updates_groups_by_the_platforms_id(
    app: Flask, launches: Launches, session: Session, services_platform: TestPlatform
) -> None:
    platform = services_platform
    platform.groups = [{"id": "g1", "name": "Grupp 1"}, {"id": "g2", "name": "Grupp 2"}]
    platform.roster = [member("anna", "Anna", "g1"), member("bo", "Bo", "g1")]
    kim = staff_token(launches, platform)
    post(app, "/groups/import", kim)
    platform.groups = [{"id": "g1", "name": "Grupp Ett"}, {"id": "g2", "name": "Grupp 2"}]
    platform.roster = [member("anna", "Anna", "g1"), member("bo", "Bo", "g2")]
    assert post(app, "/groups/import", kim).status_code == 303
    assert course_groups(session, launches) == {"Grupp 2": ["bo"], "Grupp Ett": ["anna"]}
    assert len(statements(app, "/leave")) == 1


def test_several_group_sets_ask_which_one_to_import(
    app: Flask, launches: Launches, session: Session, services_platform: TestPlatform
) -> None:
    platform = services_platform
    platform.groups = [
        {"id": "g1", "name": "Lag A", "set_id": "s1"},
        {"id": "g2", "name": "Projekt X", "set_id": "s2"},
    ]
    platform.group_sets = [{"id": "s1", "name": "Arbetslag"}, {"id": "s2", "name": "Projekt"}]
    platform.roster = [member("anna", "Anna", "g1", "g2")]
    kim = staff_token(launches, platform)
    choice = post(app, "/groups/import", kim)
    assert choice.status_code == 200
    page = choice.get_data(as_text=True)
    assert "Arbetslag" in page and "Projekt" in page
    assert course_groups(session, launches) == {}
    assert post(app, "/groups/import", kim, set_id="s2").status_code == 303
    assert course_groups(session, launches) == {"Projekt X": ["anna"]}


def test_a_platform_that_refuses_gives_a_clear_page(
    app: Flask, launches: Launches, services_platform: TestPlatform
) -> None:
    services_platform.groups = [{"id": "g1", "name": "Grupp 1"}]
    kim = staff_token(launches, services_platform)
    services_platform.refuse_tokens = True
    response = post(app, "/groups/import", kim)
    assert response.status_code == 502
    assert "did not give the course" in response.get_data(as_text=True)


def test_without_the_service_import_is_refused_with_a_reason(
    app: Flask, launches: Launches
) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    response = post(app, "/groups/import", kim)
    assert response.status_code == 400
    assert "offers no groups service" in response.get_data(as_text=True)


def test_import_leaves_someone_already_in_another_group_where_they_are(
    app: Flask,
    launches: Launches,
    session: Session,
    services_platform: TestPlatform,
    recording: Recording,
) -> None:
    platform = services_platform
    platform.groups = [{"id": "g1", "name": "Grupp 1"}]
    platform.roster = [member("anna", "Anna", "g1"), member("bo", "Bo", "g1")]
    kim = staff_token(launches, platform)
    launches.launch("anna", **services(platform))
    own = launches.group("Egen")
    groups.add_member(session, group_by_key(session, own), person(session, "anna"), recording)
    response = post(app, "/groups/import", kim)
    assert "skipped=1" in response.location
    assert course_groups(session, launches) == {"Egen": ["anna"], "Grupp 1": ["bo"]}
