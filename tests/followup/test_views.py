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


@pytest.fixture
def rektor_token(launches: Launches, ids: dict[str, int]) -> str:
    """A launch of the rektor of unit A, in the seeded two-unit organisation."""
    return launches.launch("rektor", roles=ADMINISTRATOR)


@pytest.fixture
def chef_token(launches: Launches, ids: dict[str, int]) -> str:
    """A launch of the organisation leader, in the seeded two-unit organisation."""
    return launches.launch("chef", roles=ORG_ADMIN)


def _get(client: FlaskClient, path: str, token: str, **query: object) -> tuple[int, str]:
    response = client.get(path, query_string={"lt": token, **query})
    return response.status_code, response.get_data(as_text=True)


def test_rektor_opens_their_units_view(
    client: FlaskClient, ids: dict[str, int], rektor_token: str
) -> None:
    status, html = _get(client, f"/follow-up/units/{ids['a']}", rektor_token, lang="en")
    assert status == 200
    assert "Skola A väljer resurser" in html


def test_rektor_of_one_unit_gets_403_on_another(
    client: FlaskClient, ids: dict[str, int], rektor_token: str
) -> None:
    assert _get(client, f"/follow-up/units/{ids['b']}", rektor_token)[0] == 403


def test_rektor_gets_403_on_the_organisation_view(client: FlaskClient, rektor_token: str) -> None:
    assert _get(client, "/follow-up/organisation", rektor_token)[0] == 403


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
    app: Flask, client: FlaskClient, chef_token: str
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        unit = Unit(organization_id=other.id, name="Skola X")
        session.add(unit)
        session.commit()
        unit_id = unit.id
    assert _get(client, f"/follow-up/units/{unit_id}", chef_token)[0] == 404


def test_organisation_leader_opens_the_organisation_view(
    client: FlaskClient, chef_token: str
) -> None:
    status, html = _get(client, "/follow-up/organisation", chef_token, lang="en")
    assert status == 200
    assert "Digitala resurser för alla" in html


def test_organisation_leader_opens_any_units_view(
    client: FlaskClient, ids: dict[str, int], chef_token: str
) -> None:
    assert _get(client, f"/follow-up/units/{ids['b']}", chef_token)[0] == 200


def test_unit_filter_shows_only_that_units_rows(
    client: FlaskClient, ids: dict[str, int], chef_token: str
) -> None:
    _, html = _get(client, "/follow-up/organisation", chef_token, unit=ids["b"], lang="en")
    assert '<th scope="row">Skola B</th>' in html
    assert '<th scope="row">Skola A</th>' not in html


def test_goal_filter_of_another_organisation_is_not_found(
    app: Flask, client: FlaskClient, ids: dict[str, int], chef_token: str
) -> None:
    assert _get(client, "/follow-up/organisation", chef_token, goal=ids["unit_goal"])[0] == 404


def test_round_filter_that_does_not_exist_is_not_found(
    client: FlaskClient, ids: dict[str, int], chef_token: str
) -> None:
    assert _get(client, "/follow-up/organisation", chef_token, round=ids["round"] + 1000)[0] == 404


def test_a_filter_that_is_not_a_number_is_a_400_saying_what_to_fix(
    client: FlaskClient, chef_token: str
) -> None:
    status, html = _get(client, "/follow-up/organisation", chef_token, unit="abc", lang="en")
    assert (status, "Choose the school unit from the list." in html) == (400, True)


def test_unit_view_names_the_rektors_staff_with_overdue_plan_goals(
    client: FlaskClient, ids: dict[str, int], rektor_token: str
) -> None:
    _, html = _get(client, f"/follow-up/units/{ids['a']}", rektor_token, lang="en")
    assert "Medarbetare 1</th><td>Pröva AI-stöd i klassrummet" in html


def test_landing_page_links_a_leader_to_the_follow_up(
    client: FlaskClient, rektor_token: str
) -> None:
    _, html = _get(client, "/home", rektor_token, lang="en")
    assert "Follow up goals and journeys" in html


def test_landing_page_offers_no_follow_up_to_a_teacher(
    client: FlaskClient, launches: Launches, ids: dict[str, int]
) -> None:
    token = launches.launch("teacher")
    _, html = _get(client, "/home", token, lang="en")
    assert "Follow up goals and journeys" not in html


def test_follow_up_index_lists_the_rektors_unit(
    client: FlaskClient, ids: dict[str, int], rektor_token: str
) -> None:
    _, html = _get(client, "/follow-up/", rektor_token, lang="en")
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
    client: FlaskClient, ids: dict[str, int], rektor_token: str
) -> None:
    _, html = _get(client, f"/follow-up/units/{ids['a']}", rektor_token, lang="sv")
    assert "Uppföljning: Skola A" in html and "Skolenhetens mål" in html


def test_both_views_show_the_ratings_section(
    client: FlaskClient, ids: dict[str, int], chef_token: str
) -> None:
    for path in ("/follow-up/organisation", f"/follow-up/units/{ids['a']}"):
        _, html = _get(client, path, chef_token, lang="en")
        assert 'aria-labelledby="ratings"' in html
        assert "shown apart, never averaged together" in html
