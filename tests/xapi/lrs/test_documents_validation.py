"""Parameter validation of the document resources: every mistake is a 400 naming it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.document_samples import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    RESOURCES,
    STATE,
    activity_profile_params,
    agent_profile_params,
    error_message,
    state_params,
)

ALL = tuple(RESOURCES)
AGENT_RESOURCES = ("state", "agent_profile")
ACTIVITY_RESOURCES = ("state", "activity_profile")


@pytest.mark.parametrize(
    ("path", "params", "missing"),
    [
        (STATE, {"agent": json.dumps({"mbox": "mailto:a@b.c"}), "stateId": "s"}, "activityId"),
        (STATE, {"activityId": "http://a.b/c", "stateId": "s"}, "agent"),
        (STATE, {"activityId": "http://a.b/c"}, "agent"),
        (ACTIVITY_PROFILE, {"profileId": "p"}, "activityId"),
        (AGENT_PROFILE, {"profileId": "p"}, "agent"),
    ],
)
def test_get_without_a_required_parameter_names_it(
    lrs: LrsClient, path: str, params: dict[str, str], missing: str
) -> None:
    response = lrs.get(path, params=params)
    assert response.status_code == 400
    assert missing in error_message(response)


@pytest.mark.parametrize(
    ("path", "params", "missing"),
    [
        (STATE, state_params(None), "stateId"),
        (ACTIVITY_PROFILE, activity_profile_params(None), "profileId"),
        (AGENT_PROFILE, agent_profile_params(None), "profileId"),
    ],
)
def test_put_without_the_document_id_names_it(
    lrs: LrsClient, path: str, params: dict[str, str], missing: str
) -> None:
    response = lrs.put(path, params=params, json_body={})
    assert response.status_code == 400
    assert missing in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_unknown_parameters_are_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.put(resource.path, params=resource.single(color="red"), json_body={})
    assert response.status_code == 400
    assert "color" in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_parameter_names_are_case_sensitive(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    params = resource.single()
    params["SINCE"] = "2020-01-01T00:00:00Z"
    assert lrs.get(resource.path, params=params).status_code == 400


@pytest.mark.parametrize("name", ALL)
def test_since_must_be_a_timestamp(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.get(resource.path, params=resource.many(since="yesterday"))
    assert response.status_code == 400
    assert "since" in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_since_is_not_allowed_with_a_document_id(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    params = resource.single(since="2020-01-01T00:00:00Z")
    assert lrs.get(resource.path, params=params).status_code == 400


@pytest.mark.parametrize("name", ALL)
def test_empty_document_id_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    assert lrs.put(resource.path, params=resource.single(""), json_body={}).status_code == 400


@pytest.mark.parametrize("name", ACTIVITY_RESOURCES)
def test_activity_id_must_be_an_iri(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    params = resource.single(activityId="not an iri")
    response = lrs.put(resource.path, params=params, json_body={})
    assert response.status_code == 400
    assert "activityId" in error_message(response)


@pytest.mark.parametrize(
    "agent",
    [
        "not json",
        "[]",
        json.dumps({"name": "No identifier"}),
        json.dumps({"mbox": "mailto:a@b.c", "openid": "http://openid.example.com/a"}),
        json.dumps({"mbox": "a@b.c"}),
        json.dumps({"mbox_sha1sum": "xyz"}),
        json.dumps({"account": {"name": "no-home-page"}}),
        json.dumps({"objectType": "Activity", "mbox": "mailto:a@b.c"}),
        json.dumps({"mbox": "mailto:a@b.c", "colour": "blue"}),
    ],
)
@pytest.mark.parametrize("name", AGENT_RESOURCES)
def test_agent_must_be_a_valid_agent_with_one_identifier(
    lrs: LrsClient, name: str, agent: str
) -> None:
    resource = RESOURCES[name]
    response = lrs.put(resource.path, params=resource.single(agent=agent), json_body={})
    assert response.status_code == 400
    assert "agent" in error_message(response)


def test_identified_group_is_accepted_as_agent(lrs: LrsClient) -> None:
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    params = state_params(agent=json.dumps(group))
    assert lrs.put(STATE, params=params, json_body={}).status_code == 204


@pytest.mark.parametrize("registration", ["not-a-uuid", "1234", ""])
def test_registration_must_be_a_uuid(lrs: LrsClient, registration: str) -> None:
    response = lrs.put(STATE, params=state_params(registration=registration), json_body={})
    assert response.status_code == 400
    assert "registration" in error_message(response)


def test_repeated_parameters_are_400(lrs: LrsClient) -> None:
    query = urlencode([*state_params(None).items(), ("stateId", "a"), ("stateId", "b")])
    response = lrs.get(f"{STATE}?{query}")
    assert response.status_code == 400


def test_too_long_document_id_is_400_not_500(lrs: LrsClient) -> None:
    response = lrs.put(STATE, params=state_params("x" * 1001), json_body={})
    assert response.status_code == 400


def test_errors_are_json_with_a_message(lrs: LrsClient) -> None:
    response = lrs.get(STATE, params={})
    assert response.status_code == 400
    assert response.get_json()["error"] is True


def test_since_out_of_range_is_400_not_500(lrs: LrsClient) -> None:
    params = state_params(None, since="9999-12-31T23:59:59-05:00")
    assert lrs.get(STATE, params=params).status_code == 400


def test_deeply_nested_agent_is_400_not_500(lrs: LrsClient) -> None:
    agent = "[" * 100_000 + "]" * 100_000
    assert lrs.get(STATE, params=state_params(agent=agent)).status_code == 400


def test_deeply_nested_json_document_is_400_not_500(lrs: LrsClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = lrs.put(
        STATE, params=state_params(), data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
