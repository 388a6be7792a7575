"""POST on the document resources: JSON objects are merged, anything else is refused."""

from __future__ import annotations

import pytest

from tests.xapi.lrs.conftest import LrsClient
from tests.xapi.lrs.document_samples import RESOURCES, error_message, fetch, store

ALL = tuple(RESOURCES)


@pytest.mark.parametrize("name", ALL)
def test_post_merges_top_level_properties(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    etag = store(lrs, resource.path, resource.single(), {"a": 1, "b": {"x": 1}, "c": 3})
    response = lrs.post(
        resource.path,
        params=resource.single(),
        json_body={"b": {"y": 2}, "d": 4},
        headers={"If-Match": etag},
    )
    assert response.status_code == 204
    merged = fetch(lrs, resource.path, resource.single()).get_json()
    assert merged == {"a": 1, "b": {"y": 2}, "c": 3, "d": 4}


@pytest.mark.parametrize("name", ALL)
def test_post_without_preconditions_merges(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(resource.path, params=resource.single(), json_body={"b": 2})
    assert response.status_code == 204
    assert fetch(lrs, resource.path, resource.single()).get_json() == {"a": 1, "b": 2}


@pytest.mark.parametrize("name", ALL)
def test_post_of_a_new_document_stores_it(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.post(resource.path, params=resource.single(), json_body={"a": 1})
    assert response.status_code == 204
    got = fetch(lrs, resource.path, resource.single())
    assert got.get_json() == {"a": 1}
    assert got.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("name", ALL)
def test_post_answers_with_the_etag_of_the_merged_document(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(resource.path, params=resource.single(), json_body={"b": 2})
    assert response.headers["ETag"] == fetch(lrs, resource.path, resource.single()).headers["ETag"]


@pytest.mark.parametrize("name", ALL)
def test_post_of_a_non_json_content_type_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.post(
        resource.path,
        params=resource.single(),
        data=b'{"a": 1}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert "application/json" in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_post_onto_a_non_json_document_is_400_and_changes_nothing(
    lrs: LrsClient, name: str
) -> None:
    resource = RESOURCES[name]
    lrs.put(
        resource.path,
        params=resource.single(),
        data=b"plain",
        headers={"Content-Type": "text/plain", "If-None-Match": "*"},
    )
    response = lrs.post(resource.path, params=resource.single(), json_body={"a": 1})
    assert response.status_code == 400
    assert "stored document" in error_message(response)
    assert fetch(lrs, resource.path, resource.single()).get_data() == b"plain"


@pytest.mark.parametrize("name", ALL)
def test_post_of_a_json_array_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), {"a": 1})
    response = lrs.post(resource.path, params=resource.single(), json_body=[1, 2])
    assert response.status_code == 400
    assert "JSON object" in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_post_onto_a_json_array_document_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    store(lrs, resource.path, resource.single(), [1, 2])
    response = lrs.post(resource.path, params=resource.single(), json_body={"a": 1})
    assert response.status_code == 400
    assert fetch(lrs, resource.path, resource.single()).get_json() == [1, 2]


@pytest.mark.parametrize("name", ALL)
def test_post_of_invalid_json_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.post(
        resource.path,
        params=resource.single(),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid" in error_message(response)


@pytest.mark.parametrize("name", ALL)
def test_put_of_invalid_json_declared_as_json_is_400(lrs: LrsClient, name: str) -> None:
    resource = RESOURCES[name]
    response = lrs.put(
        resource.path,
        params=resource.single(),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert lrs.get(resource.path, params=resource.single()).status_code == 404
