"""The Activity Profile and Agent Profile resources: store, fetch, list and delete."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.document_samples import (
    ACTIVITY_PROFILE,
    AGENT,
    AGENT_PROFILE,
    OTHER_ACTIVITY_ID,
    OTHER_AGENT,
    PROFILES,
    RESOURCES,
    activity_profile_params,
    agent_profile_params,
    error_message,
    fetch,
    ids,
    store,
)


@pytest.mark.parametrize("name", PROFILES)
def test_put_then_get_returns_the_document(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"colour": "blue"})
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"colour": "blue"}


@pytest.mark.parametrize("name", PROFILES)
def test_profiles_keep_their_content_type_and_bytes(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    content = b"\x00\xffnot json\r\n"
    response = lrs.put(
        resource.path,
        params=resource.single(),
        data=content,
        headers={"Content-Type": "image/x-test", "If-None-Match": "*"},
    )
    assert response.status_code == 204
    got = fetch(lrs, resource.path, resource.single())
    assert got.get_data() == content
    assert got.headers["Content-Type"] == "image/x-test"


@pytest.mark.parametrize("name", PROFILES)
def test_missing_profile_is_404(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.get(resource.path, params=resource.single("nothing"))
    assert response.status_code == 404
    assert "nothing" in error_message(response)


@pytest.mark.parametrize("name", PROFILES)
def test_get_without_profile_id_lists_the_profile_ids(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single("z"), {})
    store(lrs, resource.path, resource.single("a"), {})
    assert ids(lrs, resource.path, resource.many()) == ["a", "z"]


@pytest.mark.parametrize("name", PROFILES)
def test_since_lists_only_profiles_changed_after_it(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single("old"), {})
    time.sleep(0.02)
    cut = datetime.now(UTC).isoformat()
    time.sleep(0.02)
    store(lrs, resource.path, resource.single("new"), {})
    assert ids(lrs, resource.path, resource.many(since=cut)) == ["new"]


@pytest.mark.parametrize("name", PROFILES)
def test_since_in_the_future_lists_nothing(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {})
    assert ids(lrs, resource.path, resource.many(since="2999-01-01T00:00:00Z")) == []


@pytest.mark.parametrize("name", PROFILES)
def test_delete_profile(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {})
    response = lrs.delete(resource.path, params=resource.single(), headers={"If-Match": etag})
    assert response.status_code == 204
    assert lrs.get(resource.path, params=resource.single()).status_code == 404


@pytest.mark.parametrize("name", PROFILES)
def test_delete_needs_a_profile_id(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.delete(resource.path, params=resource.many())
    assert response.status_code == 400
    assert "profileId" in error_message(response)


def test_activity_profiles_are_per_activity(lrs: LrsClient) -> None:
    store(lrs, ACTIVITY_PROFILE, activity_profile_params(), {"n": 1})
    other = activity_profile_params(activityId=OTHER_ACTIVITY_ID)
    assert lrs.get(ACTIVITY_PROFILE, params=other).status_code == 404
    assert ids(lrs, ACTIVITY_PROFILE, activity_profile_params(None)) == ["settings"]


def test_agent_profiles_are_per_agent(lrs: LrsClient) -> None:
    store(lrs, AGENT_PROFILE, agent_profile_params(), {"n": 1})
    other = agent_profile_params(agent=json.dumps(OTHER_AGENT))
    assert lrs.get(AGENT_PROFILE, params=other).status_code == 404
    assert ids(lrs, AGENT_PROFILE, agent_profile_params(None, agent=json.dumps(OTHER_AGENT))) == []


def test_agent_profiles_match_the_agent_by_identifier(lrs: LrsClient) -> None:
    store(lrs, AGENT_PROFILE, agent_profile_params(), {"n": 1})
    no_name = {"mbox": AGENT["mbox"]}
    got = fetch(lrs, AGENT_PROFILE, agent_profile_params(agent=json.dumps(no_name)))
    assert got.get_json() == {"n": 1}


def test_agent_profile_of_an_account_agent(lrs: LrsClient) -> None:
    agent = {"account": {"homePage": "http://lms.example.com", "name": "u-17"}}
    params = agent_profile_params(agent=json.dumps(agent))
    store(lrs, AGENT_PROFILE, params, {"n": 2})
    assert fetch(lrs, AGENT_PROFILE, params).get_json() == {"n": 2}


def test_profile_ids_are_kept_verbatim(lrs: LrsClient) -> None:
    profile_id = "http://example.com/profiles/ä b?c=d&e"
    store(lrs, ACTIVITY_PROFILE, activity_profile_params(profile_id), {"n": 3})
    assert ids(lrs, ACTIVITY_PROFILE, activity_profile_params(None)) == [profile_id]
    assert fetch(lrs, ACTIVITY_PROFILE, activity_profile_params(profile_id)).get_json() == {"n": 3}
