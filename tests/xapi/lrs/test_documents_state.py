"""The State resource: storing, fetching, listing and deleting state documents."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from flask import Flask

from tests.xapi.lrs.conftest import LrsClient, make_lrs_client
from tests.xapi.lrs.document_samples import (
    AGENT,
    OTHER_ACTIVITY_ID,
    OTHER_AGENT,
    REGISTRATION,
    STATE,
    error_message,
    fetch,
    ids,
    state_params,
    store,
)


def test_put_then_get_returns_the_json_document(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params(), {"page": 3})
    response = fetch(lrs, STATE, state_params())
    assert response.get_json() == {"page": 3}
    assert response.headers["Content-Type"] == "application/json"


def test_binary_documents_come_back_byte_identical_with_their_content_type(
    lrs: LrsClient,
) -> None:
    content = bytes(range(256)) * 3
    response = lrs.put(
        STATE,
        params=state_params("blob"),
        data=content,
        headers={"Content-Type": "application/octet-stream", "If-None-Match": "*"},
    )
    assert response.status_code == 204
    got = fetch(lrs, STATE, state_params("blob"))
    assert got.get_data() == content
    assert got.headers["Content-Type"] == "application/octet-stream"


def test_text_content_type_with_parameters_is_kept(lrs: LrsClient) -> None:
    lrs.put(
        STATE,
        params=state_params("note"),
        data="häj".encode(),
        headers={"Content-Type": "text/plain; charset=utf-8", "If-None-Match": "*"},
    )
    got = fetch(lrs, STATE, state_params("note"))
    assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert got.get_data() == "häj".encode()


def test_get_single_has_a_quoted_sha1_etag_and_last_modified(lrs: LrsClient) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    store(lrs, STATE, state_params(), {"a": 1})
    response = fetch(lrs, STATE, state_params())
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 42
    sha1 = hashlib.sha1(response.get_data()).hexdigest()  # noqa: S324 (the ETag xAPI names)
    assert etag.strip('"') == sha1
    assert parsedate_to_datetime(response.headers["Last-Modified"]) >= before


def test_missing_state_is_404(lrs: LrsClient) -> None:
    response = lrs.get(STATE, params=state_params("nothing"))
    assert response.status_code == 404
    assert "nothing" in error_message(response)


def test_head_returns_the_headers_without_a_body(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params(), {"a": 1})
    response = lrs.request("HEAD", STATE, params=state_params())
    assert response.status_code == 200
    assert response.headers["ETag"]
    assert response.get_data() == b""


def test_get_without_state_id_lists_the_state_ids(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("b"), {})
    store(lrs, STATE, state_params("a"), {})
    store(lrs, STATE, state_params("other", activityId=OTHER_ACTIVITY_ID), {})
    assert ids(lrs, STATE, state_params(None)) == ["a", "b"]


def test_listing_an_empty_context_is_an_empty_array(lrs: LrsClient) -> None:
    assert ids(lrs, STATE, state_params(None)) == []


def test_since_lists_only_states_changed_after_it(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("old"), {})
    time.sleep(0.02)
    cut = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    time.sleep(0.02)
    store(lrs, STATE, state_params("new"), {})
    assert ids(lrs, STATE, state_params(None, since=cut)) == ["new"]


def test_since_accepts_an_offset(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("x"), {})
    assert ids(lrs, STATE, state_params(None, since="2000-01-01T01:00:00+01:00")) == ["x"]


def test_registration_separates_state_documents(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params(), {"reg": False})
    store(lrs, STATE, state_params(registration=REGISTRATION), {"reg": True})
    assert fetch(lrs, STATE, state_params()).get_json() == {"reg": False}
    with_registration = state_params(registration=REGISTRATION.upper())
    assert fetch(lrs, STATE, with_registration).get_json() == {"reg": True}


def test_listing_with_registration_lists_only_that_registration(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("plain"), {})
    store(lrs, STATE, state_params("registered", registration=REGISTRATION), {})
    assert ids(lrs, STATE, state_params(None, registration=REGISTRATION)) == ["registered"]
    assert ids(lrs, STATE, state_params(None)) == ["plain", "registered"]


def test_agents_are_matched_by_their_identifier_not_their_name(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params(), {"a": 1})
    renamed = {**AGENT, "name": "Someone else"}
    assert fetch(lrs, STATE, state_params(agent=json.dumps(renamed))).get_json() == {"a": 1}
    other = lrs.get(STATE, params=state_params(agent=json.dumps(OTHER_AGENT)))
    assert other.status_code == 404


def test_delete_single_state(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params(), {})
    assert lrs.delete(STATE, params=state_params()).status_code == 204
    assert lrs.get(STATE, params=state_params()).status_code == 404


def test_delete_of_a_missing_state_is_204(lrs: LrsClient) -> None:
    assert lrs.delete(STATE, params=state_params("nothing")).status_code == 204


def test_delete_without_state_id_deletes_every_state_of_the_context(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("a"), {})
    store(lrs, STATE, state_params("b", registration=REGISTRATION), {})
    store(lrs, STATE, state_params("kept", activityId=OTHER_ACTIVITY_ID), {})
    assert lrs.delete(STATE, params=state_params(None)).status_code == 204
    assert ids(lrs, STATE, state_params(None)) == []
    assert ids(lrs, STATE, state_params(None, activityId=OTHER_ACTIVITY_ID)) == ["kept"]


def test_delete_all_with_registration_keeps_other_registrations(lrs: LrsClient) -> None:
    store(lrs, STATE, state_params("plain"), {})
    store(lrs, STATE, state_params("registered", registration=REGISTRATION), {})
    response = lrs.delete(STATE, params=state_params(None, registration=REGISTRATION))
    assert response.status_code == 204
    assert ids(lrs, STATE, state_params(None)) == ["plain"]


def test_put_replaces_the_state_in_1_0_3_without_preconditions(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["state"], "1.0.3")
    assert client.put(STATE, params=state_params(), json_body={"a": 1}).status_code == 204
    assert client.put(STATE, params=state_params(), json_body={"b": 2}).status_code == 204
    assert fetch(client, STATE, state_params()).get_json() == {"b": 2}


def test_alternate_syntax_put_and_get_in_1_0_3(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["state"], "1.0.3")
    auth = client.headers()["Authorization"]
    put = client.client.post(
        "/xapi/activities/state?method=PUT",
        data=urlencode(
            {
                **state_params(),
                "content": json.dumps({"page": 7}),
                "Content-Type": "application/json",
                "Authorization": auth,
                "X-Experience-API-Version": "1.0.3",
            }
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert put.status_code == 204, put.get_data(as_text=True)
    get = client.client.post(
        "/xapi/activities/state?method=GET",
        data=urlencode(
            {**state_params(), "Authorization": auth, "X-Experience-API-Version": "1.0.3"}
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert get.status_code == 200, get.get_data(as_text=True)
    assert get.get_json() == {"page": 7}
    assert get.headers["ETag"]


def test_alternate_syntax_is_refused_in_xapi_2(app: Flask) -> None:
    client = make_lrs_client(app, "t1", ["state"], "2.0.0")
    response = client.client.post(
        "/xapi/activities/state?method=GET",
        data=urlencode(state_params()),
        headers={**client.headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
