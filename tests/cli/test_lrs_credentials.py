"""LRS credentials from the CLI: created with scopes, listed without secrets, revoked."""

from __future__ import annotations

import base64
import json

from flask.testing import FlaskClient, FlaskCliRunner


def _org(runner: FlaskCliRunner) -> None:
    assert (
        runner.invoke(args=["org", "add", "--slug", "umea", "--name", "Umeå kommun"]).exit_code == 0
    )


def _basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


def test_lrs_credential_add_json_prints_key_and_secret(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(
        args=[
            "lrs",
            "credential",
            "add",
            "--org",
            "umea",
            "--scopes",
            "statements/write,statements/read",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert set(created) == {"key", "secret"}
    assert len(created["secret"]) >= 32


def test_lrs_credential_add_unknown_scope_exits_nonzero(runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(
        args=["lrs", "credential", "add", "--org", "umea", "--scopes", "everything"]
    )
    assert result.exit_code != 0
    assert "Unknown scope(s) everything" in result.output


def test_lrs_credential_list_never_shows_secret(runner: FlaskCliRunner) -> None:
    _org(runner)
    created = json.loads(
        runner.invoke(
            args=["lrs", "credential", "add", "--org", "umea", "--scopes", "all", "--json"]
        ).output
    )
    listed = runner.invoke(args=["lrs", "credential", "list", "--json"]).output
    assert created["secret"] not in listed
    assert json.loads(listed)[0]["organization"] == "umea"


def test_lrs_credential_revoke_stops_access(runner: FlaskCliRunner, client: FlaskClient) -> None:
    _org(runner)
    created = json.loads(
        runner.invoke(
            args=["lrs", "credential", "add", "--org", "umea", "--scopes", "all", "--json"]
        ).output
    )
    revoked = runner.invoke(args=["lrs", "credential", "revoke", "--key", created["key"]])
    assert revoked.exit_code == 0, revoked.output
    response = client.get(
        "/xapi/activities",
        query_string={"activityId": "http://x.test/a"},
        headers=_basic(created["key"], created["secret"]),
    )
    assert response.status_code == 401


def test_lrs_credential_revoke_unknown_exits_nonzero(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["lrs", "credential", "revoke", "--key", "nope"])
    assert result.exit_code != 0
    assert "No LRS credential with key 'nope'" in result.output
