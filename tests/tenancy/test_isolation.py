"""Two organisations on one Canvas-like issuer (one client id each) never see each other's data."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.models import Context, Person
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher, session_token
from tests.support.platform import LIS, TestPlatform

INSTRUCTOR = [LIS + "membership#Instructor"]
SHARED_SUB = "canvas-user-42"


@dataclass
class Tenant:
    registration: Registration
    launcher: Launcher

    @property
    def client_id(self) -> str:
        return self.registration.client_id

    def launch(self, **claims: Any) -> TestResponse:
        """Login with this tenant's client id, then an id_token addressed to it."""
        login = self.launcher.login(client_id=self.client_id)
        platform = self.launcher.platform
        token = platform.sign(platform.claims(login.nonce, aud=self.client_id, **claims))
        return self.launcher.post(token, login.state)

    def token(self, **claims: Any) -> str:
        return session_token(self.launch(**claims))


def _tenant(app: Flask, platform: TestPlatform, slug: str, client_id: str) -> Tenant:
    with get_database(app).session() as session:
        org = add_organization(session, slug, f"Organisation {slug}")
        registration = add_registration(
            session,
            org,
            issuer=platform.issuer,
            client_id=client_id,
            auth_login_url="https://lms.example.test/auth",
            auth_token_url="https://lms.example.test/token",
            keyset_url=platform.jwks_url,
            deployment_ids=(platform.deployment_id,),
        )
    # Each organisation's people use their own browser.
    return Tenant(registration, Launcher(app.test_client(), platform))


@pytest.fixture
def org_a(app: Flask, platform: TestPlatform) -> Tenant:
    return _tenant(app, platform, "org-a", "client-a")


@pytest.fixture
def org_b(app: Flask, platform: TestPlatform) -> Tenant:
    return _tenant(app, platform, "org-b", "client-b")


def _get(app: Flask, path: str, token: str) -> TestResponse:
    return app.test_client(use_cookies=False).get(
        path, headers={"Authorization": f"Bearer {token}"}
    )


def _me(app: Flask, token: str) -> dict[str, Any]:
    response = _get(app, "/api/me", token)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def test_isolation_same_sub_in_two_registrations_is_two_people(
    app: Flask, org_a: Tenant, org_b: Tenant
) -> None:
    me_a = _me(app, org_a.token(sub=SHARED_SUB, name="Anna i A"))
    me_b = _me(app, org_b.token(sub=SHARED_SUB, name="Anna i B"))
    assert me_a["person"]["id"] != me_b["person"]["id"]
    assert me_a["organization_id"] != me_b["organization_id"]
    with get_database(app).session() as session:
        people = session.scalars(select(Person).where(Person.sub == SHARED_SUB)).all()
        assert sorted((p.registration_id, p.name) for p in people) == sorted(
            [(org_a.registration.id, "Anna i A"), (org_b.registration.id, "Anna i B")]
        )


def test_isolation_me_of_org_a_shows_only_org_a(app: Flask, org_a: Tenant, org_b: Tenant) -> None:
    token_a = org_a.token(sub=SHARED_SUB, name="Anna i A")
    org_b.token(sub=SHARED_SUB, name="Anna i B", context={"id": "course-1", "title": "Kurs B"})
    me = _me(app, token_a)
    assert me["person"]["name"] == "Anna i A"
    assert me["organization_id"] == org_a.registration.organization_id
    assert me["context"]["title"] == "Digital kompetens"


def test_isolation_same_context_id_is_two_contexts(
    app: Flask, org_a: Tenant, org_b: Tenant
) -> None:
    context_a = _me(app, org_a.token())["context"]["id"]
    context_b = _me(app, org_b.token())["context"]["id"]
    assert context_a != context_b
    with get_database(app).session() as session:
        contexts = session.scalars(select(Context).where(Context.context_id == "course-1")).all()
        assert {c.organization_id for c in contexts} == {
            org_a.registration.organization_id,
            org_b.registration.organization_id,
        }


def test_isolation_people_api_lists_only_own_organisation(
    app: Flask, org_a: Tenant, org_b: Tenant
) -> None:
    org_a.launch(name="Elev i A")
    org_b.launch(name="Elev i B")
    org_b.launch(name="Lärare i B", roles=INSTRUCTOR)
    token = org_a.token(name="Lärare i A", roles=INSTRUCTOR)
    context_id = _me(app, token)["context"]["id"]
    response = _get(app, f"/api/contexts/{context_id}/people", token)
    assert response.status_code == 200, response.get_data(as_text=True)
    names = sorted(p["name"] for p in response.get_json()["people"])
    assert names == ["Elev i A", "Lärare i A"]


def test_isolation_landing_page_lists_only_own_organisation(
    app: Flask, org_a: Tenant, org_b: Tenant
) -> None:
    org_b.launch(name="Elev i B")
    token = org_a.token(name="Lärare i A", roles=INSTRUCTOR)
    response = app.test_client(use_cookies=False).get(f"/home?lt={token}&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lärare i A" in page
    assert "Elev i B" not in page


def test_isolation_token_of_org_a_cannot_open_context_of_org_b(
    app: Flask, org_a: Tenant, org_b: Tenant
) -> None:
    token_a = org_a.token(roles=INSTRUCTOR)
    context_b = _me(app, org_b.token(roles=INSTRUCTOR))["context"]["id"]
    response = _get(app, f"/api/contexts/{context_b}/people", token_a)
    assert response.status_code == 403
    assert response.get_json()["error"] == "wrong_context"


def test_isolation_login_without_client_id_on_shared_issuer_is_refused(
    app: Flask, platform: TestPlatform, org_a: Tenant, org_b: Tenant
) -> None:
    response = app.test_client().post(
        "/lti/login", data={"iss": platform.issuer, "login_hint": "hint-1"}
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 403
    assert "<code>unknown_registration</code>" in page
    assert "use the registration's own login URL" in page


def test_isolation_registration_login_url_picks_its_own_client_id(
    app: Flask, platform: TestPlatform, org_a: Tenant, org_b: Tenant
) -> None:
    response = app.test_client().post(
        f"/lti/login/{org_b.registration.id}", data={"iss": platform.issuer, "login_hint": "h"}
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["client_id"] == ["client-b"]


def test_isolation_registration_login_url_refuses_other_client_id(
    app: Flask, platform: TestPlatform, org_a: Tenant, org_b: Tenant
) -> None:
    response = app.test_client().post(
        f"/lti/login/{org_b.registration.id}",
        data={"iss": platform.issuer, "login_hint": "h", "client_id": "client-a"},
    )
    assert response.status_code == 403
    assert "<code>unknown_registration</code>" in response.get_data(as_text=True)


def test_isolation_login_of_org_a_cannot_carry_a_launch_for_org_b(
    platform: TestPlatform, org_a: Tenant, org_b: Tenant
) -> None:
    login = org_a.launcher.login(client_id=org_a.client_id)
    token = platform.sign(platform.claims(login.nonce, aud=org_b.client_id))
    response = org_a.launcher.post(token, login.state)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "<code>state_mismatch</code>" in page
    assert "The launch's state does not belong to this id_token." in page
