"""The building blocks of the profile: its namespaces and the ``Concept`` every entry is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "https://w3id.org/xapi/lti-journeys"
PROFILE_VERSION = "2.1"
VERSION_IRI = f"{NAMESPACE}/v{PROFILE_VERSION}"
# A school unit with a skolenhetskod (national, 8 digits) is the activity SCHOOL_UNITS + code in
# every installation; without one it is minted under the installation's base URL.
SCHOOL_UNITS = f"{NAMESPACE}/school-units/"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"
# The first version minted its IRIs under each installation's base URL (``BASE/xapi/profile``);
# ``lti-journeys xapi replay`` rewrites statements stored with them (see docs/xapi-profile.md).
LEGACY_PROFILE_PATH = "/xapi/profile"

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_VERB_W3ID = "https://w3id.org/xapi/adl/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
TINCAN_VERB = "http://id.tincanapi.com/verb/"
ACTIVITY_STREAMS = "http://activitystrea.ms/schema/1.0/"
CMI5_RESULT = "https://w3id.org/xapi/cmi5/result/extensions/"
TINCAN_ACTIVITY = "http://id.tincanapi.com/activitytype/"

STRING = {"type": "string"}
NAMED = {"type": ["string", "null"], "maxLength": 300}


@dataclass(frozen=True)
class Concept:
    """A verb, activity type or extension of the profile.

    ``kind`` is the xAPI Profiles concept type (``Verb``, ``ActivityType``, ``ContextExtension``,
    ``ResultExtension`` or ``ActivityExtension``); ``schema`` is the JSON Schema of an
    extension's value, published as its ``inlineSchema``.
    """

    key: str
    kind: str
    iri: str
    en: str
    sv: str
    definition: str
    schema: dict[str, Any] | None = field(default=None, compare=False)

    def display(self) -> dict[str, str]:
        return {"en-US": self.en, "sv-SE": self.sv}

    @property
    def own(self) -> bool:
        """Whether the concept is minted (and so described and resolved) by this profile."""
        return self.iri.startswith(NAMESPACE + "/")


def verb_concept(key: str, iri: str, en: str, sv: str, definition: str) -> Concept:
    return Concept(key, "Verb", iri, en, sv, definition)


def type_concept(key: str, iri: str, en: str, sv: str, definition: str) -> Concept:
    return Concept(key, "ActivityType", iri, en, sv, definition)


def extension_concept(
    key: str, kind: str, iri: str, en: str, sv: str, definition: str, schema: dict[str, Any]
) -> Concept:
    return Concept(key, kind, iri, en, sv, definition, schema)
