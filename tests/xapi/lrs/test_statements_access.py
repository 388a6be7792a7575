"""Who may read and write statements: scopes, credentials, tenants, versions, alternate syntax."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.statement_samples import error_message, ids_of, new_id, post, query, statement


@pytest.mark.parametrize("scopes", [["statements/read"], ["all/read"], ["state", "define"]])
def test_writing_needs_statements_write(app: Flask, scopes: list[str]) -> None:
    client = make_lrs_client(app, "t1", scopes)
    response = client.post("statements", json_body=statement())
    assert response.status_code == 403
    put = client.put("statements", json_body=statement(), params={"statementId": new_id()})
    assert put.status_code == 403


@pytest.mark.parametrize("scopes", [["statements/write"], ["state", "define", "profile"]])
def test_reading_needs_a_read_scope(app: Flask, scopes: list[str]) -> None:
    client = make_lrs_client(app, "t1", scopes)
    assert client.get("statements").status_code == 403


@pytest.mark.parametrize("scopes", [["statements/read"], ["all/read"], ["all"]])
def test_read_scopes_see_every_statement_of_the_tenant(
    app: Flask, lrs: LrsClient, scopes: list[str]
) -> None:
    [statement_id] = post(lrs, statement())
    reader = make_lrs_client(app, "t1", scopes)
    assert ids_of(query(reader)) == [statement_id]


def test_read_mine_sees_only_statements_of_its_own_credential(app: Flask, lrs: LrsClient) -> None:
    mine = make_lrs_client(app, "t1", ["statements/write", "statements/read/mine"])
    [own] = post(mine, statement())
    [other] = post(lrs, statement())
    assert ids_of(query(mine)) == [own]
    assert mine.get("statements", params={"statementId": other}).status_code == 404
    assert mine.get("statements", params={"statementId": own}).status_code == 200


def test_bad_credentials_are_401(lrs: LrsClient) -> None:
    lrs.secret = "wrong"
    assert lrs.get("statements").status_code == 401
    assert lrs.post("statements", json_body=statement()).status_code == 401


def test_other_tenant_never_sees_the_statements(
    lrs: LrsClient, lrs_other_tenant: LrsClient
) -> None:
    statement_id = new_id()
    post(lrs, statement(id=statement_id))
    assert query(lrs_other_tenant)["statements"] == []
    assert (
        lrs_other_tenant.get("statements", params={"statementId": statement_id}).status_code == 404
    )
    agent = json.dumps({"mbox": "mailto:ada@example.com"})
    assert query(lrs_other_tenant, agent=agent)["statements"] == []
    # The same id is free in the other tenant: no conflict across tenants.
    changed = statement(id=statement_id, result={"success": True})
    assert post(lrs_other_tenant, changed) == [statement_id]
    assert "result" not in lrs.get("statements", params={"statementId": statement_id}).get_json()


def test_voiding_does_not_cross_tenants(lrs: LrsClient, lrs_other_tenant: LrsClient) -> None:
    [target] = post(lrs, statement())
    voiding = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": target},
    )
    post(lrs_other_tenant, voiding)
    assert lrs.get("statements", params={"statementId": target}).status_code == 200


@pytest.mark.parametrize("version", [None, "0.9", "1.1.0", "3.0.0"])
def test_missing_or_unsupported_version_header_is_400(lrs: LrsClient, version: str | None) -> None:
    headers = lrs.headers()
    if version is None:
        del headers["X-Experience-API-Version"]
    else:
        headers["X-Experience-API-Version"] = version
    response = lrs.client.get("/xapi/statements", headers=headers)
    assert response.status_code == 400
    assert "X-Experience-API-Version" in error_message(response)


def test_write_answers_carry_consistent_through(lrs: LrsClient) -> None:
    response = lrs.post("statements", json_body=statement())
    assert "X-Experience-API-Consistent-Through" in response.headers


def test_alternate_syntax_put_and_get_in_1_0_3(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["all"], "1.0.3")
    auth = client.headers()
    statement_id = new_id()
    put = client.client.post(
        "/xapi/statements?method=PUT",
        data=urlencode(
            {
                "statementId": statement_id,
                "content": json.dumps(statement()),
                "Authorization": auth["Authorization"],
                "X-Experience-API-Version": "1.0.3",
            }
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert put.status_code == 204, put.get_data(as_text=True)
    # Headers may also be real headers rather than form fields.
    get = client.client.post(
        "/xapi/statements?method=GET",
        data=urlencode({"statementId": statement_id}),
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert get.status_code == 200
    assert get.get_json()["id"] == statement_id


def test_alternate_syntax_is_refused_in_xapi_2(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["all"], "2.0.0")
    response = client.client.post(
        "/xapi/statements?method=GET",
        data=urlencode({}),
        headers={**client.headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "no alternate request syntax" in error_message(response)
