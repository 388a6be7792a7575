"""The unit and organisation views: who may open them, what they show, filters, errors."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.db import get_database
from lti_tool.followup.views import followup_cell
from lti_tool.privacy import SuppressionPolicy
from lti_tool.privacy.views import render_cell
from lti_tool.tenancy.models import Unit
from lti_tool.tenancy.services import add_organization
from tests.followup.conftest import World, seed_two_units
from tests.leadership.conftest import ADMINISTRATOR, ORG_ADMIN, Launches


@pytest.fixture
def ids(world: World) -> dict[str, int]:
    return seed_two_units(world)


def _get(client: FlaskClient, path: str, token: str, **query: object) -> tuple[int, str]:
    response = client.get(path, query_string={"lt": token, **query})
    return response.status_code, response.get_data(as_text=True)


def test_rektor_opens_their_units_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    status, html = _get(client, f"/follow-up/units/{ids['a']}", token, lang="en")
    assert status == 200
    assert "Skola A väljer resurser" in html


def test_rektor_of_one_unit_gets_403_on_another(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    assert _get(client, f"/follow-up/units/{ids['b']}", token)[0] == 403


def test_rektor_gets_403_on_the_organisation_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    assert _get(client, "/follow-up/organisation", token)[0] == 403


def test_teacher_gets_403_on_a_unit_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("teacher")
    assert _get(client, f"/follow-up/units/{ids['a']}", token)[0] == 403


def test_teacher_gets_403_on_the_organisation_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("teacher")
    assert _get(client, "/follow-up/organisation", token)[0] == 403


def test_another_organisations_unit_is_not_found(
    app: Flask, client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        unit = Unit(organization_id=other.id, name="Skola X")
        session.add(unit)
        session.commit()
        unit_id = unit.id
    token = launches.launch("chef", roles=ORG_ADMIN)
    assert _get(client, f"/follow-up/units/{unit_id}", token)[0] == 404


def test_organisation_leader_opens_the_organisation_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    status, html = _get(client, "/follow-up/organisation", token, lang="en")
    assert status == 200
    assert "Digitala resurser för alla" in html


def test_organisation_leader_opens_any_units_view(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    assert _get(client, f"/follow-up/units/{ids['b']}", token)[0] == 200


def test_unit_filter_shows_only_that_units_rows(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    _, html = _get(client, "/follow-up/organisation", token, unit=ids["b"], lang="en")
    assert '<th scope="row">Skola B</th>' in html
    assert '<th scope="row">Skola A</th>' not in html


def test_goal_filter_of_another_organisation_is_not_found(
    app: Flask, client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    assert _get(client, "/follow-up/organisation", token, goal=ids["unit_goal"])[0] == 404


def test_round_filter_that_does_not_exist_is_not_found(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    assert _get(client, "/follow-up/organisation", token, round=ids["round"] + 1000)[0] == 404


def test_a_filter_that_is_not_a_number_is_a_400_saying_what_to_fix(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("chef", roles=ORG_ADMIN)
    status, html = _get(client, "/follow-up/organisation", token, unit="abc", lang="en")
    assert (status, "Choose the school unit from the list." in html) == (400, True)


def test_unit_view_names_the_rektors_staff_with_overdue_plan_goals(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    _, html = _get(client, f"/follow-up/units/{ids['a']}", token, lang="en")
    assert "Medarbetare 1</th><td>Pröva AI-stöd i klassrummet" in html


def test_landing_page_links_a_leader_to_the_follow_up(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    _, html = _get(client, "/home", token, lang="en")
    assert "Follow up goals and journeys" in html


def test_landing_page_offers_no_follow_up_to_a_teacher(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("teacher")
    _, html = _get(client, "/home", token, lang="en")
    assert "Follow up goals and journeys" not in html


def test_follow_up_index_lists_the_rektors_unit(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    _, html = _get(client, "/follow-up/", token, lang="en")
    assert f"/follow-up/units/{ids['a']}?" in html and f"/follow-up/units/{ids['b']}?" not in html


def test_follow_up_cells_render_as_the_privacy_filter_does(app: Flask) -> None:
    policy = SuppressionPolicy(5)
    with app.test_request_context("/?lang=sv"):
        cells = [policy.count(3), policy.count(12), policy.share(6, 12)]
        kinds = ["number", "number", "percent"]
        assert [followup_cell(c, k) for c, k in zip(cells, kinds, strict=True)] == [
            render_cell(c, k) for c, k in zip(cells, kinds, strict=True)
        ]


def test_unit_view_speaks_swedish(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    _, html = _get(client, f"/follow-up/units/{ids['a']}", token, lang="sv")
    assert "Uppföljning: Skola A" in html and "Skolenhetens mål" in html
