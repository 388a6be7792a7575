"""Statement building: actor, verb, activity, context and ids as the profile documents them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from xapi.statements import (
    ActivityRef,
    IdentifiedGroup,
    Person,
    PrivacyPolicy,
    Situation,
    StatementFactory,
    iso_duration,
)

BASE = "https://journeys.example.se"
PERSON = Person(issuer="https://canvas.instructure.com", sub="u-42", name="Maja", email="m@x.se")


def _build(policy: PrivacyPolicy | None = None, **situation: object) -> dict[str, object]:
    factory = StatementFactory(BASE)
    journey = factory.activity(
        "journey",
        factory.activity_iri("journeys", "digital-kompetens", "v1"),
        {"sv": "Digital kompetens"},
    )
    return factory.build(
        person=PERSON,
        policy=policy or PrivacyPolicy(),
        verb="launched",
        target=journey,
        situation=Situation(**situation),  # type: ignore[arg-type]
    )


def test_statement_actor_is_platform_account() -> None:
    statement = _build()
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://canvas.instructure.com", "name": "u-42"},
    }


def test_statement_pseudonymised_actor_is_stable_and_keyed() -> None:
    first = _build(PrivacyPolicy(pseudonymise_key=b"org-1"))["actor"]
    again = _build(PrivacyPolicy(pseudonymise_key=b"org-1"))["actor"]
    other = _build(PrivacyPolicy(pseudonymise_key=b"org-2"))["actor"]
    assert first == again
    assert first != other
    assert "u-42" not in str(first)


def test_statement_group_actor_is_an_identified_group_beyond_the_privacy_policy() -> None:
    factory = StatementFactory(BASE)
    statement = factory.build(
        person=IdentifiedGroup(home_page=BASE, name="organizations/3"),
        policy=PrivacyPolicy(pseudonymise_key=b"org-3", include_identity=False),
        verb="assigned",
        target=factory.activity("journey", factory.activity_iri("journeys", "k"), {}),
        situation=Situation(),
    )
    assert statement["actor"] == {
        "objectType": "Group",
        "account": {"homePage": BASE, "name": "organizations/3"},
    }


def test_statement_includes_name_only_when_policy_allows() -> None:
    assert "name" not in _build()["actor"]  # type: ignore[operator]
    assert _build(PrivacyPolicy(include_identity=True))["actor"]["name"] == "Maja"  # type: ignore[index]


def test_statement_id_and_timestamp_are_fixed_at_creation() -> None:
    statement = _build()
    uuid.UUID(str(statement["id"]))
    assert datetime.fromisoformat(str(statement["timestamp"])).tzinfo is not None
    assert "version" not in statement


def test_statement_verb_has_adl_iri_and_both_languages() -> None:
    assert _build()["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/launched",
        "display": {"en-US": "launched", "sv-SE": "startade"},
    }


def test_statement_activity_iri_is_minted_under_base_url() -> None:
    target = _build()["object"]
    assert target["id"] == f"{BASE}/xapi/activities/journeys/digital-kompetens/v1"  # type: ignore[index]
    assert target["definition"]["name"] == {"sv-SE": "Digital kompetens"}  # type: ignore[index]


def test_statement_context_has_registration_parents_category_and_extensions() -> None:
    registration = uuid.uuid4()
    course = ActivityRef(iri=f"{BASE}/xapi/activities/lms-context/1/c-1", type_iri="t")
    context = _build(
        registration=registration,
        groupings=(course,),
        organization={"id": 1, "slug": "umea"},
        unit={"id": 3, "name": "Ekskolan"},
        language="sv",
    )["context"]
    assert context["registration"] == str(registration)  # type: ignore[index]
    assert context["contextActivities"]["category"][0] == {  # type: ignore[index]
        "id": "https://w3id.org/xapi/lti-journeys/v2.1",
        "objectType": "Activity",
        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
    }
    assert context["contextActivities"]["grouping"][0]["id"] == course.iri  # type: ignore[index]
    assert context["extensions"]["https://w3id.org/xapi/lti-journeys/extensions/unit"] == {
        "id": 3,
        "name": "Ekskolan",
    }  # type: ignore[index]
    assert context["language"] == "sv-SE"  # type: ignore[index]


def test_profile_document_lists_own_verbs_and_extensions() -> None:
    document = StatementFactory(BASE).profile.document()
    ids = {c["id"] for c in document["concepts"]}
    assert document["id"] == "https://w3id.org/xapi/lti-journeys"
    assert "https://w3id.org/xapi/lti-journeys/verbs/previewed" in ids
    assert "https://w3id.org/xapi/lti-journeys/extensions/organization" in ids
    # Registry verbs are used, not described again.
    assert "http://adlnet.gov/expapi/verbs/launched" not in ids


def test_profile_is_served_as_json_ld_at_its_iri(client: FlaskClient) -> None:
    response = client.get("/xapi/profile")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.get_json(force=True)["id"] == "https://w3id.org/xapi/lti-journeys"


def test_iso_duration_is_written_in_whole_seconds_without_padding() -> None:
    assert iso_duration(timedelta(minutes=4, seconds=12, microseconds=900_000)) == "PT4M12S"
    assert iso_duration(timedelta(hours=26, seconds=5)) == "PT26H0M5S"
    assert iso_duration(timedelta(0)) == "PT0S"


def test_statement_result_duration_is_an_iso_8601_duration() -> None:
    factory = StatementFactory(BASE)
    step = factory.activity("step", factory.activity_iri("journeys", "j", "steps", "s"), {})
    statement = factory.build(
        person=PERSON,
        policy=PrivacyPolicy(),
        verb="completed",
        target=step,
        situation=Situation(),
        result={"completion": True, "duration": timedelta(minutes=4, seconds=12)},
    )
    assert statement["result"]["duration"] == "PT4M12S"
