"""LTI Dynamic Registration against a platform served over real HTTP."""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.lti import dynamic_registration
from lti_tool.lti.dynamic_registration import SALT, RegistrationError, fetch_configuration
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration
from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher
from tests.lti.conftest import AppMaker
from tests.support.platform import TOOL_CONFIGURATION, TestPlatform, running_platform
from tests.support.slow_server import drip_headers, slow_server

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


@pytest.fixture
def new_platform(app: Flask) -> Iterator[TestPlatform]:
    """A platform not yet registered, whose issuer is on its own host; and organisation org-a."""
    with get_database(app).session() as session:
        add_organization(session, "org-a", "Organisation A")
    with running_platform(client_id="dyn-client") as platform:
        platform.issuer = platform.base_url
        yield platform


def registration_url(runner: FlaskCliRunner, org: str = "org-a") -> str:
    result = runner.invoke(args=["platform", "registration-url", "--org", org, "--json"])
    assert result.exit_code == 0, result.output
    url: str = json.loads(result.output)["url"]
    return urlsplit(url).path


def start(client: FlaskClient, path: str, platform: TestPlatform, **extra: str) -> Any:
    query = {
        "openid_configuration": platform.base_url + "/.well-known/openid-configuration",
        "registration_token": "reg-token-1",
        **extra,
    }
    return client.get(path, query_string=query)


def registrations(app: Flask) -> list[Registration]:
    with get_database(app).session() as session:
        rows = list(session.scalars(select(Registration)))
        for row in rows:
            _ = row.deployments
        session.expunge_all()
        return rows


