"""Admin CLI: organisations, platforms and deployments print what they did and fail clearly."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner

PLATFORM = [
    "platform", "add", "--org", "goteborg", "--issuer", "https://canvas.instructure.com",
    "--client-id", "10000000000001", "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
    "--keyset-url", "https://sso.canvaslms.com/api/lti/security/jwks",
]  # fmt: skip


def _org(runner: FlaskCliRunner, slug: str = "goteborg") -> None:
    result = runner.invoke(args=["org", "add", "--slug", slug, "--name", "Göteborgs Stad"])
    assert result.exit_code == 0, result.output


def test_org_add_prints_what_it_did(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["org", "add", "--slug", "goteborg", "--name", "Göteborgs Stad"])
    assert result.exit_code == 0
    assert "Added organisation goteborg (Göteborgs Stad)" in result.output


def test_org_add_bad_slug_exits_nonzero_with_reason(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["org", "add", "--slug", "Bad Slug", "--name", "X"])
    assert result.exit_code != 0
    assert "is not valid" in result.output


def test_org_add_duplicate_is_refused(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["org", "add", "--slug", "goteborg", "--name", "Again"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_org_list_json(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["org", "list", "--json"])
    assert json.loads(result.output) == [{"id": 1, "slug": "goteborg", "name": "Göteborgs Stad"}]


def test_platform_add_then_list_json(runner: FlaskCliRunner) -> None:
    _org(runner)
    added = runner.invoke(args=[*PLATFORM, "--deployment-id", "1:abc", "--deployment-id", "2:def"])
    assert added.exit_code == 0, added.output
    assert "2 active deployment(s)" in added.output
    listed = json.loads(runner.invoke(args=["platform", "list", "--json"]).output)
    assert listed[0]["issuer"] == "https://canvas.instructure.com"
    assert listed[0]["organization"] == "goteborg"
    assert [d["deployment_id"] for d in listed[0]["deployments"]] == ["1:abc", "2:def"]
    assert listed[0]["tool_login_url"].endswith(f"/lti/login/{listed[0]['id']}")


def test_platform_add_same_issuer_other_client_id_is_allowed(runner: FlaskCliRunner) -> None:
    _org(runner)
    _org(runner, "malmo")
    assert runner.invoke(args=PLATFORM).exit_code == 0
    other = [*PLATFORM[:3], "malmo", *PLATFORM[4:]]
    other[other.index("10000000000001")] = "10000000000002"
    result = runner.invoke(args=other)
    assert result.exit_code == 0, result.output


def test_platform_add_duplicate_issuer_and_client_id_refused(runner: FlaskCliRunner) -> None:
    _org(runner)
    runner.invoke(args=PLATFORM)
    result = runner.invoke(args=PLATFORM)
    assert result.exit_code != 0
    assert "already registered" in result.output


def test_platform_add_unknown_org_names_known_ones(runner: FlaskCliRunner) -> None:
    _org(runner)
    args = list(PLATFORM)
    args[args.index("goteborg")] = "nowhere"
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "No organisation with slug 'nowhere'" in result.output
    assert "goteborg" in result.output


def test_platform_add_bad_url_refused(runner: FlaskCliRunner) -> None:
    _org(runner)
    args = list(PLATFORM)
    args[args.index("https://sso.canvaslms.com/api/lti/security/jwks")] = "not-a-url"
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "Keyset URL 'not-a-url' is not an absolute http(s) URL" in result.output


def test_deployment_add_list_and_approve(runner: FlaskCliRunner) -> None:
    _org(runner)
    runner.invoke(args=PLATFORM)
    added = runner.invoke(
        args=["deployment", "add", "--registration", "1", "--deployment-id", "7:x"]
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(args=["deployment", "list", "--json"]).output)
    assert listed[0]["deployment_id"] == "7:x"
    assert listed[0]["status"] == "active"
    again = runner.invoke(
        args=["deployment", "approve", "--registration", "1", "--deployment-id", "7:x"]
    )
    assert again.exit_code != 0
    assert "already active" in again.output


def test_deployment_approve_unknown_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    runner.invoke(args=PLATFORM)
    result = runner.invoke(
        args=["deployment", "approve", "--registration", "1", "--deployment-id", "nope"]
    )
    assert result.exit_code != 0
    assert "has no deployment 'nope'" in result.output


def test_deployment_unknown_registration_exits_nonzero(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["deployment", "add", "--registration", "99", "--deployment-id", "x"]
    )
    assert result.exit_code != 0
    assert "No registration with id 99" in result.output


def test_org_privacy_sets_pseudonymisation(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["org", "privacy", "--org", "goteborg", "--pseudonymise"])
    assert result.exit_code == 0, result.output
    assert "pseudonymise=on, include identity=off" in result.output


def test_org_privacy_refuses_pseudonyms_with_names(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(
        args=["org", "privacy", "--org", "goteborg", "--pseudonymise", "--include-identity"]
    )
    assert result.exit_code != 0
    assert "cannot both pseudonymise" in result.output
