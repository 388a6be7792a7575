"""The group pages: staff form and split groups, learners join and leave, others are refused."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool.collegial import groups
from lti_tool.collegial.models import GroupRole
from lti_tool.db import get_database
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.lti.models import Registration
from lti_tool.recording import Recording
from tests.collegial.conftest import (
    INSTRUCTOR,
    UNIT_LEADER,
    Launches,
    group_by_key,
    person,
    statements,
)
from tests.conftest import Launcher
from tests.journeys.conftest import launch_token, sample_document
from tests.support.platform import TestPlatform

# The pages in English (the browser's language); the Swedish test asks for Swedish.
ENGLISH = {"Accept-Language": "en"}


def get(app: Flask, path: str, token: str, **query: str) -> TestResponse:
    return app.test_client().get(path, query_string={"lt": token, **query}, headers=ENGLISH)


def post(app: Flask, path: str, token: str, **data: Any) -> TestResponse:
    return app.test_client().post(path, data={"lt": token, **data}, headers=ENGLISH)


def names(session: Session, key: str, role: GroupRole = GroupRole.MEMBER) -> list[str]:
    return [p.display_name for p in groups.people_in(session, group_by_key(session, key), role)]


def test_staff_create_a_group_and_see_it_listed(
    app: Flask, launches: Launches, session: Session
) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    created = post(app, "/groups/new", kim, name="Lärgrupp 1", open="1", capacity="4")
    assert created.status_code == 303
    (group,) = groups.groups_of(session, 1, f"context:{launches.context_id()}")
    assert (group.name, group.open, group.capacity) == ("Lärgrupp 1", True, 4)
    page = get(app, "/groups/", kim).get_data(as_text=True)
    assert "Lärgrupp 1" in page and "Split the course" in page


def test_a_bad_size_limit_is_a_clear_400(app: Flask, launches: Launches) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    response = post(app, "/groups/new", kim, name="A", capacity="fyra")
    assert response.status_code == 400
    assert "The size limit is a whole number" in response.get_data(as_text=True)


def test_learners_cannot_create_groups(app: Flask, launches: Launches) -> None:
    anna = launches.launch("anna")
    assert post(app, "/groups/new", anna, name="Egen").status_code == 403


def test_a_learner_joins_an_open_group_sees_it_and_leaves(
    app: Flask, launches: Launches, session: Session
) -> None:
    anna = launches.launch("anna")
    launches.launch("kim", roles=INSTRUCTOR, name="Kim Kursledare")
    key = launches.group("Öppen", open=True, capacity=3)
    groups.add_facilitator(session, group_by_key(session, key), person(session, "kim"))
    page = get(app, "/groups/", anna).get_data(as_text=True)
    assert "Open groups to join" in page and "3 places left" in page
    assert post(app, f"/groups/{key}/join", anna).status_code == 303
    mine = get(app, "/groups/", anna).get_data(as_text=True)
    assert "Öppen" in mine and "Kim Kursledare" in mine and "Anna" in mine
    assert "Open groups to join" not in mine
    assert post(app, f"/groups/{key}/leave", anna).status_code == 303
    assert names(session, key) == []
    assert len(statements(app, "/join")) == len(statements(app, "/leave")) == 1


def test_joining_a_full_group_says_so(app: Flask, launches: Launches, session: Session) -> None:
    anna, bo = launches.launch("anna"), launches.launch("bo")
    key = launches.group("Liten", open=True, capacity=1)
    post(app, f"/groups/{key}/join", anna)
    response = post(app, f"/groups/{key}/join", bo)
    assert response.status_code == 409
    assert "The group is full." in response.get_data(as_text=True)


def test_a_member_of_one_group_cannot_read_another(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    anna = launches.launch("anna")
    launches.launch("bo")
    a, b = launches.group("A"), launches.group("B")
    groups.add_member(session, group_by_key(session, a), person(session, "anna"), recording)
    groups.add_member(session, group_by_key(session, b), person(session, "bo"), recording)
    assert get(app, f"/groups/{a}", anna).status_code == 200
    refused = get(app, f"/groups/{b}", anna)
    assert refused.status_code == 403
    assert "Bo" not in refused.get_data(as_text=True)
    assert post(app, f"/groups/{b}/leave", anna).status_code == 403


def test_staff_of_another_course_cannot_read_or_change_a_group(
    app: Flask, launches: Launches
) -> None:
    other = launches.launch("olle", roles=INSTRUCTOR, course="course-2")
    launches.launch("anna")
    key = launches.group("A")
    assert get(app, f"/groups/{key}", other).status_code == 403
    assert post(app, f"/groups/{key}/edit", other, name="Kapad").status_code == 403
    assert post(app, f"/groups/{key}/delete", other, confirm="1").status_code == 403


def test_another_organisation_gets_404(
    app: Flask, launches: Launches, platform: TestPlatform
) -> None:
    from lti_tool.lti.registrations import add_registration
    from lti_tool.tenancy.services import add_organization
    from tests.conftest import session_token

    launches.launch("anna")
    key = launches.group("A")
    with get_database(app).session() as s:
        org = add_organization(s, "org-b", "Organisation B")
        add_registration(
            s,
            org,
            issuer=platform.issuer,
            client_id="client-b",
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url=platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )
    launcher = Launcher(app.test_client(), platform)
    login = launcher.login(client_id="client-b")
    claims = platform.claims(login.nonce, aud="client-b", roles=INSTRUCTOR)
    foreign = session_token(launcher.post(platform.sign(claims), login.state))
    assert get(app, f"/groups/{key}", foreign).status_code == 404
    assert post(app, f"/groups/{key}/join", foreign).status_code == 404


def test_staff_add_and_remove_members_and_facilitators(
    app: Flask, launches: Launches, session: Session
) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR, name="Kim")
    launches.launch("anna")
    key = launches.group("A")
    page = get(app, f"/groups/{key}", kim).get_data(as_text=True)
    assert "Add as member" in page and "Anna" in page
    anna_id, kim_id = launches.person_id("anna"), launches.person_id("kim")
    assert post(app, f"/groups/{key}/members", kim, person=str(anna_id)).status_code == 303
    assert post(app, f"/groups/{key}/facilitators", kim, person=str(kim_id)).status_code == 303
    assert names(session, key) == ["Anna"]
    assert names(session, key, GroupRole.FACILITATOR) == ["Kim"]
    post(app, f"/groups/{key}/members/remove", kim, person=str(anna_id))
    assert names(session, key) == []
    missing = post(app, f"/groups/{key}/members", kim, person="x")
    assert missing.status_code == 400
    assert "Choose a person from the list." in missing.get_data(as_text=True)


def test_staff_split_the_roster_from_the_page(
    app: Flask, launches: Launches, session: Session
) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    for sub in ("anna", "bo", "cilla"):
        launches.launch(sub)
    response = post(app, "/groups/split", kim, how="count", number="2", prefix="Lag")
    assert response.status_code == 303
    made = groups.groups_of(session, 1, f"context:{launches.context_id()}")
    assert [g.name for g in made] == ["Lag 1", "Lag 2"]
    bad = post(app, "/groups/split", kim, how="count", number="0")
    assert bad.status_code == 400


def test_delete_asks_for_confirmation(app: Flask, launches: Launches, session: Session) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    key = launches.group("A")
    assert "Yes, delete the group" in get(app, f"/groups/{key}/delete", kim).get_data(as_text=True)
    assert post(app, f"/groups/{key}/delete", kim).status_code == 400
    assert post(app, f"/groups/{key}/delete", kim, confirm="1").status_code == 303
    assert groups.groups_of(session, 1, f"context:{launches.context_id()}") == []


def test_the_page_says_when_the_platform_offers_no_groups_service(
    app: Flask, launches: Launches
) -> None:
    kim = launches.launch("kim", roles=INSTRUCTOR)
    page = get(app, "/groups/", kim).get_data(as_text=True)
    assert "offers no groups service for this course" in page


def test_the_pages_speak_swedish(app: Flask, launches: Launches) -> None:
    anna = launches.launch("anna")
    page = get(app, "/groups/", anna, lang="sv").get_data(as_text=True)
    assert "Min grupp" in page


def test_the_journey_overview_links_to_the_groups(
    app: Flask, launcher: Launcher, registration: Registration
) -> None:
    with get_database(app).session() as s:
        journey = create_journey(s, registration.organization_id, sample_document())
        publish(s, journey)
    token = launch_token(launcher)
    client = app.test_client()
    client.get("/journeys/digital-kompetens", query_string={"lt": token})
    page = client.get("/journeys/digital-kompetens", query_string={"lt": token, "skip": "1"})
    assert page.status_code == 200
    assert "/groups/?lt=" in page.get_data(as_text=True)


def test_a_unit_leader_creates_the_units_groups_and_course_staff_cannot(
    app: Flask, launches: Launches, session: Session
) -> None:
    rektor = launches.launch("rektor", roles=UNIT_LEADER)
    kim = launches.launch("kim", roles=INSTRUCTOR)
    unit_id = launches.unit_id()
    assert f"/groups/units/{unit_id}" in get(app, "/groups/", rektor).get_data(as_text=True)
    created = post(app, f"/groups/units/{unit_id}/new", rektor, name="Arbetslag 1")
    assert created.status_code == 303
    page = get(app, f"/groups/units/{unit_id}", rektor).get_data(as_text=True)
    assert "Arbetslag 1" in page
    assert get(app, f"/groups/units/{unit_id}", kim).status_code == 403
    assert post(app, f"/groups/units/{unit_id}/new", kim, name="Eget").status_code == 403
    assert len(groups.groups_of(session, 1, f"unit:{unit_id}")) == 1


def test_a_facilitator_who_is_a_learner_opens_their_group_but_cannot_change_it(
    app: Flask, launches: Launches, session: Session
) -> None:
    fia = launches.launch("fia", name="Fia")
    key = launches.group("A")
    groups.add_facilitator(session, group_by_key(session, key), person(session, "fia"))
    assert "Groups you facilitate" in get(app, "/groups/", fia).get_data(as_text=True)
    page = get(app, f"/groups/{key}", fia)
    assert page.status_code == 200
    assert "Change the group" not in page.get_data(as_text=True)
    assert post(app, f"/groups/{key}/edit", fia, name="B").status_code == 403
