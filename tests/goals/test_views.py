"""Goal pages: who sees, who changes, and assigning journeys for a goal; 403 and 404 as due."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.goals import services
from lti_tool.goals.models import CompetenceGoal
from lti_tool.journeys.models import Assignment
from lti_tool.recording import get_recording
from tests.goals.conftest import (
    ORG_ADMIN,
    RECTOR,
    Launches,
    World,
    org_goal,
    statements,
    unit_goal,
)


def _goal(app: Flask, org_id: int, values: Any) -> int:
    with app.app_context(), get_database(app).session() as session:
        return services.create_goal(session, org_id, values, recording=get_recording(app)).id


def _get(client: FlaskClient, url: str, token: str) -> tuple[int, str]:
    response = client.get(url, query_string={"lt": token, "lang": "en"})
    return response.status_code, response.get_data(as_text=True)


def _post(client: FlaskClient, url: str, token: str, **data: Any) -> tuple[int, str]:
    response = client.post(url, query_string={"lang": "en"}, data={"lt": token, **data})
    return response.status_code, response.get_data(as_text=True)


def test_staff_see_organisation_goals_and_their_own_units(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    _goal(app, site.org_id, org_goal())
    _goal(app, site.org_id, unit_goal(site.north_id))
    _goal(app, site.org_id, unit_goal(site.south_id, title="Söders mål"))
    status, page = _get(client, "/goals", launches.launch("teacher"))
    assert status == 200
    assert "Digital kompetens för alla" in page and "Återkoppling i Norrskolan" in page
    assert "Söders mål" not in page


def test_staff_cannot_open_another_units_goal(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, unit_goal(site.south_id))
    status, _ = _get(client, f"/goals/{goal_id}", launches.launch("teacher"))
    assert status == 403


def test_staff_read_but_cannot_edit(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, unit_goal(site.north_id))
    token = launches.launch("teacher")
    assert _get(client, f"/goals/{goal_id}", token)[0] == 200
    assert _get(client, f"/goals/{goal_id}/edit", token)[0] == 403
    assert _post(client, f"/goals/{goal_id}", token, title="Nytt", unit=site.north_id)[0] == 403


def test_staff_cannot_create_goals(client: FlaskClient, launches: Launches, site: World) -> None:
    token = launches.launch("teacher")
    assert _get(client, "/goals/new", token)[0] == 403
    assert _post(client, "/goals", token, title="Mitt mål", unit=site.north_id)[0] == 403


def test_rektor_sets_a_goal_of_their_unit(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    token = launches.launch("rektor", roles=RECTOR)
    status, _ = _post(
        client,
        "/goals",
        token,
        title="Formativ återkoppling",
        unit=str(site.north_id),
        target_competence=str(site.feedback_id),
        target_level="2",
        target_share="75",
        ends_on="2027-06-30",
    )
    assert status == 303
    with get_database(app).session() as session:
        goal = session.scalars(select(CompetenceGoal)).one()
        assert (goal.unit_id, goal.target_share) == (site.north_id, 75)
        (statement,) = statements(session, "/create")
        assert statement["actor"]["account"]["name"] == "rektor"


def test_rektor_of_one_unit_cannot_edit_another_units_goal(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, unit_goal(site.south_id))
    launches.launch("rektor-b", unit="Söderskolan")  # Söderskolan gets a course
    token = launches.launch("rektor", roles=RECTOR)
    assert _get(client, f"/goals/{goal_id}/edit", token)[0] == 403
    status, _ = _post(client, f"/goals/{goal_id}", token, title="Nytt", unit=site.south_id)
    assert status == 403


def test_rektor_reads_but_cannot_edit_organisation_goals(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, org_goal())
    token = launches.launch("rektor", roles=RECTOR)
    status, page = _get(client, f"/goals/{goal_id}", token)
    assert status == 200 and "Edit the goal" not in page
    assert _get(client, f"/goals/{goal_id}/edit", token)[0] == 403


def test_another_organisations_goal_is_404(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.other_org_id, org_goal())
    token = launches.launch("admin", roles=ORG_ADMIN)
    assert _get(client, f"/goals/{goal_id}", token)[0] == 404
    assert _post(client, f"/goals/{goal_id}/delete", token)[0] == 404


def test_form_errors_name_the_field_and_keep_the_input(
    client: FlaskClient, launches: Launches, site: World
) -> None:
    token = launches.launch("admin", roles=ORG_ADMIN)
    status, page = _post(
        client,
        "/goals",
        token,
        title="Ett mål",
        unit="organization",
        starts_on="2027-01-01",
        ends_on="2026-01-01",
        target_share="500",
    )
    assert status == 400
    assert "The end date must be on or after the start date." in page
    assert (
        'id="goal-ends" name="ends_on" type="date" value="2026-01-01" aria-invalid="true"' in page
    )
    assert "Give a whole number from 1 to 100." in page


def test_organisation_leader_edits_and_deletes(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, org_goal())
    token = launches.launch("admin", roles=ORG_ADMIN)
    status, _ = _post(client, f"/goals/{goal_id}", token, title="Nytt namn", unit="organization")
    assert status == 303
    assert _post(client, f"/goals/{goal_id}/delete", token)[0] == 303
    with get_database(app).session() as session:
        assert session.get(CompetenceGoal, goal_id) is None
        assert [s["verb"]["display"]["en-US"] for s in statements(session, "e")][-2:] == [
            "updated",
            "deleted",
        ]


def test_goal_page_shows_target_in_words(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    values = org_goal(target_competence_id=site.feedback_id, target_level=2, target_share=80)
    goal_id = _goal(app, site.org_id, values)
    _, page = _get(client, f"/goals/{goal_id}", launches.launch("teacher"))
    assert "80 % of the staff at level L2 or above in 2 Återkoppla" in page


def test_leader_assigns_a_journey_for_a_goal(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, unit_goal(site.north_id))
    token = launches.launch("rektor", roles=RECTOR)
    status, _ = _post(
        client,
        f"/goals/{goal_id}/assignments",
        token,
        journey=str(site.journey_id),
        to=f"unit:{site.north_id}",
        due_on="2027-05-01",
    )
    assert status == 303
    with get_database(app).session() as session:
        assignment = session.scalars(select(Assignment)).one()
        assert (assignment.goal_id, assignment.unit_id) == (goal_id, site.north_id)
        (statement,) = statements(session, "/assign")
        assert statement["context"]["contextActivities"]["other"][0]["id"].endswith(
            session.get_one(CompetenceGoal, goal_id).key
        )


def test_duplicate_assignment_is_a_clear_409(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, unit_goal(site.north_id))
    token = launches.launch("rektor", roles=RECTOR)
    data = {"journey": str(site.journey_id), "to": f"unit:{site.north_id}"}
    _post(client, f"/goals/{goal_id}/assignments", token, **data)
    status, page = _post(client, f"/goals/{goal_id}/assignments", token, **data)
    assert status == 409
    assert "This journey is already assigned there." in page


def test_rektor_cannot_assign_to_another_unit(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, org_goal())
    token = launches.launch("rektor", roles=RECTOR)
    status, _ = _post(
        client,
        f"/goals/{goal_id}/assignments",
        token,
        journey=str(site.journey_id),
        to=f"unit:{site.south_id}",
    )
    assert status == 403


def test_landing_links_to_the_goals(client: FlaskClient, launches: Launches, site: World) -> None:
    _, page = _get(client, "/home", launches.launch("teacher"))
    assert "/goals?lt=" in page


def test_link_from_an_organisation_goal_opens_a_unit_goal_form_serving_it(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, org_goal())
    token = launches.launch("rektor", roles=RECTOR)
    _, page = _get(client, f"/goals/{goal_id}", token)
    link = re.search(r'href="(/goals/new\?[^"]*)"', page)
    assert link is not None
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
    assert (query["unit"], query["serves"]) == ([str(site.north_id)], [str(goal_id)])
    response = client.get(
        "/goals/new", query_string={"lt": token, "unit": site.north_id, "serves": goal_id}
    )
    form = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<option value="{goal_id}" selected>Digital kompetens för alla</option>' in form


def test_goal_without_a_target_says_no_survey_can_measure_it(
    app: Flask, client: FlaskClient, launches: Launches, site: World
) -> None:
    goal_id = _goal(app, site.org_id, org_goal())
    status, page = _get(client, f"/goals/{goal_id}", launches.launch("teacher"))
    assert status == 200
    assert '<h2 id="measurement">Measurement</h2>' in page
    assert "This goal names no competence and target level" in page
