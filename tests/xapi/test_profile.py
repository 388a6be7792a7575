"""The profile's IRIs: one fixed namespace, the same in every installation, each one resolving."""

from __future__ import annotations

import json

import requests
from flask.testing import FlaskClient
from jsonschema import Draft7Validator

from xapi.profile import NAMESPACE, PROFILE, VERSION_IRI
from xapi.statements import Person, PrivacyPolicy, Situation, StatementFactory


def _own_iris() -> list[str]:
    document = PROFILE.document()
    described = [*document["concepts"], *document["templates"], *document["patterns"]]
    return [NAMESPACE, VERSION_IRI] + [d["id"] for d in described if d["id"].startswith(NAMESPACE)]


def test_every_profile_iri_resolves_over_http_without_credentials(live_url: str) -> None:
    iris = _own_iris()
    assert len(iris) > 40
    for iri in iris:
        response = requests.get(
            live_url + "/xapi/profile" + iri[len(NAMESPACE) :],
            headers={"Accept": "application/ld+json"},
            timeout=10,
        )
        assert response.status_code == 200, iri
        assert response.headers["Content-Type"].startswith("application/ld+json")
        body = response.json()
        expected = NAMESPACE if iri == VERSION_IRI else iri
        assert body["id"] == expected


def test_a_browser_gets_a_readable_description_of_a_verb(client: FlaskClient) -> None:
    response = client.get(
        "/xapi/profile/verbs/previewed", headers={"Accept": "text/html,application/xhtml+xml"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"{NAMESPACE}/verbs/previewed" in page
    assert "förhandsgranskade" in page


def test_an_iri_outside_the_profile_is_a_404_that_says_where_to_look(client: FlaskClient) -> None:
    response = client.get("/xapi/profile/verbs/no-such-verb")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_iri"
    assert "/xapi/profile" in response.get_json()["message"]


def test_profile_iris_do_not_depend_on_the_installation() -> None:
    built = []
    for base in ("http://127.0.0.1:5000", "https://journeys.norrstad.se"):
        factory = StatementFactory(base)
        target = factory.activity("goal", factory.activity_iri("goals", "g1"), {"sv": "Mål"})
        built.append(
            factory.build(
                person=Person("https://lms.example", "s1"),
                policy=PrivacyPolicy(),
                verb="rated",
                target=target,
                situation=Situation(organization={"id": 1, "slug": "n"}),
            )
        )
    first, second = built
    assert first["verb"] == second["verb"]
    assert first["verb"]["id"] == "http://id.tincanapi.com/verb/rated"
    assert first["object"]["definition"]["type"] == second["object"]["definition"]["type"]
    assert first["context"]["contextActivities"] == second["context"]["contextActivities"]
    assert list(first["context"]["extensions"]) == [f"{NAMESPACE}/extensions/organization"]


def test_statements_name_the_profile_version_as_a_typed_category() -> None:
    factory = StatementFactory("http://tool.test")
    statement = factory.build(
        person=Person("https://lms.example", "s1"),
        policy=PrivacyPolicy(),
        verb="launched",
        target=factory.activity("tool", factory.activity_iri("resource-links", 1), {}),
        situation=Situation(),
    )
    assert statement["context"]["contextActivities"]["category"] == [
        {
            "id": VERSION_IRI,
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
        }
    ]


def test_the_document_has_what_the_xapi_profiles_spec_requires() -> None:
    document = PROFILE.document()
    assert document["@context"] == "https://w3id.org/xapi/profiles/context"
    assert document["type"] == "Profile"
    assert document["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert {"id", "prefLabel", "definition", "versions", "author"} <= set(document)
    assert document["versions"][0]["id"] == VERSION_IRI
    ids = [d["id"] for d in document["concepts"] + document["templates"] + document["patterns"]]
    assert len(ids) == len(set(ids))
    for item in document["concepts"] + document["templates"] + document["patterns"]:
        assert item["inScheme"] == VERSION_IRI
        assert item["prefLabel"]["en"] and item["definition"]["en"]


def test_every_extension_publishes_a_valid_json_schema() -> None:
    extensions = [
        c
        for c in PROFILE.document()["concepts"]
        if c["type"] in ("ContextExtension", "ResultExtension", "ActivityExtension")
    ]
    assert len(extensions) == len(PROFILE.extensions)
    for extension in extensions:
        Draft7Validator.check_schema(json.loads(extension["inlineSchema"]))


def test_patterns_refer_only_to_templates_and_patterns_of_the_profile() -> None:
    document = PROFILE.document()
    known = {t["id"] for t in document["templates"]} | {p["id"] for p in document["patterns"]}
    for pattern in document["patterns"]:
        for kind in ("sequence", "alternates"):
            assert set(pattern.get(kind, [])) <= known
        for kind in ("zeroOrMore", "oneOrMore", "optional"):
            if kind in pattern:
                assert pattern[kind] in known
    assert [p["id"] for p in document["patterns"] if p["primary"]] == [
        f"{NAMESPACE}/patterns/enrollment"
    ]
