"""Refused launches and logins, each with a 4xx naming the problem; and the valid edge cases."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import time
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jwt import api_jws
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool.db import get_database
from lti_tool.lti import launches
from lti_tool.lti.adapter import RegistrationInfo
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.models import Deployment, DeploymentStatus, LaunchState, Registration
from lti_tool.tenancy.models import Membership, Person
from tests.conftest import TOOL_URL, Launcher, session_token
from tests.support.platform import LIS, PlatformKey, TestPlatform


def assert_refused(response: TestResponse, status: int, code: str, message: str) -> None:
    """The refusal page has the status, shows the error code and names the problem."""
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == status, page
    assert f"<code>{code}</code>" in page, page
    assert message in page, page


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def _me(app: Flask, token: str) -> dict[str, Any]:
    response = app.test_client(use_cookies=False).get(
        "/api/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def _person(app: Flask, person_id: int) -> Person:
    with get_database(app).session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person


# --- signature and algorithm -----------------------------------------------------------------


def test_launch_signed_by_other_key_with_same_kid_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    impostor = PlatformKey(kid=platform.signing_key.kid)
    login = launcher.login()
    token = platform.sign(platform.claims(login.nonce), key=impostor)
    response = launcher.post(token, login.state)
    assert_refused(response, 400, "bad_signature", "The id_token's signature is not valid.")


def test_launch_alg_none_is_refused(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login()
    header = {"alg": "none", "typ": "JWT", "kid": platform.signing_key.kid}
    token = _unsigned(header, platform.claims(login.nonce)) + "."
    response = launcher.post(token, login.state)
    assert_refused(response, 400, "bad_algorithm", "signed with 'none'")


def test_launch_hs256_with_public_key_as_secret_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    public_pem = platform.signing_key.private.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    login = launcher.login()
    header = {"alg": "HS256", "typ": "JWT", "kid": platform.signing_key.kid}
    signing_input = _unsigned(header, platform.claims(login.nonce))
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    response = launcher.post(signing_input + "." + _b64(signature), login.state)
    assert_refused(response, 400, "bad_algorithm", "signed with 'HS256'")


def test_launch_unreadable_id_token_is_refused(launcher: Launcher) -> None:
    login = launcher.login()
    response = launcher.post("not-a-jwt", login.state)
    assert_refused(response, 400, "invalid_token", "The id_token is not a readable JWT.")


def test_launch_without_id_token_is_refused(launcher: Launcher) -> None:
    login = launcher.login()
    response = launcher.post(None, login.state)
    assert_refused(response, 400, "missing_id_token", "The launch carries no id_token.")


def test_launch_without_kid_is_refused(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login()
    token = jwt.encode(platform.claims(login.nonce), platform.signing_key.private, "RS256")
    response = launcher.post(token, login.state)
    assert_refused(response, 400, "invalid_token", "names no key (kid)")


def _raw_token(platform: TestPlatform, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token signed by the platform's key without PyJWT's checks on header and claim types."""
    return api_jws.encode(
        json.dumps(claims).encode(), platform.signing_key.private, "RS256", headers=header
    )


@pytest.mark.parametrize(
    ("header", "code", "message"),
    [
        ({"alg": ["RS256"]}, "bad_algorithm", "signed with ['RS256']"),
        ({"kid": ["kid-1"]}, "invalid_token", "names no key (kid)"),
    ],
    ids=["alg-list", "kid-list"],
)
def test_launch_header_of_wrong_type_is_refused(
    launcher: Launcher, platform: TestPlatform, header: dict[str, Any], code: str, message: str
) -> None:
    login = launcher.login()
    header = {"alg": "RS256", "kid": platform.signing_key.kid, **header}
    unsigned = _unsigned(header, platform.claims(login.nonce))
    response = launcher.post(unsigned + "." + _b64(b"signature"), login.state)
    assert_refused(response, 400, code, message)


