"""Statements of profile 1.0.0 mapped to the current profile: every kind of old IRI."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from tests.support.legacy_statements import OLD_ID
from tests.support.legacy_statements import old_statement as legacy_statement
from xapi.profile import NAMESPACE, PROFILE_ACTIVITY_TYPE, VERSION_IRI
from xapi.replay import (
    REPLAY_NAMESPACE,
    LegacyIriError,
    carries_legacy_iris,
    legacy_iris,
    upgrade_statement,
    voiding_statement,
)

OLD = "https://journeys.example.se"
P = OLD + "/xapi/profile"


def old_statement() -> dict[str, Any]:
    return legacy_statement(OLD)


@pytest.mark.parametrize(
    ("old_key", "new_iri"),
    [
        ("verbs/rated", "http://id.tincanapi.com/verb/rated"),
        ("activity-types/step", NAMESPACE + "/activity-types/step"),
        ("activity-types/lms-context", NAMESPACE + "/activity-types/lms-context"),
        ("activity-types/tool", NAMESPACE + "/activity-types/tool"),
        ("extensions/organization", NAMESPACE + "/extensions/organization"),
        ("extensions/unit", NAMESPACE + "/extensions/unit"),
        ("extensions/platform", NAMESPACE + "/extensions/platform"),
        ("extensions/journey-version", NAMESPACE + "/extensions/journey-version"),
        ("extensions/attempt", NAMESPACE + "/extensions/attempt"),
        ("extensions/text-length", NAMESPACE + "/extensions/text-length"),
        ("extensions/rating-scale", NAMESPACE + "/extensions/rating-scale"),
    ],
)
def test_legacy_iris_map_every_minted_iri_of_profile_1_0_0(old_key: str, new_iri: str) -> None:
    assert legacy_iris(OLD + "/")[f"{P}/{old_key}"] == new_iri


def test_upgrade_statement_maps_the_rated_verb_and_keeps_its_display() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["verb"] == {
        "id": "http://id.tincanapi.com/verb/rated",
        "display": {"en-US": "rated", "sv-SE": "skattade"},
    }


def test_upgrade_statement_maps_the_objects_activity_type() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["object"]["definition"]["type"] == NAMESPACE + "/activity-types/step"


def test_upgrade_statement_maps_the_activity_types_of_context_activities() -> None:
    new = upgrade_statement(old_statement(), OLD)
    types = [a["definition"]["type"] for a in new["context"]["contextActivities"]["grouping"]]
    assert types == [NAMESPACE + "/activity-types/lms-context", NAMESPACE + "/activity-types/tool"]


def test_upgrade_statement_names_the_profile_version_as_category() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["context"]["contextActivities"]["category"] == [
        {"objectType": "Activity", "id": VERSION_IRI, "definition": {"type": PROFILE_ACTIVITY_TYPE}}
    ]


def test_upgrade_statement_maps_the_context_extension_keys_and_keeps_their_values() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["context"]["extensions"] == {
        NAMESPACE + "/extensions/organization": {"id": 1, "slug": "norrstad", "name": "N"},
        NAMESPACE + "/extensions/unit": {"id": 5, "name": "Norrskolan"},
        NAMESPACE + "/extensions/platform": {"issuer": "https://lms", "client_id": "c"},
        NAMESPACE + "/extensions/journey-version": 2,
    }


def test_upgrade_statement_maps_the_result_extension_keys() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["result"]["extensions"] == {
        NAMESPACE + "/extensions/rating-scale": {"level": 3, "source": "self"},
        NAMESPACE + "/extensions/attempt": 2,
        NAMESPACE + "/extensions/text-length": 120,
    }


def test_upgrade_statement_maps_activity_definition_extension_keys() -> None:
    old = old_statement()
    old["object"]["definition"]["extensions"] = {P + "/extensions/journey-version": 1}
    new = upgrade_statement(old, OLD)
    assert new["object"]["definition"]["extensions"] == {
        NAMESPACE + "/extensions/journey-version": 1
    }


def test_upgrade_statement_derives_its_id_from_the_old_one() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert new["id"] == str(uuid.uuid5(REPLAY_NAMESPACE, OLD_ID.lower()))
    assert upgrade_statement(old_statement(), OLD)["id"] == new["id"]


def test_upgrade_statement_leaves_out_what_the_lrs_assigned_and_keeps_the_timestamp() -> None:
    new = upgrade_statement(old_statement(), OLD)
    assert {"stored", "authority", "version"}.isdisjoint(new)
    assert new["timestamp"] == "2026-11-30T10:15:00.000Z"


def test_upgrade_statement_keeps_activity_ids_and_the_registration() -> None:
    old = old_statement()
    new = upgrade_statement(old, OLD)
    assert new["object"]["id"] == old["object"]["id"]
    assert new["context"]["registration"] == old["context"]["registration"]
    assert (
        new["context"]["contextActivities"]["parent"]
        == old["context"]["contextActivities"]["parent"]
    )


def test_upgrade_statement_does_not_change_the_old_statement() -> None:
    old = old_statement()
    before = copy.deepcopy(old)
    upgrade_statement(old, OLD)
    assert old == before


def test_upgrade_statement_refuses_an_iri_profile_1_0_0_never_had() -> None:
    old = old_statement()
    old["result"]["extensions"][P + "/extensions/mood"] = "glad"
    with pytest.raises(LegacyIriError):
        upgrade_statement(old, OLD)


def test_upgrade_statement_leaves_iris_of_another_base_url_alone() -> None:
    new = upgrade_statement(old_statement(), "https://other.example.se")
    assert new["verb"]["id"] == P + "/verbs/rated"


def test_carries_legacy_iris_finds_the_old_iris() -> None:
    assert carries_legacy_iris(old_statement(), OLD)


def test_carries_legacy_iris_is_false_for_an_upgraded_statement() -> None:
    assert not carries_legacy_iris(upgrade_statement(old_statement(), OLD), OLD)


def test_voiding_statement_voids_the_old_id_by_reference() -> None:
    actor = {"objectType": "Agent", "account": {"homePage": OLD, "name": "lti-journeys"}}
    voiding = voiding_statement(OLD_ID, actor)
    assert voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": OLD_ID.lower()}
    assert voiding["actor"] == actor
    assert voiding["id"] == voiding_statement(OLD_ID, actor)["id"] != OLD_ID.lower()
