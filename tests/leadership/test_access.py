"""``require_leader``: pages for leaders refuse everyone else with a clear 403."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.leadership.access import current_reach, require_leader
from tests.leadership.conftest import ADMINISTRATOR, Launches


@pytest.fixture
def leader_page(app: Flask) -> str:
    @require_leader
    def page() -> str:
        return f"units={sorted(current_reach().unit_ids)}"

    app.add_url_rule("/test-leader-page", "test_leader_page", page)
    return "/test-leader-page"


def test_leader_page_opens_for_a_unit_leader(
    client: FlaskClient, launches: Launches, leader_page: str
) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    response = client.get(leader_page, query_string={"lt": token})
    assert response.get_data(as_text=True) == f"units=[{launches.unit_id('Skola A')}]"


def test_leader_page_refuses_a_learner_with_403(
    client: FlaskClient, launches: Launches, leader_page: str
) -> None:
    token = launches.launch("teacher")
    response = client.get(
        leader_page, query_string={"lt": token}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 403
    assert response.json == {
        "error": "not_a_leader",
        "message": "This page is for leaders: organisation leaders, principals of a school unit "
        "and mentors. Ask your organisation's administrator if you should be one.",
    }


def test_leader_page_without_a_session_is_401(client: FlaskClient, leader_page: str) -> None:
    assert client.get(leader_page).status_code == 401
