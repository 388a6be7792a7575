"""The shipped DigCompEdu IRIs resolve in every installation: JSON-LD (SKOS) or a page."""

from __future__ import annotations

from flask.testing import FlaskClient

SCHEME = "https://w3id.org/xapi/lti-journeys/frameworks/digcompedu"
LD = {"Accept": "application/ld+json"}


def test_competence_iri_resolves_to_a_skos_concept(client: FlaskClient) -> None:
    response = client.get("/xapi/profile/frameworks/digcompedu/2.1", headers=LD)
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert (body["@id"], body["@type"], body["notation"]) == (
        SCHEME + "/2.1",
        "skos:Concept",
        "2.1",
    )
    assert body["broader"] == SCHEME + "/2"
    assert body["inScheme"] == SCHEME


def test_competence_has_names_in_swedish_and_english(client: FlaskClient) -> None:
    body = client.get("/xapi/profile/frameworks/digcompedu/2.1", headers=LD).json
    assert body is not None
    assert body["prefLabel"]["sv"] and body["prefLabel"]["en"]


def test_framework_iri_resolves_to_the_scheme_with_its_six_areas(client: FlaskClient) -> None:
    body = client.get("/xapi/profile/frameworks/digcompedu", headers=LD).json
    assert body is not None
    assert body["@type"] == "skos:ConceptScheme"
    assert body["hasTopConcept"] == [f"{SCHEME}/{n}" for n in range(1, 7)]


def test_browser_gets_a_page_that_links_the_area(client: FlaskClient) -> None:
    response = client.get(
        "/xapi/profile/frameworks/digcompedu/2.1", headers={"Accept": "text/html"}
    )
    assert response.mimetype == "text/html"
    assert 'href="/xapi/profile/frameworks/digcompedu/2"' in response.get_data(as_text=True)


def test_unknown_competence_is_a_404_that_names_the_shipped_frameworks(
    client: FlaskClient,
) -> None:
    response = client.get("/xapi/profile/frameworks/digcompedu/9.9", headers=LD)
    assert response.status_code == 404
    assert response.json is not None
    assert "shipped: digcompedu" in response.json["message"]


def test_an_unknown_framework_name_is_a_404(client: FlaskClient) -> None:
    assert client.get("/xapi/profile/frameworks/private-one/1", headers=LD).status_code == 404


def test_iris_can_be_read_from_other_sites(client: FlaskClient) -> None:
    response = client.get("/xapi/profile/frameworks/digcompedu/1.1", headers=LD)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