def test_the_registration_url_command_prints_an_expiring_url(
    runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    result = runner.invoke(args=["platform", "registration-url", "--org", "org-a"])
    assert result.exit_code == 0
    assert "http://tool.test/lti/register/" in result.output or "/lti/register/" in result.output
    assert "valid once" in result.output and "Manage tools" in result.output


def test_an_unknown_organisation_gets_a_clear_error(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["platform", "registration-url", "--org", "nowhere"])
    assert result.exit_code != 0
    assert "No organisation with slug 'nowhere'" in result.output


def test_moodle_registers_the_tool_with_its_deployment(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    response = start(client, registration_url(runner), new_platform)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "registration-close.js" in page and "dyn-client" in page
    [registration] = registrations(app)
    assert registration.issuer == new_platform.base_url
    assert registration.client_id == "dyn-client"
    assert registration.auth_login_url == new_platform.base_url + "/auth"
    assert registration.auth_token_url == new_platform.base_url + "/token"
    assert registration.keyset_url == new_platform.base_url + "/jwks"
    assert [(d.deployment_id, d.status) for d in registration.deployments] == [
        ("1", DeploymentStatus.ACTIVE)
    ]
    configuration, posted = new_platform.registration_requests
    assert configuration["authorization"] == "Bearer reg-token-1"
    assert posted["authorization"] == "Bearer reg-token-1"


def test_the_client_registration_names_every_url_scope_and_message(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform, app: Flask
) -> None:
    start(client, registration_url(runner), new_platform)
    body = new_platform.registration_requests[-1]["body"]
    base = app.config["LTI_JOURNEYS_SETTINGS"].base_url
    assert body["initiate_login_uri"] == base + "/lti/login"
    assert body["redirect_uris"] == [base + "/lti/launch"]
    assert body["jwks_uri"] == base + "/lti/jwks"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    scopes = body["scope"].split()
    assert SCORE_SCOPE in scopes and NRPS_SCOPE in scopes
    # Only scopes the platform says it supports are asked for.
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly" not in scopes
    tool = body[TOOL_CONFIGURATION]
    assert {m["type"] for m in tool["messages"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }
    assert tool["target_link_uri"] == base + "/lti/launch"


def test_canvas_gets_the_unit_variable_and_its_first_launch_creates_the_deployment(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    new_platform: TestPlatform,
) -> None:
    new_platform.product = "canvas"
    new_platform.registration_deployment_id = None
    assert start(client, registration_url(runner), new_platform).status_code == 200
    tool = new_platform.registration_requests[-1]["body"][TOOL_CONFIGURATION]
    assert tool["custom_parameters"] == {"unit": "$Canvas.account.name"}
    assert {p for m in tool["messages"] for p in m.get("placements", [])} >= {
        "link_selection",
        "course_navigation",
    }
    [registration] = registrations(app)
    assert registration.deployments == [] and registration.approve_first_deployment
    launcher = Launcher(client, new_platform)
    new_platform.deployment_id = "canvas-deployment-1"
    assert launcher.launch().status_code == 303
    # A second deployment is not approved on sight.
    new_platform.deployment_id = "canvas-deployment-2"
    assert launcher.launch().status_code == 403
    with get_database(app).session() as session:
        statuses = dict(session.execute(select(Deployment.deployment_id, Deployment.status)).all())
    assert statuses == {
        "canvas-deployment-1": DeploymentStatus.ACTIVE,
        "canvas-deployment-2": DeploymentStatus.PENDING,
    }


def test_a_registration_url_works_once(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    path = registration_url(runner)
    assert start(client, path, new_platform).status_code == 200
    again = start(client, path, new_platform)
    assert again.status_code == 403
    assert "registration_link_used" in again.get_data(as_text=True)


def test_a_tampered_registration_url_is_refused(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    path = registration_url(runner)
    response = start(client, path[:-3] + "abc", new_platform)
    assert response.status_code == 403
    assert "registration_link_invalid" in response.get_data(as_text=True)
    assert new_platform.registration_requests == [] and registrations(app) == []


def test_an_expired_registration_url_is_refused(
    app: Flask, client: FlaskClient, new_platform: TestPlatform
) -> None:
    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 7200

    secret = app.config["LTI_JOURNEYS_SETTINGS"].effective_secret_key
    with get_database(app).session() as session:
        org_id = session.scalars(select(Registration.organization_id)).first()
    token = URLSafeTimedSerializer(secret, salt=SALT, signer=TwoHoursAgo).dumps(
        {"org": org_id or 1, "jti": "x", "hours": 1}
    )
    response = start(client, f"/lti/register/{token}", new_platform)
    assert response.status_code == 403
    assert "registration_link_expired" in response.get_data(as_text=True)


def test_an_issuer_on_another_host_is_refused(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    new_platform.configuration_overrides = {"issuer": "https://evil.example.test"}
    response = start(client, registration_url(runner), new_platform)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "platform_configuration_invalid" in text and "same host" in text
    assert registrations(app) == []
    assert all("body" not in r for r in new_platform.registration_requests)


def test_a_configuration_larger_than_the_limit_is_refused(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    new_platform.configuration_overrides = {"padding": "x" * 300_000}
    response = start(client, registration_url(runner), new_platform)
    assert response.status_code == 400
    assert "larger than 256 KiB" in response.get_data(as_text=True)


def test_a_request_without_the_configuration_url_says_where_to_start(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    response = client.get(registration_url(runner))
    assert response.status_code == 400
    assert "openid_configuration" in response.get_data(as_text=True)


def test_a_platform_that_refuses_the_registration_is_reported_without_its_answer(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    new_platform.registration_status = 400
    response = start(client, registration_url(runner), new_platform)
    assert response.status_code == 502
    text = response.get_data(as_text=True)
    assert "registration_refused" in text and "new registration URL" in text
    assert "invalid_client_metadata" not in text
    assert registrations(app) == []


def test_a_registration_url_is_used_up_by_a_failed_attempt(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    new_platform.registration_status = 400
    path = registration_url(runner)
    assert start(client, path, new_platform).status_code == 502
    new_platform.registration_status = 200
    again = start(client, path, new_platform)
    assert again.status_code == 403
    assert "registration_link_used" in again.get_data(as_text=True)


def test_a_registration_url_registers_once_under_concurrent_attempts(
    app: Flask, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    path = registration_url(runner)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def attempt() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(start(client, path, new_platform).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 403]
    assert [r for r in new_platform.registration_requests if "body" in r] != []
    assert len([r for r in new_platform.registration_requests if "body" in r]) == 1
    assert len(registrations(app)) == 1


def test_a_configuration_url_on_a_private_address_is_never_fetched(
    guarded_app: Flask, new_platform: TestPlatform
) -> None:
    path = registration_url(guarded_app.test_cli_runner())
    response = start(guarded_app.test_client(), path, new_platform)
    assert response.status_code == 502
    assert "platform_unreachable" in response.get_data(as_text=True)
    assert new_platform.registration_requests == []


def test_a_closed_port_and_an_error_status_read_alike(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    def detail(configuration_url: str) -> str:
        path = registration_url(runner)
        response = client.get(path, query_string={"openid_configuration": configuration_url})
        assert response.status_code == 502
        page = html.unescape(response.get_data(as_text=True))
        return page.replace(configuration_url, "URL").replace(path, "PATH")

    closed = detail("http://127.0.0.1:9/.well-known/openid-configuration")
    missing = detail(new_platform.base_url + "/missing")
    assert closed == missing


def test_a_dripping_platform_is_given_up_by_the_deadline(make_app: AppMaker) -> None:
    app = make_app(outbound_deadline_seconds=1.0)
    with get_database(app).session() as session:
        add_organization(session, "org-a", "Organisation A")
    path = registration_url(app.test_cli_runner())
    with slow_server(drip_headers, interval=0.1) as server:
        started = time.monotonic()
        response = app.test_client().get(
            path, query_string={"openid_configuration": server.url + "/config"}
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 502
    assert elapsed < 2.0


def test_an_unreachable_platform_is_reported(
    client: FlaskClient, runner: FlaskCliRunner, new_platform: TestPlatform
) -> None:
    response = client.get(
        registration_url(runner),
        query_string={
            "openid_configuration": "http://127.0.0.1:9/.well-known/openid-configuration"
        },
    )
    assert response.status_code == 502
    assert "platform_unreachable" in response.get_data(as_text=True)


def test_production_requires_https_configuration_urls(new_platform: TestPlatform) -> None:
    url = new_platform.base_url + "/.well-known/openid-configuration"
    with pytest.raises(RegistrationError, match="must use https"):
        fetch_configuration(OutboundPolicy(), url, None, require_https=True)


def test_dynamic_registration_refuses_a_platform_answer_nested_too_deeply() -> None:
    with pytest.raises(RegistrationError) as refused:
        dynamic_registration._json_object(b"[" * 100_000, "configuration")
    assert refused.value.code == "platform_configuration_invalid"


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"client_id": "abc\x00def"}, "Client id"),
        ({"client_id": "abc\x1bdef"}, "Client id"),
        ({"registration_deployment_id": "dep\x00"}, "Deployment id"),
        ({"client_id": "c" * 256}, "Client id"),
        ({"registration_deployment_id": "d" * 256}, "Deployment id"),
        ({"token_endpoint": "/token\x00x"}, "token_endpoint"),
        ({"authorization_server": "https://lms.example.test/\x07"}, "authorization_server"),
    ],
    ids=[
        "client id NUL",
        "client id ESC",
        "deployment NUL",
        "long client id",
        "long deployment",
        "token URL NUL",
        "audience BEL",
    ],
)
def test_dynamic_registration_refuses_control_characters_and_overlong_ids(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    new_platform: TestPlatform,
    answer: dict[str, str],
    named: str,
) -> None:
    for name, value in answer.items():
        if name in ("client_id", "registration_deployment_id"):
            setattr(new_platform, name, value)
        elif value.startswith("/"):
            new_platform.configuration_overrides = {name: new_platform.base_url + value}
        else:
            new_platform.configuration_overrides = {name: value}
    response = start(client, registration_url(runner), new_platform)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code in (400, 409, 502), text
    assert named in text, text
    assert registrations(app) == []