@pytest.mark.parametrize("issuer", [5, ["https://lms.example.test"], {"iss": "x"}])
def test_launch_issuer_that_is_not_a_string_is_refused(
    launcher: Launcher, platform: TestPlatform, issuer: object
) -> None:
    login = launcher.login()
    claims = {**platform.claims(login.nonce), "iss": issuer}
    token = _raw_token(platform, {"kid": platform.signing_key.kid}, claims)
    response = launcher.post(token, login.state)
    assert_refused(response, 400, "invalid_token", "The id_token's 'iss' claim is not a string.")


@pytest.mark.parametrize("value", ["link-1", ["link-1"]], ids=["string", "list"])
def test_launch_resource_link_that_is_not_an_object_is_refused(
    launcher: Launcher, value: object
) -> None:
    response = launcher.launch(resource_link=value)
    assert_refused(response, 400, "invalid_message", "resource_link claim is not an object")


# --- time ------------------------------------------------------------------------------------


def test_launch_expired_token_is_refused(launcher: Launcher) -> None:
    now = int(time.time())
    response = launcher.launch(iat=now - 600, exp=now - 120)
    assert_refused(response, 400, "expired", "The id_token has expired.")


def test_launch_iat_beyond_leeway_in_future_is_refused(launcher: Launcher) -> None:
    now = int(time.time())
    response = launcher.launch(iat=now + 300, exp=now + 600)
    assert_refused(response, 400, "not_yet_valid", "issued in the future (beyond 60 s")


def test_launch_iat_within_leeway_in_future_is_accepted(launcher: Launcher) -> None:
    now = int(time.time())
    response = launcher.launch(iat=now + 30, exp=now + 330)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("/home?lt=")


# --- issuer, audience, registration ----------------------------------------------------------


def test_launch_wrong_audience_is_refused(launcher: Launcher) -> None:
    response = launcher.launch(aud="https://another-tool.example.test")
    assert_refused(
        response, 403, "unknown_registration", "client id 'https://another-tool.example.test'"
    )


def test_launch_several_audiences_without_azp_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    response = launcher.launch(aud=[platform.client_id, "another-tool"])
    assert_refused(response, 400, "wrong_audience", "several audiences and no matching 'azp'")


def test_launch_azp_not_among_audiences_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    response = launcher.launch(aud=[platform.client_id, "another-tool"], azp="third-tool")
    assert_refused(response, 400, "wrong_audience", "several audiences and no matching 'azp'")


def test_launch_several_audiences_with_our_azp_is_accepted(
    launcher: Launcher, platform: TestPlatform
) -> None:
    response = launcher.launch(aud=[platform.client_id, "another-tool"], azp=platform.client_id)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_launch_wrong_issuer_is_refused(launcher: Launcher) -> None:
    response = launcher.launch(iss="https://evil.example.test")
    assert_refused(response, 403, "unknown_registration", "issuer 'https://evil.example.test'")


def test_launch_unknown_client_id_is_refused(launcher: Launcher) -> None:
    response = launcher.launch(aud="client-unknown")
    assert_refused(response, 403, "unknown_registration", "client id 'client-unknown'")


# --- deployments -----------------------------------------------------------------------------


def _deployment(app: Flask, registration: Registration, deployment_id: str) -> Deployment | None:
    with get_database(app).session() as session:
        return session.scalars(
            select(Deployment).where(
                Deployment.registration_id == registration.id,
                Deployment.deployment_id == deployment_id,
            )
        ).first()


def test_launch_unknown_deployment_is_recorded_pending_and_refused(
    launcher: Launcher, app: Flask, registration: Registration
) -> None:
    response = launcher.launch(deployment_id="deployment-new")
    assert_refused(
        response, 403, "deployment_pending", "An administrator of the tool must approve it"
    )
    assert "--deployment-id deployment-new" in response.get_data(as_text=True)
    deployment = _deployment(app, registration, "deployment-new")
    assert deployment is not None
    assert deployment.status == DeploymentStatus.PENDING


