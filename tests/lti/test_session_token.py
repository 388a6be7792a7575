"""Session tokens: verified on every page, bound to one course and role, enough without cookies."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.lti.errors import SessionTokenError
from lti_tool.lti.session_token import AUDIENCE, LaunchIdentity, SessionTokens
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.support.platform import LIS

SECRET = "test-secret-key-with-enough-length-0123456789"
INSTRUCTOR = [LIS + "membership#Instructor"]

IDENTITY = LaunchIdentity(
    person_id=7,
    organization_id=3,
    registration_id=2,
    context_id=11,
    resource_link_id=13,
    roles=("learner", "instructor"),
    launch_id="launch-1",
    locale="sv",
    journey_slug="resan",
)


def assert_refused(response: TestResponse, status: int, code: str, message: str) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, page
    assert f"<code>{code}</code>" in page, page
    assert message in page, page


def assert_json_refused(response: TestResponse, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == code
    assert body["message"]


def _cookieless(app: Flask) -> FlaskClient:
    return app.test_client(use_cookies=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _tokens(app: Flask, ttl_seconds: int = 3600) -> SessionTokens:
    settings = app.config["LTI_JOURNEYS_SETTINGS"]
    return SessionTokens(settings.effective_secret_key, settings.base_url, ttl_seconds)


def _me(app: Flask, token: str) -> dict[str, Any]:
    response = _cookieless(app).get("/api/me", headers=_bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


# --- the token itself ------------------------------------------------------------------------


def test_session_token_round_trip_keeps_the_identity() -> None:
    tokens = SessionTokens(SECRET, TOOL_URL, 600)
    verified = tokens.verify(tokens.issue(IDENTITY))
    assert verified == IDENTITY
    assert verified.expires_at > 0


def test_session_token_claims_are_audience_bound_and_short_lived() -> None:
    token = SessionTokens(SECRET, TOOL_URL, 600).issue(IDENTITY)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE
    assert claims["iss"] == TOOL_URL
    assert claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_session_token_expired_is_refused() -> None:
    token = SessionTokens(SECRET, TOOL_URL, -10).issue(IDENTITY)
    with pytest.raises(SessionTokenError) as refused:
        SessionTokens(SECRET, TOOL_URL, 600).verify(token)
    assert refused.value.code == "session_expired"
    assert refused.value.status == 401


def test_session_token_of_another_secret_is_refused() -> None:
    token = SessionTokens("another-secret-key-with-enough-length-987654", TOOL_URL, 600).issue(
        IDENTITY
    )
    with pytest.raises(SessionTokenError) as refused:
        SessionTokens(SECRET, TOOL_URL, 600).verify(token)
    assert refused.value.code == "session_invalid"


def test_session_token_of_another_tool_address_is_refused() -> None:
    token = SessionTokens(SECRET, "https://other.example.test", 600).issue(IDENTITY)
    with pytest.raises(SessionTokenError) as refused:
        SessionTokens(SECRET, TOOL_URL, 600).verify(token)
    assert refused.value.code == "session_invalid"


def test_session_token_signed_with_the_plain_secret_key_is_refused() -> None:
    # The token key is derived from the secret key, so other things the secret signs never pass.
    claims = {"iss": TOOL_URL, "aud": AUDIENCE, "iat": 1, "exp": 4_000_000_000, "sub": "7"}
    token = jwt.encode({**claims, "org": 3, "reg": 2}, SECRET, algorithm="HS256")
    with pytest.raises(SessionTokenError) as refused:
        SessionTokens(SECRET, TOOL_URL, 600).verify(token)
    assert refused.value.code == "session_invalid"


# --- pages and APIs --------------------------------------------------------------------------


def test_session_token_expired_on_a_page_is_a_401(launcher: Launcher, app: Flask) -> None:
    identity = _tokens(app).verify(session_token(launcher.launch()))
    expired = _tokens(app, ttl_seconds=-120).issue(identity)
    response = _cookieless(app).get(f"/home?lt={expired}&lang=en")
    assert_refused(response, 401, "session_expired", "Your session has expired.")


def test_session_token_expired_on_the_api_is_a_json_401(launcher: Launcher, app: Flask) -> None:
    identity = _tokens(app).verify(session_token(launcher.launch()))
    expired = _tokens(app, ttl_seconds=-120).issue(identity)
    response = _cookieless(app).get("/api/me", headers=_bearer(expired))
    assert_json_refused(response, 401, "session_expired")


def _tamper(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_session_token_tampered_roles_are_refused(launcher: Launcher, app: Flask) -> None:
    token = _tamper(session_token(launcher.launch()), roles=["learner", "instructor", "admin"])
    response = _cookieless(app).get(f"/home?lt={token}&lang=en")
    assert_refused(response, 401, "session_invalid", "Your session is not valid.")


def test_session_token_tampered_context_is_refused_on_the_api(
    launcher: Launcher, app: Flask
) -> None:
    token = session_token(launcher.launch(roles=INSTRUCTOR))
    context_id = _me(app, token)["context"]["id"]
    forged = _tamper(token, ctx=context_id + 1)
    response = _cookieless(app).get(
        f"/api/contexts/{context_id + 1}/people", headers=_bearer(forged)
    )
    assert_json_refused(response, 401, "session_invalid")


def test_session_token_missing_is_a_401(app: Flask) -> None:
    assert_refused(
        _cookieless(app).get("/home?lang=en"),
        401,
        "session_missing",
        "Open this page from your course",
    )
    assert_json_refused(_cookieless(app).get("/api/me"), 401, "session_missing")


def test_session_token_for_context_a_cannot_open_context_b(launcher: Launcher, app: Flask) -> None:
    token_a = session_token(launcher.launch(roles=INSTRUCTOR))
    other_course = {"id": "course-2", "title": "Annan kurs"}
    token_b = session_token(launcher.launch(roles=INSTRUCTOR, context=other_course))
    context_a = _me(app, token_a)["context"]["id"]
    context_b = _me(app, token_b)["context"]["id"]
    assert context_a != context_b
    response = _cookieless(app).get(f"/api/contexts/{context_b}/people", headers=_bearer(token_a))
    assert_json_refused(response, 403, "wrong_context")
    assert response.get_json()["message"] == "Your session belongs to another course."


def test_session_token_of_learner_cannot_list_people(launcher: Launcher, app: Flask) -> None:
    token = session_token(launcher.launch())
    context_id = _me(app, token)["context"]["id"]
    response = _cookieless(app).get(f"/api/contexts/{context_id}/people", headers=_bearer(token))
    assert_json_refused(response, 403, "forbidden_role")


def test_session_token_of_learner_sub_role_instructor_cannot_list_people(
    launcher: Launcher, app: Flask
) -> None:
    token = session_token(launcher.launch(roles=[LIS + "membership/Learner#Instructor"]))
    context_id = _me(app, token)["context"]["id"]
    response = _cookieless(app).get(f"/api/contexts/{context_id}/people", headers=_bearer(token))
    assert_json_refused(response, 403, "forbidden_role")


def test_session_token_of_instructor_lists_people_of_the_course(
    launcher: Launcher, app: Flask
) -> None:
    launcher.launch(name="Elev Ett")
    token = session_token(launcher.launch(roles=INSTRUCTOR, name="Lärare Ett"))
    context_id = _me(app, token)["context"]["id"]
    response = _cookieless(app).get(f"/api/contexts/{context_id}/people", headers=_bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["context_id"] == context_id
    assert sorted(p["name"] for p in body["people"]) == ["Elev Ett", "Lärare Ett"]


# --- without cookies -------------------------------------------------------------------------


def test_session_token_alone_opens_the_landing_page(launcher: Launcher, app: Flask) -> None:
    token = session_token(launcher.launch(name="Maja Lärare"))
    response = _cookieless(app).get(f"/home?lt={token}&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Maja Lärare" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_session_token_alone_opens_the_api_as_bearer(launcher: Launcher, app: Flask) -> None:
    token = session_token(launcher.launch(name="Maja Lärare"))
    me = _me(app, token)
    assert me["person"]["name"] == "Maja Lärare"
    assert me["context"]["title"] == "Digital kompetens"
    assert me["roles"] == ["learner"]


def test_session_token_travels_in_page_links(launcher: Launcher, app: Flask) -> None:
    token = session_token(launcher.launch())
    browser = _cookieless(app)
    page = html.unescape(browser.get(f"/home?lt={token}&lang=en").get_data(as_text=True))
    match = re.search(r'href="(/home\?[^"]*lt=[^"]+)"', page)
    assert match, page
    link = match.group(1)
    linked_token = parse_qs(urlsplit(link).query)["lt"][0]
    assert _tokens(app).verify(linked_token).locale == "en"
    followed = browser.get(link)
    assert followed.status_code == 200
    assert '<html lang="sv">' in followed.get_data(as_text=True)


def test_session_token_launch_cookie_is_http_only(launcher: Launcher) -> None:
    response = launcher.launch()
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"ltij_session={session_token(response)};")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie  # the test tool runs on http://, so no SameSite=None
