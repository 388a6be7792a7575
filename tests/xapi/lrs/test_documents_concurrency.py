"""ETags, If-Match and If-None-Match on the document resources, by xAPI version."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.document_samples import (
    PROFILES,
    RESOURCES,
    STATE,
    error_message,
    fetch,
    put_json,
    state_params,
    store,
)
from xapi.lrs import document_views

ALL = tuple(RESOURCES)
BAD_TAG = '"1111111111111111111111111111111111111111"'


@pytest.mark.parametrize("name", ALL)
def test_put_answers_with_the_etag_that_get_returns(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    assert fetch(lrs, resource.path, resource.single()).headers["ETag"] == etag


@pytest.mark.parametrize("name", ALL)
def test_put_with_matching_if_match_replaces(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 2}, **{"If-Match": etag})
    assert response.status_code == 204
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"b": 2}


@pytest.mark.parametrize("name", ALL)
def test_put_with_stale_if_match_is_412_and_changes_nothing(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 2}, **{"If-Match": BAD_TAG})
    assert response.status_code == 412
    assert "If-Match" in error_message(response)
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1}


@pytest.mark.parametrize("name", ALL)
def test_if_match_star_needs_an_existing_document(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = put_json(lrs, resource.path, resource.single(), {"a": 1}, **{"If-Match": "*"})
    assert response.status_code == 412
    assert lrs.get(resource.path, params=resource.single()).status_code == 404


@pytest.mark.parametrize("name", ALL)
def test_if_match_star_overwrites_an_existing_document(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 1}, **{"If-Match": "*"})
    assert response.status_code == 204


@pytest.mark.parametrize("name", ALL)
def test_if_none_match_star_refuses_to_overwrite(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 2}, **{"If-None-Match": "*"})
    assert response.status_code == 412
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1}


@pytest.mark.parametrize("name", ALL)
def test_if_none_match_with_the_current_etag_is_412(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 2}, **{"If-None-Match": etag})
    assert response.status_code == 412


@pytest.mark.parametrize("name", ALL)
def test_if_match_accepts_a_list_of_etags(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    header = f"{BAD_TAG}, {etag}"
    response = put_json(lrs, resource.path, resource.single(), {"b": 2}, **{"If-Match": header})
    assert response.status_code == 204


@pytest.mark.parametrize("name", PROFILES)
def test_profile_put_over_existing_without_headers_is_409(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = put_json(lrs, resource.path, resource.single(), {"b": 2})
    assert response.status_code == 409
    assert "If-Match" in error_message(response)
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1}


@pytest.mark.parametrize("name", ALL)
def test_put_creating_a_document_needs_no_headers_except_profiles_in_1_0_3(
    lrs: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    response = put_json(lrs, resource.path, resource.single(), {"a": 1})
    if name in PROFILES and lrs.version == "1.0.3":
        assert response.status_code == 400
        assert "If-None-Match: *" in error_message(response)
    else:
        assert response.status_code == 204


@pytest.mark.parametrize("name", PROFILES)
def test_profile_put_creating_with_if_none_match_star_succeeds(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = put_json(lrs, resource.path, resource.single(), {"a": 1}, **{"If-None-Match": "*"})
    assert response.status_code == 204


def test_state_put_over_existing_without_headers_is_409_in_xapi_2(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["state"], "2.0.0")
    store(client, STATE, state_params(), {"a": 1})
    response = put_json(client, STATE, state_params(), {"b": 2})
    assert response.status_code == 409
    assert fetch(client, STATE, state_params()).get_json() == {"a": 1}


def test_state_put_over_existing_without_headers_replaces_in_1_0_3(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["state"], "1.0.3")
    store(client, STATE, state_params(), {"a": 1})
    assert put_json(client, STATE, state_params(), {"b": 2}).status_code == 204


@pytest.mark.parametrize("name", ALL)
def test_post_with_stale_if_match_is_412_and_merges_nothing(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(
        resource.path, params=resource.single(), json_body={"b": 2}, headers={"If-Match": BAD_TAG}
    )
    assert response.status_code == 412
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1}


@pytest.mark.parametrize("name", ALL)
def test_post_with_if_none_match_star_over_existing_is_412(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(
        resource.path, params=resource.single(), json_body={"b": 2}, headers={"If-None-Match": "*"}
    )
    assert response.status_code == 412


@pytest.mark.parametrize("name", ALL)
def test_post_with_matching_if_match_merges(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(
        resource.path, params=resource.single(), json_body={"b": 2}, headers={"If-Match": etag}
    )
    assert response.status_code == 204
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1, "b": 2}


@pytest.mark.parametrize("name", ALL)
def test_delete_with_stale_if_match_is_412_and_keeps_the_document(
    lrs: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.delete(resource.path, params=resource.single(), headers={"If-Match": BAD_TAG})
    assert response.status_code == 412
    assert lrs.get(resource.path, params=resource.single()).status_code == 200


@pytest.mark.parametrize("name", ALL)
def test_delete_with_if_match_of_a_missing_document_is_412(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.delete(resource.path, params=resource.single(), headers={"If-Match": "*"})
    assert response.status_code == 412


@pytest.mark.parametrize("name", ALL)
def test_delete_with_matching_if_match_deletes(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.delete(resource.path, params=resource.single(), headers={"If-Match": etag})
    assert response.status_code == 204
    assert lrs.get(resource.path, params=resource.single()).status_code == 404


@pytest.mark.parametrize("name", ALL)
def test_etag_changes_when_the_document_changes(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    first = store(lrs, resource.path, resource.single(), {"a": 1})
    second = put_json(
        lrs, resource.path, resource.single(), {"a": 2}, **{"If-Match": first}
    ).headers["ETag"]
    assert second != first
    assert fetch(lrs, resource.path, resource.single()).headers["ETag"] == second


@pytest.mark.parametrize("name", ALL)
def test_get_with_if_none_match_of_the_current_etag_is_304(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.get(resource.path, params=resource.single(), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["ETag"] == etag


def test_unquoted_etags_are_accepted(lrs: LrsClient) -> None:
    etag = store(lrs, STATE, state_params(), {"a": 1})
    response = put_json(lrs, STATE, state_params(), {"b": 2}, **{"If-Match": etag.strip('"')})
    assert response.status_code == 204


def test_weak_etags_never_match_if_match(lrs: LrsClient) -> None:
    etag = store(lrs, STATE, state_params(), {"a": 1})
    response = put_json(lrs, STATE, state_params(), {"b": 2}, **{"If-Match": f"W/{etag}"})
    assert response.status_code == 412


def test_a_concurrent_create_is_409_not_500(
    lrs: LrsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(lrs, STATE, state_params(), {"a": 1})
    # As if another request inserted the document after this one looked for it.
    monkeypatch.setattr(document_views, "get_document", lambda *args, **kw: None)
    response = put_json(lrs, STATE, state_params(), {"b": 2})
    assert response.status_code == 409
    assert "another request" in error_message(response)


def test_a_concurrent_create_with_if_none_match_star_is_412(
    lrs: LrsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(lrs, STATE, state_params(), {"a": 1})
    monkeypatch.setattr(document_views, "get_document", lambda *args, **kw: None)
    response = put_json(lrs, STATE, state_params(), {"b": 2}, **{"If-None-Match": "*"})
    assert response.status_code == 412
