"""GET /activities (the canonical Activity) and GET /agents (the Person object)."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.document_samples import error_message
from tests.xapi.lrs.statement_samples import ACTIVITY, ACTOR, post, statement

ACTIVITY_ID = ACTIVITY["id"]


def test_unknown_activity_is_an_activity_with_just_its_id(lrs: LrsClient) -> None:
    response = lrs.get("activities", params={"activityId": "http://example.com/unknown"})
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": "http://example.com/unknown"}


def test_activity_has_its_canonical_definition(lrs: LrsClient) -> None:
    post(lrs, statement())
    response = lrs.get("activities", params={"activityId": ACTIVITY_ID})
    assert response.status_code == 200
    body = response.get_json()
    assert body["objectType"] == "Activity"
    assert body["id"] == ACTIVITY_ID
    assert body["definition"]["name"]["en-US"] == "Course one"
    assert body["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"


def test_activity_definitions_are_per_tenant(lrs: LrsClient, lrs_other_tenant: LrsClient) -> None:
    post(lrs, statement())
    response = lrs_other_tenant.get("activities", params={"activityId": ACTIVITY_ID})
    assert response.get_json() == {"objectType": "Activity", "id": ACTIVITY_ID}


def test_activities_needs_activity_id(lrs: LrsClient) -> None:
    response = lrs.get("activities")
    assert response.status_code == 400
    assert "activityId" in error_message(response)


def test_activities_activity_id_must_be_an_iri(lrs: LrsClient) -> None:
    assert lrs.get("activities", params={"activityId": "no iri"}).status_code == 400


def test_activities_refuses_unknown_parameters(lrs: LrsClient) -> None:
    params = {"activityId": ACTIVITY_ID, "agent": json.dumps(ACTOR)}
    response = lrs.get("activities", params=params)
    assert response.status_code == 400
    assert "agent" in error_message(response)


def test_activities_only_answers_get(lrs: LrsClient) -> None:
    response = lrs.put("activities", params={"activityId": ACTIVITY_ID}, json_body={})
    assert response.status_code == 405


def test_person_has_the_identifier_and_name_given(lrs: LrsClient) -> None:
    agent = {"objectType": "Agent", "name": "Grace", "mbox": "mailto:grace@example.com"}
    response = lrs.get("agents", params={"agent": json.dumps(agent)})
    assert response.status_code == 200
    assert response.get_json() == {
        "objectType": "Person",
        "name": ["Grace"],
        "mbox": ["mailto:grace@example.com"],
    }


def test_person_of_an_account(lrs: LrsClient) -> None:
    account = {"homePage": "http://lms.example.com", "name": "u-1"}
    response = lrs.get("agents", params={"agent": json.dumps({"account": account})})
    assert response.get_json() == {"objectType": "Person", "account": [account]}


def test_person_includes_names_known_from_statements(lrs: LrsClient) -> None:
    post(lrs, statement())
    post(lrs, statement(actor={**ACTOR, "name": "Ada Lovelace"}))
    response = lrs.get("agents", params={"agent": json.dumps({"mbox": ACTOR["mbox"]})})
    body = response.get_json()
    assert sorted(body["name"]) == ["Ada", "Ada Lovelace"]
    assert body["mbox"] == [ACTOR["mbox"]]


def test_person_names_are_per_tenant(lrs: LrsClient, lrs_other_tenant: LrsClient) -> None:
    post(lrs, statement())
    response = lrs_other_tenant.get("agents", params={"agent": json.dumps({"mbox": ACTOR["mbox"]})})
    assert "name" not in response.get_json()


def test_agents_needs_agent(lrs: LrsClient) -> None:
    response = lrs.get("agents")
    assert response.status_code == 400
    assert "agent" in error_message(response)


@pytest.mark.parametrize(
    "agent",
    [
        "{",
        json.dumps({"name": "nobody"}),
        json.dumps({"mbox": "mailto:a@b.c", "mbox_sha1sum": "a" * 40}),
        json.dumps({"objectType": "Group", "mbox": "mailto:team@example.com"}),
    ],
)
def test_agents_refuses_an_invalid_agent(lrs: LrsClient, agent: str) -> None:
    assert lrs.get("agents", params={"agent": agent}).status_code == 400


@pytest.mark.parametrize("path", ["activities", "agents"])
@pytest.mark.parametrize("scopes", [["all/read"], ["statements/read"], ["define"]])
def test_read_scopes_may_use_activities_and_agents(
    app: Flask, path: str, scopes: list[str]
) -> None:
    client = make_lrs_client(app, "t1", scopes)
    params = {"activityId": ACTIVITY_ID} if path == "activities" else {"agent": json.dumps(ACTOR)}
    assert client.get(path, params=params).status_code == 200


@pytest.mark.parametrize("path", ["activities", "agents"])
def test_other_scopes_are_403_on_activities_and_agents(app: Flask, path: str) -> None:
    client = make_lrs_client(app, "t1", ["state", "statements/write"])
    params = {"activityId": ACTIVITY_ID} if path == "activities" else {"agent": json.dumps(ACTOR)}
    assert client.get(path, params=params).status_code == 403


@pytest.mark.parametrize("path", ["activities", "agents"])
def test_bad_credentials_are_401_on_activities_and_agents(lrs: LrsClient, path: str) -> None:
    lrs.secret = "wrong"
    params = {"activityId": ACTIVITY_ID} if path == "activities" else {"agent": json.dumps(ACTOR)}
    assert lrs.get(path, params=params).status_code == 401
