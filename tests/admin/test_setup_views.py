"""The administrator's setup page: role and tenant checks, the values shown, registration URLs."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.db import get_database
from lti_tool.lti import registrations
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher, session_token
from tests.support.platform import TestPlatform, running_platform

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
ADMIN = [LIS + "institution/person#Administrator"]
INSTRUCTOR = [LIS + "membership#Instructor"]


def admin_token(launcher: Launcher) -> str:
    return session_token(launcher.launch(roles=ADMIN))


def test_an_administrator_sees_the_values_moodle_and_canvas_ask_for(
    app: Flask, client: FlaskClient, launcher: Launcher
) -> None:
    page = client.get("/admin/setup", query_string={"lt": admin_token(launcher)})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    base = app.config["LTI_JOURNEYS_SETTINGS"].base_url
    for url in ("/lti/launch", "/lti/jwks", "/lti/login", "/lti/config/canvas.json"):
        assert base + url in text
    assert "Organisation A" in text or "org-a" in text


def test_the_landing_page_links_administrators_to_the_setup(
    client: FlaskClient, launcher: Launcher
) -> None:
    response = launcher.launch(roles=ADMIN)
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/admin/setup" in landing


def test_instructors_are_refused(client: FlaskClient, launcher: Launcher) -> None:
    token = session_token(launcher.launch(roles=INSTRUCTOR))
    assert client.get("/admin/setup", query_string={"lt": token}).status_code == 403
    refused = client.post("/admin/setup/registration-url", data={"lt": token})
    assert refused.status_code == 403


def test_without_a_session_the_page_is_refused(client: FlaskClient) -> None:
    assert client.get("/admin/setup").status_code == 401


def test_a_created_registration_url_registers_a_platform_for_the_admins_organisation(
    app: Flask, client: FlaskClient, launcher: Launcher
) -> None:
    created = client.post("/admin/setup/registration-url", data={"lt": admin_token(launcher)})
    assert created.status_code == 200
    match = re.search(r'id="registration-url"[^>]*value="([^"]+)"', created.get_data(as_text=True))
    assert match is not None
    with running_platform(client_id="from-setup-page") as platform:
        platform.issuer = platform.base_url
        done = client.get(
            urlsplit(unescape(match.group(1))).path,
            query_string={
                "openid_configuration": platform.base_url + "/.well-known/openid-configuration"
            },
        )
        assert done.status_code == 200, done.get_data(as_text=True)
    with get_database(app).session() as session:
        [registration] = [
            r for r in registrations.list_registrations(session) if r.client_id == "from-setup-page"
        ]
        assert registration.organization.slug == "org-a"


def test_only_the_admins_own_organisations_platforms_are_listed(
    app: Flask, client: FlaskClient, launcher: Launcher, platform: TestPlatform
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        registrations.add_registration(
            session,
            other,
            issuer="https://other-lms.example.test",
            client_id="other-client",
            auth_login_url="https://other-lms.example.test/auth",
            auth_token_url="https://other-lms.example.test/token",
            keyset_url="https://other-lms.example.test/jwks",
        )
    text = client.get("/admin/setup", query_string={"lt": admin_token(launcher)}).get_data(
        as_text=True
    )
    assert platform.client_id in text
    assert "other-client" not in text
