"""The demo LMS: seeding, and a complete launch through its real OIDC flow."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from config.settings import Settings
from lti_tool.app import create_app
from tests.conftest import make_settings


def _form(response: TestResponse) -> tuple[str, dict[str, str]]:
    text = response.get_data(as_text=True)
    action = re.search(r'action="([^"]+)"', text)
    assert action, text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', text))
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields.items()}


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def demo_launch(client: FlaskClient, course: str, person: str) -> TestResponse:
    """A demo launch without Platform Storage: the login redirects at once."""
    action, fields = _form(client.get(f"/demo/start/{course}/{person}?storage=0"))
    assert "lti_storage_target" not in fields
    login = client.post(_path(action), data=fields)
    assert login.status_code == 302, login.get_data(as_text=True)
    action, fields = _form(client.get(_path(login.headers["Location"])))
    launch = client.post(_path(action), data=fields)
    assert launch.status_code == 303, launch.get_data(as_text=True)
    return client.get(_path(launch.headers["Location"]))


def test_the_demo_offers_platform_storage_to_the_tool(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    runner.invoke(args=["demo", "seed"])
    action, fields = _form(client.get("/demo/start/norrstad-digital/learner"))
    assert fields["lti_storage_target"] == "_parent"
    login = client.post(_path(action), data=fields)
    assert login.status_code == 200
    page = login.get_data(as_text=True)
    assert 'data-mode="login"' in page
    next_url = html.unescape(re.search(r'data-next="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    action, fields = _form(client.get(_path(next_url)))
    # This client keeps the login cookie, so the launch is finished at once.
    assert client.post(_path(action), data=fields).status_code == 303
    course_page = client.get("/demo/course/norrstad-digital/learner").get_data(as_text=True)
    assert "demo-platform-storage.js" in course_page
    assert "demo-platform-storage.js" not in client.get(
        "/demo/course/norrstad-digital/learner?storage=0"
    ).get_data(as_text=True)


def test_demo_seed_is_idempotent(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Created organisation demo-norrstad." in first.output
    second = runner.invoke(args=["demo", "seed"])
    assert "Demo was already seeded." in second.output


def test_demo_index_lists_courses_of_two_organisations(client: FlaskClient) -> None:
    page = client.get("/demo/").get_data(as_text=True)
    assert "Norrstads kommun (demo)" in page
    assert "Söderviks skolor (demo)" in page


def test_demo_launch_as_instructor_reaches_landing(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    runner.invoke(args=["demo", "seed"])
    page = demo_launch(client, "norrstad-digital", "instructor").get_data(as_text=True)
    assert "Erik Berg" in page
    assert "Digital kompetens för lärare" in page
    assert "Norrskolan" in page


def test_demo_launches_of_two_organisations_stay_apart(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    runner.invoke(args=["demo", "seed"])
    demo_launch(client, "sodervik-ledarskap", "learner")
    page = demo_launch(client, "norrstad-digital", "instructor").get_data(as_text=True)
    assert "Alva Lind" not in page


def test_demo_auth_refuses_foreign_redirect_uri(client: FlaskClient) -> None:
    response = client.get(
        "/demo/auth",
        query_string={
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "nonce": "n",
            "state": "s",
            "redirect_uri": "https://evil.example/steal",
            "login_hint": "learner:norrstad-digital",
            "client_id": "demo-norrstad-client",
        },
    )
    assert response.status_code == 400
    assert "redirect_uri is not the tool&#39;s registered launch URL" in response.get_data(
        as_text=True
    )


def test_demo_is_disabled_in_production(settings: Settings) -> None:
    production = make_settings(
        settings.database_url, env="production", base_url="https://tool.example.se"
    )
    app: Flask = create_app(production)
    assert app.test_client().get("/demo/").status_code == 404


def test_course_page_refuses_a_link_number_in_other_digits(client: FlaskClient) -> None:
    assert client.get("/demo/course/norrstad-digital/learner?mode=²").status_code == 404
