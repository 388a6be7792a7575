"""Plan pages: who may see and change which plan, and the forms' answers to bad input."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.tenancy.models import Organization, Person
from tests.plans.conftest import Staff, create_by_form, plan_form


def _page(client: FlaskClient, url: str, token: str) -> tuple[int, str]:
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}lt={token}")
    return response.status_code, response.get_data(as_text=True)


def test_create_plan_by_the_units_rektor_opens_the_plan(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    status, page = _page(client, f"/plans/{key}", staff.rektor_a)
    assert status == 200
    assert "Utvecklingsplan 2027" in page


def test_my_plan_shows_the_employees_plan(client: FlaskClient, staff: Staff) -> None:
    create_by_form(client, staff)
    status, page = _page(client, "/plans/mine", staff.teacher)
    assert status == 200
    assert "Använda AI i planeringen" in page


def test_my_plan_without_a_plan_says_who_makes_it(client: FlaskClient, staff: Staff) -> None:
    status, page = _page(client, "/plans/mine", staff.colleague)
    assert status == 200
    assert 'id="plan-title"' in page


def test_show_plan_refuses_a_colleague_with_403(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    assert _page(client, f"/plans/{key}", staff.colleague)[0] == 403


def test_show_plan_refuses_the_rektor_of_another_unit_with_403(
    client: FlaskClient, staff: Staff
) -> None:
    key = create_by_form(client, staff)
    assert _page(client, f"/plans/{key}", staff.rektor_b)[0] == 403


def test_show_plan_of_another_organisation_is_404(
    app: Flask, client: FlaskClient, staff: Staff, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = Organization(slug="org-b", name="Organisation B")
        session.add(other)
        session.flush()
        people = [
            Person(organization_id=other.id, registration_id=registration.id, sub=sub)
            for sub in ("b-employee", "b-manager")
        ]
        session.add_all(people)
        session.flush()
        plan = DevelopmentPlan(
            organization_id=other.id,
            person_id=people[0].id,
            manager_id=people[1].id,
            title="B",
        )
        session.add(plan)
        session.commit()
        key = plan.key
    assert _page(client, f"/plans/{key}", staff.rektor_a)[0] == 404


def test_new_plan_for_someone_outside_ones_units_is_403(client: FlaskClient, staff: Staff) -> None:
    status, _ = _page(client, f"/plans/new?person={staff.teacher_id}", staff.rektor_b)
    assert status == 403


def test_new_plan_by_a_teacher_is_403(client: FlaskClient, staff: Staff) -> None:
    status, _ = _page(client, f"/plans/new?person={staff.colleague_id}", staff.teacher)
    assert status == 403


def test_team_lists_the_rektors_staff_with_their_plans(client: FlaskClient, staff: Staff) -> None:
    create_by_form(client, staff)
    status, page = _page(client, "/plans/team", staff.rektor_a)
    assert status == 200
    assert "Utvecklingsplan 2027" in page
    assert "Colleague" in page


def test_team_refuses_a_teacher_with_403(client: FlaskClient, staff: Staff) -> None:
    assert _page(client, "/plans/team", staff.teacher)[0] == 403


def test_create_plan_with_a_malformed_deadline_is_400_saying_how(
    client: FlaskClient, staff: Staff
) -> None:
    response = client.post(
        "/plans/new", data=plan_form(staff.teacher_id, staff.rektor_a, deadline="i morgon")
    )
    assert response.status_code == 400
    assert "2027-06-30" in response.get_data(as_text=True)


def test_agree_by_both_through_the_pages_makes_the_plan_agreed(
    client: FlaskClient, staff: Staff
) -> None:
    key = create_by_form(client, staff)
    for token in (staff.teacher, staff.rektor_a):
        response = client.post(f"/plans/{key}/agree", data={"lt": token, "version": "1"})
        assert response.status_code == 303
    _, page = _page(client, f"/plans/{key}", staff.teacher)
    assert 'data-state="agreed"' in page


def test_agree_by_a_colleague_is_403(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    response = client.post(f"/plans/{key}/agree", data={"lt": staff.colleague, "version": "1"})
    assert response.status_code == 403


def test_agree_to_an_old_version_is_409(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    client.post(f"/plans/{key}/agree", data={"lt": staff.rektor_a, "version": "1"})
    edit = plan_form(staff.teacher_id, staff.teacher, version="1", notes="Ändrat av mig.")
    assert client.post(f"/plans/{key}/edit", data=edit).status_code == 303
    response = client.post(f"/plans/{key}/agree", data={"lt": staff.teacher, "version": "1"})
    assert response.status_code == 409


def test_proposed_change_after_an_agreement_shows_what_changed(
    client: FlaskClient, staff: Staff
) -> None:
    key = create_by_form(client, staff)
    client.post(f"/plans/{key}/agree", data={"lt": staff.rektor_a, "version": "1"})
    edit = plan_form(staff.teacher_id, staff.teacher, version="1", **{"goal-1-title": "Nytt mål"})
    edit.pop("goal-0-title")
    assert client.post(f"/plans/{key}/edit", data=edit).status_code == 303
    status, page = _page(client, f"/plans/{key}/changes?version=2", staff.rektor_a)
    assert status == 200
    assert "Nytt mål" in page


def test_mark_goal_by_the_manager_is_403(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    _, page = _page(client, f"/plans/{key}", staff.teacher)
    goal_key = page.split('id="goal-')[1].split('"')[0]
    response = client.post(f"/plans/{key}/goals/{goal_key}", data={"lt": staff.rektor_a})
    assert response.status_code == 403


def test_mark_goal_by_the_employee_shows_it_done(client: FlaskClient, staff: Staff) -> None:
    key = create_by_form(client, staff)
    _, page = _page(client, f"/plans/{key}", staff.teacher)
    goal_key = page.split('id="goal-')[1].split('"')[0]
    response = client.post(
        f"/plans/{key}/goals/{goal_key}", data={"lt": staff.teacher, "done": "1"}
    )
    assert response.status_code == 303
    assert 'name="done" value="0"' in _page(client, f"/plans/{key}", staff.teacher)[1]


def test_landing_page_shows_the_employees_plan(client: FlaskClient, staff: Staff) -> None:
    create_by_form(client, staff)
    _, page = _page(client, "/home", staff.teacher)
    assert 'id="my-plan"' in page
    assert "Utvecklingsplan 2027" in page
