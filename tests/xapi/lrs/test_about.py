"""GET /about: the versions listed follow the version the client declares."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0.3", ["1.0.3"]),
        ("1.0.0", ["1.0.3"]),
        ("2.0.0", ["1.0.3", "2.0.0"]),
        ("", ["1.0.3", "2.0.0"]),
    ],
)
def test_about_lists_the_versions_of_the_requested_major_version(
    client: FlaskClient, version: str, expected: list[str]
) -> None:
    # xAPI 1.0.3 allows only 0.9, 0.95 and 1.0.x in "version"; 1.0.x clients (tincan) refuse others.
    headers = {"X-Experience-API-Version": version} if version else {}
    response = client.get("/xapi/about", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["version"] == expected
