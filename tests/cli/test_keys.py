"""Key rotation: a new key signs and is published at once; the old one stays for a grace period."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from lti_tool.db import get_database, utcnow
from lti_tool.lti import keys
from lti_tool.lti.runtime import get_runtime


def _kids(client: FlaskClient) -> list[str]:
    return [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]


def test_jwks_creates_and_publishes_first_key(client: FlaskClient) -> None:
    document = client.get("/lti/jwks").get_json()
    assert len(document["keys"]) == 1
    key = document["keys"][0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert "d" not in key


def test_keys_rotate_publishes_new_key_and_keeps_old(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    old = _kids(client)
    result = runner.invoke(args=["keys", "rotate", "--grace-days", "7"])
    assert result.exit_code == 0, result.output
    assert "is active and published" in result.output
    assert f"Key {old[0]} stays in the JWKS until" in result.output
    now = _kids(client)
    assert len(now) == 2
    assert old[0] in now


def test_keys_list_json_shows_states(runner: FlaskCliRunner, client: FlaskClient) -> None:
    client.get("/lti/jwks")
    runner.invoke(args=["keys", "rotate"])
    listed = json.loads(runner.invoke(args=["keys", "list", "--json"]).output)
    assert [k["state"] for k in listed] == ["retiring", "active"]


def test_retired_key_leaves_jwks_after_grace(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    old = _kids(client)[0]
    runner.invoke(args=["keys", "rotate", "--grace-days", "0"])
    assert old not in _kids(client)
    listed = json.loads(runner.invoke(args=["keys", "list", "--json"]).output)
    assert listed[0]["state"] == "retired"


def test_signing_key_is_newest_active(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as session:
        box = get_runtime(app).box
        first = keys.ensure_key(session, box)
        second, retiring = keys.rotate_keys(session, box, timedelta(days=1))
        session.commit()
        assert keys.signing_key(session, box).kid == second.kid
        assert retiring == [first]
        assert first.retires_at is not None and first.retires_at > utcnow()


def test_private_key_is_encrypted_at_rest(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as session:
        key = keys.ensure_key(session, get_runtime(app).box)
        session.commit()
        assert "PRIVATE KEY" not in key.private_key_encrypted
        assert "PRIVATE KEY" in keys.signing_key(session, get_runtime(app).box).private_pem