def test_launch_unknown_deployment_succeeds_after_cli_approval(
    launcher: Launcher, app: Flask, runner: FlaskCliRunner, registration: Registration
) -> None:
    assert launcher.launch(deployment_id="deployment-new").status_code == 403
    result = runner.invoke(
        args=[
            "deployment", "approve", "--registration", str(registration.id),
            "--deployment-id", "deployment-new",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Approved deployment 'deployment-new'" in result.output
    response = launcher.launch(deployment_id="deployment-new")
    assert response.status_code == 303, response.get_data(as_text=True)
    deployment = _deployment(app, registration, "deployment-new")
    assert deployment is not None
    assert deployment.status == DeploymentStatus.ACTIVE


def test_launch_unknown_deployment_is_activated_with_auto_approve(
    launcher: Launcher, app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        row = session.get(Registration, registration.id)
        assert row is not None
        row.auto_approve_deployments = True
        session.commit()
    response = launcher.launch(deployment_id="deployment-auto")
    assert response.status_code == 303, response.get_data(as_text=True)
    deployment = _deployment(app, registration, "deployment-auto")
    assert deployment is not None
    assert deployment.status == DeploymentStatus.ACTIVE
    assert deployment.approved_at is not None


def test_launch_pending_deployment_stays_refused(
    launcher: Launcher, app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        session.add(
            Deployment(
                registration_id=registration.id,
                deployment_id="deployment-waiting",
                status=DeploymentStatus.PENDING,
            )
        )
        session.commit()
    for _ in range(2):
        response = launcher.launch(deployment_id="deployment-waiting")
        assert_refused(
            response, 403, "deployment_pending", "Deployment 'deployment-waiting' of this platform"
        )
    deployment = _deployment(app, registration, "deployment-waiting")
    assert deployment is not None
    assert deployment.status == DeploymentStatus.PENDING


# --- state and nonce -------------------------------------------------------------------------


def test_launch_replayed_id_token_and_state_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    login = launcher.login()
    token = platform.sign(platform.claims(login.nonce))
    assert launcher.post(token, login.state).status_code == 303
    response = launcher.post(token, login.state)
    assert_refused(response, 400, "unknown_state", "unknown, expired or already used")


def test_launch_replayed_id_token_with_fresh_state_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    login = launcher.login()
    token = platform.sign(platform.claims(login.nonce))
    assert launcher.post(token, login.state).status_code == 303
    fresh = launcher.login()
    response = launcher.post(token, fresh.state)
    assert_refused(
        response, 400, "state_mismatch", "The launch's state does not belong to this id_token."
    )


def test_launch_nonce_of_another_login_is_refused(
    launcher: Launcher, platform: TestPlatform
) -> None:
    first = launcher.login()
    second = launcher.login()
    token = platform.sign(platform.claims(first.nonce))
    response = launcher.post(token, second.state)
    assert_refused(
        response, 400, "state_mismatch", "The launch's state does not belong to this id_token."
    )


def test_launch_without_state_is_refused(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login()
    response = launcher.post(platform.sign(platform.claims(login.nonce)), None)
    assert_refused(response, 400, "missing_state", "The launch carries no state parameter.")


def test_launch_unknown_state_is_refused(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login()
    response = launcher.post(platform.sign(platform.claims(login.nonce)), "made-up-state")
    assert_refused(response, 400, "unknown_state", "unknown, expired or already used")


# --- required claims -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"version": None}, "missing_claim", "no LTI version claim"),
        ({"version": "1.1.0"}, "invalid_message", "Incorrect version, expected 1.3.0"),
        ({"message_type": None}, "missing_claim", "no message_type claim"),
        ({"deployment_id": None}, "missing_claim", "no deployment_id claim"),
        ({"resource_link": {"title": "Resan"}}, "invalid_message", "Missing Resource Link Id"),
        ({"roles": None}, "invalid_message", "Missing Roles Claim"),
        ({"sub": None}, "invalid_message", "Must have a user (sub)"),
        ({"exp": None}, "missing_claim", "no 'exp' claim"),
    ],
    ids=[
        "version", "wrong-version", "message_type", "deployment_id", "resource_link.id",
        "roles", "sub", "exp",
    ],
)  # fmt: skip
def test_launch_missing_required_claim_is_refused(
    launcher: Launcher, overrides: dict[str, Any], code: str, message: str
) -> None:
    response = launcher.launch(**overrides)
    assert_refused(response, 400, code, message)


def test_launch_without_nonce_is_refused(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login()
    claims = platform.claims(login.nonce)
    del claims["nonce"]
    response = launcher.post(platform.sign(claims), login.state)
    assert_refused(response, 400, "missing_claim", "no 'nonce' claim")


def test_launch_unknown_message_type_is_refused(launcher: Launcher) -> None:
    response = launcher.launch(message_type="LtiSomethingElse")
    assert_refused(response, 400, "invalid_message", "Unrecognized message type")


# --- valid launches --------------------------------------------------------------------------


def test_launch_without_name_or_email_is_accepted(launcher: Launcher, app: Flask) -> None:
    response = launcher.launch(name=None, email=None)
    me = _me(app, session_token(response))
    assert me["person"]["name"] is None
    person = _person(app, me["person"]["id"])
    assert (person.name, person.email, person.given_name) == (None, None, None)
    page = app.test_client(use_cookies=False).get(f"/home?lt={session_token(response)}&lang=en")
    assert page.status_code == 200
    assert "did not share your name" in page.get_data(as_text=True)


def test_launch_with_only_email_is_accepted(launcher: Launcher, app: Flask) -> None:
    response = launcher.launch(name=None, email="only@example.test")
    me = _me(app, session_token(response))
    person = _person(app, me["person"]["id"])
    assert person.name is None
    assert person.email == "only@example.test"
    assert me["person"]["name"] == "only@example.test"


def test_launch_with_many_roles_maps_and_keeps_them(launcher: Launcher, app: Flask) -> None:
    roles = [
        LIS + "membership/Instructor#TeachingAssistant",
        LIS + "membership#Learner",
        LIS + "institution/person#Administrator",
        LIS + "institution/person#Student",
        LIS + "system/person#User",
        "ContentDeveloper",
        "http://example.test/custom-role",
    ]
    response = launcher.launch(roles=roles)
    me = _me(app, session_token(response))
    assert me["roles"] == ["learner", "instructor", "content_developer", "admin"]
    with get_database(app).session() as session:
        membership = session.scalars(
            select(Membership).where(Membership.person_id == me["person"]["id"])
        ).one()
        assert membership.lti_roles == roles
        assert membership.tool_roles == me["roles"]


def test_launch_with_empty_roles_is_a_learner(launcher: Launcher, app: Flask) -> None:
    me = _me(app, session_token(launcher.launch(roles=[])))
    assert me["roles"] == ["learner"]


# --- login initiation ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_login_answers_get_redirect_with_oidc_params(
    launcher: Launcher, platform: TestPlatform, method: str
) -> None:
    data = {
        "iss": platform.issuer,
        "login_hint": "hint-1",
        "lti_message_hint": "message-hint-1",
        "target_link_uri": TOOL_URL + "/lti/launch",
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }
    client = launcher.client
    if method == "POST":
        response = client.post("/lti/login", data=data)
    else:
        response = client.get("/lti/login", query_string=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "lms.example.test",
        "/auth",
    )
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert {k: query[k] for k in query if k not in ("state", "nonce")} == {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": TOOL_URL + "/lti/launch",
        "login_hint": "hint-1",
        "lti_message_hint": "message-hint-1",
    }
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    assert response.headers["Cache-Control"] == "no-store"


def test_login_get_then_launch_succeeds(launcher: Launcher, platform: TestPlatform) -> None:
    login = launcher.login(method="GET")
    response = launcher.post(platform.sign(platform.claims(login.nonce)), login.state)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_login_gives_fresh_state_and_nonce_each_time(launcher: Launcher) -> None:
    first, second = launcher.login(), launcher.login()
    assert first.state != second.state
    assert first.nonce != second.nonce


def test_login_unknown_issuer_is_refused(client: FlaskClient, registration: Registration) -> None:
    response = client.post(
        "/lti/login",
        data={"iss": "https://unknown.example.test", "login_hint": "h", "client_id": "client-1"},
    )
    assert_refused(response, 403, "unknown_registration", "issuer 'https://unknown.example.test'")


def test_login_unknown_client_id_is_refused(
    client: FlaskClient, platform: TestPlatform, registration: Registration
) -> None:
    response = client.post(
        "/lti/login", data={"iss": platform.issuer, "login_hint": "h", "client_id": "client-x"}
    )
    assert_refused(response, 403, "unknown_registration", "client id 'client-x'")


def test_login_without_issuer_is_refused(client: FlaskClient, registration: Registration) -> None:
    response = client.post("/lti/login", data={"login_hint": "h", "client_id": "client-1"})
    assert_refused(response, 400, "missing_issuer", "has no 'iss' parameter")


def test_login_without_login_hint_is_refused(
    client: FlaskClient, platform: TestPlatform, registration: Registration
) -> None:
    response = client.post(
        "/lti/login", data={"iss": platform.issuer, "client_id": platform.client_id}
    )
    assert_refused(response, 400, "missing_login_hint", "has no 'login_hint' parameter")


def test_login_target_link_uri_on_another_host_is_refused(
    client: FlaskClient, platform: TestPlatform, registration: Registration
) -> None:
    response = client.post(
        "/lti/login",
        data={
            "iss": platform.issuer,
            "login_hint": "h",
            "client_id": platform.client_id,
            "target_link_uri": "https://evil.example.test/lti/launch",
        },
    )
    assert_refused(response, 400, "bad_target", "is not an address of this tool")


def test_login_bound_to_registration_with_other_issuer_is_refused(
    client: FlaskClient, registration: Registration
) -> None:
    response = client.post(
        f"/lti/login/{registration.id}",
        data={"iss": "https://unknown.example.test", "login_hint": "h"},
    )
    assert_refused(response, 403, "unknown_registration", "issuer 'https://unknown.example.test'")


# --- JSON errors -----------------------------------------------------------------------------


def test_launch_error_is_json_when_asked(launcher: Launcher) -> None:
    response = launcher.client.post(
        "/lti/launch", data={"state": "s"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.is_json
    assert response.get_json() == {
        "error": "missing_id_token",
        "message": "The launch carries no id_token.",
    }


def test_login_error_is_json_when_asked(client: FlaskClient, registration: Registration) -> None:
    response = client.post(
        "/lti/login",
        data={"iss": "https://unknown.example.test", "login_hint": "h", "client_id": "c"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "unknown_registration"
    assert "https://unknown.example.test" in body["message"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": "user\x00"},
        {"name": "Maja\x00"},
        {"context": {"id": "course\x00", "title": "Digital kompetens"}},
        {"resource_link": {"id": "link-1", "title": "Resan\x1b[31m"}},
        {"custom": {"journey": "digital\x00kompetens"}},
        {"roles": [LIS + "membership#Learner\x00"]},
        {"deployment_id": "dep\x00"},
    ],
    ids=["sub", "name", "context id", "resource link title", "custom", "roles", "deployment"],
)
def test_launch_with_a_control_character_in_a_claim_is_refused(
    launcher: Launcher, overrides: dict[str, Any]
) -> None:
    response = launcher.launch(**overrides)
    assert_refused(response, 400, "invalid_message", "control character")


@pytest.mark.parametrize(
    ("overrides", "claim"),
    [
        ({"deployment_id": "d" * 256}, "deployment_id"),
        ({"sub": "u" * 256}, "sub"),
        ({"context": {"id": "c" * 256, "title": "Kurs"}}, "context.id"),
        ({"resource_link": {"id": "l" * 256}}, "resource_link.id"),
        ({"email": "m" * 310 + "@example.test"}, "email"),
    ],
    ids=["deployment", "sub", "context id", "resource link id", "email"],
)
def test_launch_with_an_identifier_too_long_to_store_is_refused(
    launcher: Launcher, overrides: dict[str, Any], claim: str
) -> None:
    for _ in range(2):
        response = launcher.launch(**overrides)
        assert_refused(response, 400, "invalid_message", f"'{claim}'")
        assert "longer than" in html.unescape(response.get_data(as_text=True))


def test_launch_with_the_longest_storable_deployment_id_is_recorded_once(
    launcher: Launcher, app: Flask, registration: Registration
) -> None:
    deployment_id = "d" * 255
    for _ in range(2):
        assert_refused(
            launcher.launch(deployment_id=deployment_id), 403, "deployment_pending", "approval"
        )
    with get_database(app).session() as session:
        rows = session.scalars(
            select(Deployment).where(Deployment.registration_id == registration.id)
        ).all()
    assert [d.deployment_id for d in rows].count(deployment_id) == 1


@pytest.mark.parametrize("journey", [{"x": 1}, ["a"], 5, "Not A Slug", "j" * 101])
def test_launch_with_a_custom_journey_that_is_no_slug_keeps_its_pages_working(
    launcher: Launcher, app: Flask, journey: object
) -> None:
    token = session_token(launcher.launch(custom={"journey": journey}))
    assert _me(app, token)["journey"] is None
    page = app.test_client(use_cookies=False).get(f"/home?lt={token}&lang=en")
    assert page.status_code == 200, page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("login_hint", 400_000),
        ("lti_message_hint", 400_000),
        ("iss", 450_000),
        ("client_id", 3_000),
        ("target_link_uri", 3_000),
        ("lti_deployment_id", 3_000),
    ],
)
def test_login_with_a_parameter_over_its_limit_is_refused_naming_it(
    launcher: Launcher, app: Flask, caplog: pytest.LogCaptureFixture, name: str, size: int
) -> None:
    caplog.set_level("INFO")
    data = {
        "iss": launcher.platform.issuer,
        "login_hint": "hint-1",
        "target_link_uri": TOOL_URL + "/lti/launch",
        "client_id": launcher.platform.client_id,
        "lti_deployment_id": launcher.platform.deployment_id,
        name: "x" * size,
    }
    response = launcher.client.post("/lti/login", data=data)
    assert_refused(response, 400, "login_parameter_too_long", f"'{name}'")
    assert len(response.get_data()) < 20_000
    assert max(len(r.getMessage()) for r in caplog.records) < 2_000
    with get_database(app).session() as session:
        assert session.scalars(select(LaunchState)).first() is None


def test_login_with_an_unknown_issuer_quotes_it_shortened(
    launcher: Launcher, caplog: pytest.LogCaptureFixture
) -> None:
    issuer = "https://unknown.example.test/" + "x" * 400
    response = launcher.client.post("/lti/login", data={"iss": issuer, "login_hint": "h"})
    assert_refused(response, 403, "unknown_registration", "https://unknown.example.test/")
    assert issuer not in response.get_data(as_text=True)
    assert all(issuer not in r.getMessage() for r in caplog.records)


def test_login_with_a_canvas_sized_message_hint_is_accepted(launcher: Launcher) -> None:
    launcher.login(lti_message_hint="eyJ" + "a" * 1_500)


class _ConflictingSession:
    """A session whose deployment lookup never finds the row its insert conflicts with."""

    def __init__(self) -> None:
        self.commits = 0

    def scalars(self, statement: object) -> Any:
        return SimpleNamespace(first=lambda: None)

    def execute(self, statement: object) -> Any:
        return SimpleNamespace(rowcount=0)

    def add(self, row: object) -> None:
        pass

    def commit(self) -> None:
        self.commits += 1
        raise IntegrityError("INSERT", {}, Exception("unique"))

    def rollback(self) -> None:
        pass


def test_check_deployment_retries_a_conflicting_insert_once(app: Flask) -> None:
    session = _ConflictingSession()
    registration = SimpleNamespace(id=1, organization_id=1, auto_approve_deployments=False)
    with app.app_context(), pytest.raises(LaunchError) as refused:
        launches._check_deployment(
            cast(Session, session),
            launches.registration_cache(),
            cast(RegistrationInfo, registration),
            "dep-1",
        )
    assert session.commits == 2
    assert refused.value.status == 409
