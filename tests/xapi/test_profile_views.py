"""The namespace resolves a school unit's activity IRI, by its skolenhetskod."""

from __future__ import annotations

from flask.testing import FlaskClient

NS = "https://w3id.org/xapi/lti-journeys"


def test_school_unit_iri_resolves_to_its_activity(client: FlaskClient) -> None:
    response = client.get("/xapi/profile/school-units/12345678")
    assert response.status_code == 200
    assert response.get_json() == {
        "objectType": "Activity",
        "id": f"{NS}/school-units/12345678",
        "definition": {
            "type": f"{NS}/activity-types/school-unit",
            "name": {"en-US": "School unit 12345678", "sv-SE": "Skolenhet 12345678"},
            "extensions": {f"{NS}/extensions/school-unit-code": "12345678"},
        },
    }


def test_school_unit_iri_without_eight_digits_is_not_found(client: FlaskClient) -> None:
    assert client.get("/xapi/profile/school-units/1234567").status_code == 404
