"""Our xAPI profile: the verbs, activity types and extensions every statement of the tool uses.

IRIs of ADL and cmi5 are used where they exist; the rest are minted under the profile's own IRI,
``<base URL>/xapi/profile``, where the profile is served as a JSON-LD xAPI Profile document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_VERB_W3ID = "https://w3id.org/xapi/adl/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
PROFILE_VERSION = "1.0.0"
RESULT_EXTENSIONS = ("progress", "rating-scale", "attempt", "text-length", "reason")


@dataclass(frozen=True)
class Concept:
    """A verb, activity type or extension of the profile."""

    key: str
    iri: str
    en: str
    sv: str
    definition: str

    def display(self) -> dict[str, str]:
        return {"en-US": self.en, "sv-SE": self.sv}


def _verb(key: str, iri: str, en: str, sv: str, definition: str) -> Concept:
    return Concept(key, iri, en, sv, definition)


class Profile:
    """The profile for one deployment of the tool (its IRIs live under the tool's base URL)."""

    def __init__(self, base_url: str) -> None:
        self.iri = base_url.rstrip("/") + "/xapi/profile"
        own = self.iri + "/"
        self.verbs: dict[str, Concept] = {
            c.key: c
            for c in (
                _verb(
                    "launched",
                    ADL_VERB + "launched",
                    "launched",
                    "startade",
                    "The learner opened the tool from the learning platform.",
                ),
                _verb(
                    "initialized",
                    ADL_VERB + "initialized",
                    "initialized",
                    "påbörjade",
                    "The learner began a journey (first opening of an enrollment).",
                ),
                _verb(
                    "experienced",
                    ADL_VERB + "experienced",
                    "experienced",
                    "tog del av",
                    "The learner viewed a content step.",
                ),
                _verb(
                    "answered",
                    ADL_VERB + "answered",
                    "answered",
                    "besvarade",
                    "The learner answered a question of a knowledge check.",
                ),
                _verb(
                    "attempted",
                    ADL_VERB + "attempted",
                    "attempted",
                    "försökte",
                    "The learner submitted an attempt at a knowledge check or task.",
                ),
                _verb(
                    "completed",
                    ADL_VERB + "completed",
                    "completed",
                    "slutförde",
                    "The learner met the completion rule of a step, section or journey.",
                ),
                _verb(
                    "passed",
                    ADL_VERB + "passed",
                    "passed",
                    "klarade",
                    "The learner reached the mastery score of a knowledge check.",
                ),
                _verb(
                    "failed",
                    ADL_VERB + "failed",
                    "failed",
                    "klarade inte",
                    "The learner did not reach the mastery score of a knowledge check.",
                ),
                _verb(
                    "commented",
                    ADL_VERB + "commented",
                    "commented",
                    "kommenterade",
                    "The learner wrote a reflection, or an instructor answered one.",
                ),
                _verb(
                    "attended",
                    ADL_VERB + "attended",
                    "attended",
                    "närvarade vid",
                    "The learner attended a live session.",
                ),
                _verb(
                    "waived",
                    ADL_VERB_W3ID + "waived",
                    "waived",
                    "fick tillgodoräknat",
                    "A step was waived because the learner rated its goal as mastered.",
                ),
                _verb(
                    "satisfied",
                    ADL_VERB_W3ID + "satisfied",
                    "satisfied",
                    "uppfyllde",
                    "The learner satisfied a goal or sub-goal.",
                ),
                _verb(
                    "progressed",
                    ADL_VERB + "progressed",
                    "progressed",
                    "gick vidare i",
                    "The learner's progress in a journey changed (result.extensions progress).",
                ),
                _verb(
                    "terminated",
                    ADL_VERB + "terminated",
                    "terminated",
                    "avslutade",
                    "The learner left a journey session.",
                ),
                _verb(
                    "rated",
                    own + "verbs/rated",
                    "rated",
                    "skattade",
                    "A self-assessment (or an instructor rating) of a goal on the 4-level scale.",
                ),
            )
        }
        self.activity_types: dict[str, Concept] = {
            c.key: c
            for c in (
                Concept(
                    "journey",
                    ADL_ACTIVITY + "course",
                    "learning journey",
                    "läranderesa",
                    "A competence-development journey (one published version).",
                ),
                Concept(
                    "section",
                    ADL_ACTIVITY + "module",
                    "section",
                    "avsnitt",
                    "A section of a journey.",
                ),
                Concept(
                    "step", own + "activity-types/step", "step", "steg", "A step of a journey."
                ),
                Concept(
                    "question",
                    ADL_ACTIVITY + "cmi.interaction",
                    "question",
                    "fråga",
                    "A question of a knowledge check.",
                ),
                Concept(
                    "goal",
                    ADL_ACTIVITY + "objective",
                    "goal",
                    "mål",
                    "A goal or sub-goal of a journey.",
                ),
                Concept(
                    "lms-context",
                    own + "activity-types/lms-context",
                    "course in the LMS",
                    "kurs i lärplattformen",
                    "The course of the learning platform the tool was launched from.",
                ),
                Concept(
                    "tool",
                    own + "activity-types/tool",
                    "tool",
                    "verktyg",
                    "The tool as opened from a placement in the learning platform.",
                ),
            )
        }
        self.extensions: dict[str, Concept] = {
            c.key: c
            for c in (
                Concept("organization", own + "extensions/organization", "organisation",
                        "huvudman", "The organisation (huvudman): {\"id\": ..., \"slug\": ..., \"name\": ...}."),
                Concept("unit", own + "extensions/unit", "school unit", "skolenhet",
                        "The school unit (skolenhet) of the course, when known: {\"id\": ..., \"name\": ...}."),
                Concept("platform", own + "extensions/platform", "learning platform", "lärplattform",
                        "The LMS: {\"issuer\": ..., \"client_id\": ..., \"deployment_id\": ..., \"product\": ...}."),
                Concept("progress", "https://w3id.org/xapi/cmi5/result/extensions/progress", "progress",
                        "framsteg", "Progress in percent (0-100), as in cmi5."),
                Concept("attempt", own + "extensions/attempt", "attempt", "försök",
                        "The number of the attempt at a knowledge check (1, 2, ...)."),
                Concept("text-length", own + "extensions/text-length", "text length", "textlängd",
                        "Characters in a reflection or comment; the text itself stays in the tool."),
                Concept("reason", "https://w3id.org/xapi/cmi5/result/extensions/reason", "reason",
                        "orsak", "Why a step was waived, as in cmi5 (here: mastered)."),
                Concept("journey-version", own + "extensions/journey-version", "journey version",
                        "version av läranderesan",
                        "The published version (a number) of the journey the learner is enrolled in."),
                Concept("rating-scale", own + "extensions/rating-scale", "rating scale", "skattningsskala",
                        "The level given on the 4-level scale (1-4) and its descriptor."),
            )
        }  # fmt: skip

    def verb(self, key: str) -> dict[str, Any]:
        concept = self.verbs[key]
        return {"id": concept.iri, "display": concept.display()}

    def extension(self, key: str) -> str:
        return self.extensions[key].iri

    def activity_type(self, key: str) -> str:
        return self.activity_types[key].iri

    def category(self) -> dict[str, Any]:
        """The ``contextActivities.category`` entry that marks statements of this profile."""
        return {
            "objectType": "Activity",
            "id": self.iri,
            "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
        }

    def document(self) -> dict[str, Any]:
        """The profile as a JSON-LD xAPI Profile (xAPI Profiles 1.0)."""
        concepts: list[dict[str, Any]] = []
        for concept in self.verbs.values():
            concepts.append(self._concept("Verb", concept))
        for concept in self.activity_types.values():
            if concept.iri.startswith(self.iri):
                concepts.append(self._concept("ActivityType", concept))
        for concept in self.extensions.values():
            kind = "ResultExtension" if concept.key in RESULT_EXTENSIONS else "ContextExtension"
            if concept.iri.startswith(self.iri):
                concepts.append(self._concept(kind, concept))
        version_iri = f"{self.iri}/v{PROFILE_VERSION}"
        return {
            "@context": "https://w3id.org/xapi/profiles/context",
            "id": self.iri,
            "type": "Profile",
            "conformsTo": "https://w3id.org/xapi/profiles#1.0",
            "prefLabel": {"en": "lti-journeys", "sv": "lti-journeys"},
            "definition": {
                "en": "Statements of competence-development journeys recorded by lti-journeys.",
                "sv": "Påståenden om läranderesor för kompetensutveckling, registrerade av lti-journeys.",
            },
            "versions": [
                {
                    "id": version_iri,
                    "generatedAtTime": datetime(2026, 11, 23, tzinfo=UTC).isoformat(),
                }
            ],
            "author": {"type": "Organization", "name": "lti-journeys"},
            "concepts": concepts,
        }

    def _concept(self, kind: str, concept: Concept) -> dict[str, Any]:
        return {
            "id": concept.iri,
            "type": kind,
            "inScheme": f"{self.iri}/v{PROFILE_VERSION}",
            "prefLabel": {"en": concept.en, "sv": concept.sv},
            "definition": {"en": concept.definition},
        }


def init_profile_route(app: Flask, base_url: str) -> None:
    """Serve the profile at its own IRI, so that the IRI resolves."""
    document = Profile(base_url).document()

    @app.get("/xapi/profile")
    def xapi_profile() -> Response:
        response = Response(
            json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/ld+json"
        )
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
