"""Who may use the document resources: scopes, credentials and tenants."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.document_samples import RESOURCES, fetch, ids, put_json, store

ALL = tuple(RESOURCES)
# The scope each resource needs for writing.
WRITE_SCOPE = {"state": "state", "activity_profile": "profile", "agent_profile": "profile"}
WRONG_SCOPES = {
    "state": ["profile", "statements/write", "statements/read", "define"],
    "activity_profile": ["state", "statements/write", "statements/read", "define"],
    "agent_profile": ["state", "statements/write", "statements/read", "define"],
}


@pytest.mark.parametrize("name", ALL)
def test_the_resource_scope_may_read_and_write(app: Flask, name: str) -> None:
    resource = RESOURCES[name]
    client = make_lrs_client(app, "t1", [WRITE_SCOPE[name]], "2.0.0")
    store(client, resource.path, resource.single(), {"a": 1})
    assert fetch(client, resource.path, resource.single()).get_json() == {"a": 1}
    assert client.delete(resource.path, params=resource.single()).status_code == 204


@pytest.mark.parametrize("name", ALL)
def test_other_scopes_are_403_for_every_method(app: Flask, name: str) -> None:
    resource = RESOURCES[name]
    client = make_lrs_client(app, "t1", WRONG_SCOPES[name])
    assert client.get(resource.path, params=resource.single()).status_code == 403
    assert client.get(resource.path, params=resource.many()).status_code == 403
    assert put_json(client, resource.path, resource.single(), {}).status_code == 403
    assert client.post(resource.path, params=resource.single(), json_body={}).status_code == 403
    assert client.delete(resource.path, params=resource.single()).status_code == 403


@pytest.mark.parametrize("name", ALL)
def test_all_read_may_read_but_not_write(app: Flask, lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    reader = make_lrs_client(app, "t1", ["all/read"])
    assert fetch(reader, resource.path, resource.single()).get_json() == {"a": 1}
    assert ids(reader, resource.path, resource.many()) == ["doc-1"]
    assert put_json(reader, resource.path, resource.single(), {}).status_code == 403
    assert reader.delete(resource.path, params=resource.single()).status_code == 403


@pytest.mark.parametrize("name", ALL)
def test_bad_credentials_are_401(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    lrs.secret = "wrong"
    assert lrs.get(resource.path, params=resource.single()).status_code == 401
    assert put_json(lrs, resource.path, resource.single(), {}).status_code == 401


@pytest.mark.parametrize("name", ALL)
def test_missing_credentials_are_401(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.client.get(
        "/xapi/" + resource.path,
        query_string=resource.single(),
        headers={"X-Experience-API-Version": lrs.version},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("name", ALL)
def test_other_tenant_cannot_see_the_document(
    lrs: LrsClient, lrs_other_tenant: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    assert lrs_other_tenant.get(resource.path, params=resource.single()).status_code == 404
    assert ids(lrs_other_tenant, resource.path, resource.many()) == []


@pytest.mark.parametrize("name", ALL)
def test_tenants_have_their_own_document_under_the_same_key(
    lrs: LrsClient, lrs_other_tenant: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"tenant": 1})
    store(lrs_other_tenant, resource.path, resource.single(), {"tenant": 2})
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"tenant": 1}
    assert fetch(lrs_other_tenant, resource.path, resource.single()).get_json() == {"tenant": 2}


@pytest.mark.parametrize("name", ALL)
def test_other_tenant_cannot_delete_the_document(
    lrs: LrsClient, lrs_other_tenant: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    lrs_other_tenant.delete(resource.path, params=resource.single())
    if name == "state":
        lrs_other_tenant.delete(resource.path, params=resource.many())
    assert lrs.get(resource.path, params=resource.single()).status_code == 200


def test_missing_version_header_is_400(lrs: LrsClient) -> None:
    resource = RESOURCES["state"]
    headers = lrs.headers()
    del headers["X-Experience-API-Version"]
    response = lrs.client.get(
        "/xapi/" + resource.path, query_string=resource.single(), headers=headers
    )
    assert response.status_code == 400
