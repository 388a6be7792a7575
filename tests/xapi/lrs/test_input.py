"""Hostile input to the LRS: a NUL in any id, IRI, parameter or JSON body is a 400 JSON answer."""

from __future__ import annotations

import base64
import json

import pytest

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.document_samples import (
    ACTIVITY_PROFILE,
    AGENT,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_profile_params,
    state_params,
)
from tests.xapi.lrs.statement_samples import statement

NUL = "a\x00b"
ACTIVITY = "http://example.com/activities/a\x00b"
AGENT_WITH_NUL = json.dumps({"objectType": "Agent", "mbox": "mailto:a\x00b@example.com"})

# (method, resource, parameters) for every resource and each kind of id it takes.
REQUESTS = {
    "state id": ("GET", STATE, state_params(NUL)),
    "state activity": ("PUT", STATE, state_params(activityId=ACTIVITY)),
    "state agent": ("POST", STATE, state_params(agent=AGENT_WITH_NUL)),
    "state registration": ("DELETE", STATE, state_params(registration=NUL)),
    "state since": ("GET", STATE, state_params(None, since=NUL)),
    "activity profile id": ("PUT", ACTIVITY_PROFILE, activity_profile_params(NUL)),
    "activity profile activity": ("GET", ACTIVITY_PROFILE, {"activityId": ACTIVITY}),
    "agent profile id": ("POST", AGENT_PROFILE, agent_profile_params(NUL)),
    "agent profile agent": ("DELETE", AGENT_PROFILE, agent_profile_params(agent=AGENT_WITH_NUL)),
    "activities": ("GET", "activities", {"activityId": ACTIVITY}),
    "agents": ("GET", "agents", {"agent": AGENT_WITH_NUL}),
    "statement id": ("GET", "statements", {"statementId": NUL}),
    "statement query verb": ("GET", "statements", {"verb": "http://a.example/\x00"}),
    "statement query agent": ("GET", "statements", {"agent": AGENT_WITH_NUL}),
    "statement query limit": ("GET", "statements", {"limit": "1\x00"}),
    "statement put id": ("PUT", "statements", {"statementId": NUL}),
    "parameter name": ("GET", "statements", {"a\x00b": "1"}),
}


@pytest.mark.parametrize("request_", REQUESTS.values(), ids=REQUESTS.keys())
def test_lrs_refuses_a_nul_in_every_kind_of_id_with_400_json(
    lrs: LrsClient, request_: tuple[str, str, dict[str, str]]
) -> None:
    method, resource, params = request_
    response = lrs.request(method, resource, params=params, json_body={"a": 1})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] is True
    assert response.get_json()["message"]


@pytest.mark.parametrize("number", ["²", "١٢", "-1", "1.5", " 1"])
def test_statement_query_limit_takes_only_ascii_digits(lrs: LrsClient, number: str) -> None:
    response = lrs.get("statements", params={"limit": number})
    assert response.status_code == 400
    assert "limit" in response.get_json()["message"]


def test_statement_query_limit_beyond_the_page_size_is_capped(lrs: LrsClient) -> None:
    response = lrs.get("statements", params={"limit": "9" * 5000})
    assert response.status_code == 200
    assert response.get_json()["statements"] == []


def test_document_with_a_nul_in_its_json_is_stored_as_sent(lrs: LrsClient) -> None:
    body = '{"a": "x\\u0000y"}'
    response = lrs.put(
        STATE, params=state_params(), data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 204
    assert lrs.get(STATE, params=state_params()).get_json() == {"a": "x\x00y"}


def test_statement_with_a_nul_in_an_iri_is_refused(lrs: LrsClient) -> None:
    body = statement(object={"objectType": "Activity", "id": ACTIVITY})
    response = lrs.post("statements", json_body=body)
    assert response.status_code == 400
    assert response.get_json()["error"] is True


def test_agent_parameter_is_checked_before_its_json_is_read(lrs: LrsClient) -> None:
    response = lrs.get(AGENT_PROFILE, params={"agent": json.dumps(AGENT) + "\x00"})
    assert response.status_code == 400


def _more_token(params: dict[str, str]) -> str:
    raw = json.dumps({"p": params, "a": 0}).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


# Parameters a forged ``more`` token could carry: each reaches SQL unless it is checked.
FORGED_MORE = {
    "verb": {"verb": "http://a.example/\x00"},
    "activity": {"activity": "http://a.example/\x00"},
    "registration": {"registration": "\x00"},
    "agent": {"agent": json.dumps({"mbox": "mailto:a\x00b@example.com"})},
    "agent escape": {"agent": '{"mbox": "mailto:a\\u0000b@example.com"}'},
    "parameter name": {"verb\x00": "http://a.example/"},
    "control character": {"verb": "http://a.example/\x1f"},
}


@pytest.mark.parametrize("params", FORGED_MORE.values(), ids=FORGED_MORE.keys())
def test_more_token_carrying_a_control_character_is_a_400_json(
    lrs: LrsClient, params: dict[str, str]
) -> None:
    response = lrs.get("statements", params={"more": _more_token(params)})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] is True


@pytest.mark.parametrize("more", ["\x00", "abc\x00"])
def test_more_parameter_with_a_nul_is_a_400_json(lrs: LrsClient, more: str) -> None:
    response = lrs.get("statements", params={"more": more})
    assert response.status_code == 400
    assert response.get_json()["error"] is True


def test_more_parameter_with_a_percent_encoded_nul_is_a_400_json(lrs: LrsClient) -> None:
    response = lrs.client.get("/xapi/statements?more=abc%00def", headers=lrs.headers())
    assert response.status_code == 400
    assert "control character" in response.get_json()["message"]


LONE_SURROGATE_AGENTS = {
    "statements": ("statements", {}),
    "agents": ("agents", {}),
    "agent profile": (AGENT_PROFILE, {"profileId": "p"}),
}


@pytest.mark.parametrize("request_", LONE_SURROGATE_AGENTS.values(), ids=LONE_SURROGATE_AGENTS)
def test_agent_parameter_with_a_lone_surrogate_escape_is_a_400_json(
    lrs: LrsClient, request_: tuple[str, dict[str, str]]
) -> None:
    resource, params = request_
    agent = '{"objectType": "Agent", "mbox": "mailto:a\\ud800b@example.com"}'
    response = lrs.get(resource, params={**params, "agent": agent})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] is True
