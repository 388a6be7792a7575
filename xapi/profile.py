"""Our xAPI profile: the verbs, activity types and extensions every statement of the tool uses.

Registry IRIs (ADL, cmi5, the Tin Can registry, Activity Streams) are used where they exist; the
rest live in one fixed namespace, :data:`NAMESPACE`, that never depends on the base URL of an
installation, so test, production and several installations feeding one LRS use the same IRIs.
Every installation resolves that namespace: ``<base URL>/xapi/profile/<rest>`` answers for
``NAMESPACE/<rest>`` (see :mod:`xapi.profile_views`), and the permanent identifier redirects there.

Statements name the profile *version* in ``context.contextActivities.category``, as the xAPI
Profiles specification asks (section 5.0), so an analyst can filter on the version a statement
follows. The statement templates and patterns live in :mod:`xapi.profile_templates`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from xapi.profile_collegial import COLLEGIAL_EXTENSIONS, COLLEGIAL_TYPES, COLLEGIAL_VERBS
from xapi.profile_concepts import (
    ACTIVITY_STREAMS,
    ADL_ACTIVITY,
    ADL_VERB,
    ADL_VERB_W3ID,
    CMI5_RESULT,
    LEGACY_PROFILE_PATH,
    NAMESPACE,
    PROFILE_ACTIVITY_TYPE,
    PROFILE_VERSION,
    SCHOOL_UNITS,
    TINCAN_ACTIVITY,
    TINCAN_VERB,
    VERSION_IRI,
    Concept,
)
from xapi.profile_concepts import NAMED as _NAMED
from xapi.profile_concepts import STRING as _STRING
from xapi.profile_concepts import extension_concept as _ext
from xapi.profile_concepts import type_concept as _type
from xapi.profile_concepts import verb_concept as _verb

# Re-exported: the namespace constants are part of this module's interface.
__all__ = [
    "LEGACY_PROFILE_PATH",
    "NAMESPACE",
    "PROFILE",
    "PROFILE_ACTIVITY_TYPE",
    "PROFILE_VERSION",
    "SCHOOL_UNITS",
    "VERSION_IRI",
    "Concept",
    "Profile",
]

VERBS: tuple[Concept, ...] = (
    _verb("launched", ADL_VERB + "launched", "launched", "startade",
          "The person opened the tool from a placement in the learning platform."),
    _verb("initialized", ADL_VERB + "initialized", "initialized", "påbörjade",
          "A learner began a journey: the first opening of an enrollment."),
    _verb("previewed", f"{NAMESPACE}/verbs/previewed", "previewed", "förhandsgranskade",
          "A member of staff (or the platform's test student) opened a journey to see it as a "
          "learner does. Recorded instead of initialized, so previews never count as starts."),
    _verb("experienced", ADL_VERB + "experienced", "experienced", "tog del av",
          "The learner viewed a content step."),
    _verb("answered", ADL_VERB + "answered", "answered", "besvarade",
          "The learner answered a question of a knowledge check."),
    _verb("attempted", ADL_VERB + "attempted", "attempted", "försökte",
          "The learner submitted evidence for a practice task, or evidence from practice in a "
          "collegial cycle."),
    _verb("completed", ADL_VERB + "completed", "completed", "slutförde",
          "The learner met the completion rule of a step or a journey, or a phase of a "
          "collegial cycle was done (by a member, or by the group)."),
    _verb("passed", ADL_VERB + "passed", "passed", "klarade",
          "The learner reached the mastery score of a knowledge check."),
    _verb("failed", ADL_VERB + "failed", "failed", "klarade inte",
          "The learner did not reach the mastery score of a knowledge check."),
    _verb("commented", ADL_VERB + "commented", "commented", "kommenterade",
          "The learner wrote (or changed) a reflection, or their individual reflection in a "
          "collegial cycle's preparation."),
    _verb("replied", TINCAN_VERB + "replied", "replied", "svarade",
          "A message in the dialogue on a reflection (by an instructor or by the learner), or a "
          "comment on an entry of a group's logbook (by a member or a facilitator)."),
    _verb("attended", ADL_VERB + "attended", "attended", "närvarade vid",
          "The person attended an occurrence of a live session (result.duration: its length; "
          "context extension session: self check-in or marked by the facilitator)."),
    _verb("waived", ADL_VERB_W3ID + "waived", "waived", "fick tillgodoräknat",
          "A step was waived because the learner rated its goals as mastered (only under the "
          "journey's waive policy)."),
    _verb("satisfied", ADL_VERB_W3ID + "satisfied", "satisfied", "uppfyllde",
          "Every required step of a goal (and of its sub-goals) is done or waived."),
    _verb("progressed", ADL_VERB + "progressed", "progressed", "gick vidare i",
          "The learner's progress in a journey changed (result extension progress)."),
    _verb("suspended", ADL_VERB + "suspended", "suspended", "pausade",
          "The learner left an unfinished journey's pages (result.duration: time on them)."),
    _verb("terminated", ADL_VERB + "terminated", "terminated", "avslutade",
          "The learner left a finished journey's pages (result.duration: time on them)."),
    _verb("rated", TINCAN_VERB + "rated", "rated", "skattade",
          "A self-assessment (or an instructor's rating) of a goal on the 4-level scale."),
    _verb("assigned", ACTIVITY_STREAMS + "assign", "assigned", "tilldelade",
          "A journey was assigned to the organisation, a school unit or a person, or a person "
          "chose it for themselves (context extension assignment)."),
    _verb("registered", ADL_VERB + "registered", "registered", "registrerades i",
          "The person is a member of the course in the learning platform (its roster), or "
          "signed up for an occurrence of a live session (a place, or the waiting list)."),
    _verb("left", ACTIVITY_STREAMS + "leave", "left", "lämnade",
          "The person is no longer a member of the course in the learning platform, or left a "
          "group of colleagues."),
    _verb("created", ACTIVITY_STREAMS + "create", "created", "satte upp",
          "A leader set a goal of the organisation or of a school unit (goal set)."),
    _verb("updated", ACTIVITY_STREAMS + "update", "updated", "ändrade",
          "A leader changed a goal of the organisation or of a school unit (goal changed)."),
    _verb("deleted", ACTIVITY_STREAMS + "delete", "deleted", "tog bort",
          "A leader removed a goal of the organisation or of a school unit, with its sub-goals."),
    _verb("responded", ADL_VERB + "responded", "responded", "svarade på",
          "The person submitted (or changed) their response to a round of a needs-mapping "
          "survey (behovskartläggning)."),
    _verb("followed", f"{NAMESPACE}/verbs/followed-recommendation", "followed a recommendation "
          "to", "följde en rekommendation till",
          "The person opened a journey recommended to them for their largest competence gaps "
          "(the personal path after a needs-mapping survey)."),
    _verb("agreed", ACTIVITY_STREAMS + "agree", "agreed", "kom överens om",
          "The employee and the manager have both agreed to a version of an individual "
          "development plan (the actor is the employee; context extension plan)."),
    _verb("set", f"{NAMESPACE}/verbs/set", "set", "satte upp",
          "An individual goal of a development plan was added or changed (context extension "
          "plan-goal); the actor is who made the change, the employee or the manager."),
)  # fmt: skip

ACTIVITY_TYPES: tuple[Concept, ...] = (
    _type("journey", ADL_ACTIVITY + "course", "learning journey", "läranderesa",
          "A competence-development journey."),
    _type("section", ADL_ACTIVITY + "module", "section", "avsnitt", "A section of a journey."),
    _type("step", f"{NAMESPACE}/activity-types/step", "step", "steg",
          "A step of a journey: content, reflection, knowledge check or practice task."),
    _type("question", ADL_ACTIVITY + "cmi.interaction", "question", "fråga",
          "A question of a knowledge check."),
    _type("goal", ADL_ACTIVITY + "objective", "goal", "mål", "A goal or sub-goal of a journey."),
    _type("lms-context", f"{NAMESPACE}/activity-types/lms-context", "course in the LMS",
          "kurs i lärplattformen", "The course of the learning platform the tool was opened in."),
    _type("tool", f"{NAMESPACE}/activity-types/tool", "tool", "verktyg",
          "The tool as opened from a placement (resource link) in the learning platform."),
    _type("school-unit", f"{NAMESPACE}/activity-types/school-unit", "school unit", "skolenhet",
          "A school unit (skolenhet) of an organisation; identified by its skolenhetskod when "
          "the organisation has set it."),
    _type("organization", f"{NAMESPACE}/activity-types/organization", "organisation",
          "huvudman", "The organisation (huvudman) responsible for the staff's development."),
    _type("development-plan", f"{NAMESPACE}/activity-types/development-plan",
          "individual development plan", "individuell utvecklingsplan",
          "An employee's development plan, agreed with their manager (often in the yearly "
          "development talk, medarbetarsamtal)."),
    _type("individual-goal", f"{NAMESPACE}/activity-types/individual-goal", "individual goal",
          "individuellt mål", "A goal of an individual development plan; it keeps its IRI "
          "across the plan's versions."),
    _type("competence-goal", f"{NAMESPACE}/activity-types/competence-goal",
          "organisation or unit goal", "mål för huvudman eller skolenhet",
          "A goal (or sub-goal) the organisation or a school unit sets for its staff's "
          "competence: a share of the staff at a level of a competence by a date."),
    _type("competence", f"{NAMESPACE}/activity-types/competence", "competence", "kompetens",
          "A competence of a competency framework (for example DigCompEdu), identified by its "
          "own IRI."),
    _type("survey", TINCAN_ACTIVITY + "survey", "survey", "enkät",
          "A needs-mapping survey: a self-assessment against a competency framework."),
    _type("survey-round", f"{NAMESPACE}/activity-types/survey-round", "survey round",
          "enkätomgång", "One round (period of answering) of a needs-mapping survey; later "
          "rounds of the same survey measure change."),
)  # fmt: skip

_ORG_SCHEMA = {
    "type": "object",
    "required": ["id", "slug"],
    "properties": {"id": {"type": "integer"}, "slug": _STRING, "name": _NAMED},
}
_UNIT_SCHEMA = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "integer"},
        "name": _NAMED,
        "code": {"type": ["string", "null"], "pattern": "^[0-9]{8}$"},
    },
}
_PLATFORM_SCHEMA = {
    "type": "object",
    "required": ["issuer", "client_id"],
    "properties": {
        "issuer": _STRING,
        "client_id": _STRING,
        "deployment_id": {"type": ["string", "null"]},
        "product": {"type": ["string", "null"]},
    },
}
_ROLE_SCHEMA = {
    "type": "object",
    "required": ["role", "preview"],
    "properties": {
        "role": {"enum": ["learner", "instructor", "content_developer", "admin", "system"]},
        "lis": {"type": "array", "items": _STRING},
        "preview": {"type": "boolean"},
    },
}
_JOURNEY_SCHEMA = {
    "type": "object",
    "required": ["slug"],
    "properties": {
        "slug": _STRING,
        "key": _STRING,
        "origin": {"type": ["string", "null"], "format": "iri"},
        "origin_slug": {"type": ["string", "null"]},
    },
}
_ASSIGNMENT_SCHEMA = {
    "type": "object",
    "required": ["level"],
    "properties": {
        "level": {"enum": ["organization", "unit", "individual", "self-chosen"]},
        "due": {"type": ["string", "null"], "format": "date-time"},
        "id": {"type": ["integer", "null"]},
        "goal": {"type": ["string", "null"]},
    },
}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_GOAL_SCHEMA = {
    "type": "object",
    "required": ["key", "level"],
    "properties": {
        "key": _STRING,
        "level": {"enum": ["organization", "unit"]},
        "parent": {"type": ["string", "null"]},
        "serves": {"type": ["string", "null"]},
        "target": {
            "type": ["object", "null"],
            "required": ["competence", "level", "share"],
            "properties": {
                "competence": {"type": "string", "format": "iri"},
                "level": {"type": "integer", "minimum": 1},
                "share": {"type": "integer", "minimum": 1, "maximum": 100},
            },
        },
        "starts": _NULLABLE_DATE,
        "ends": _NULLABLE_DATE,
        "changed": {"type": "array", "items": _STRING},
    },
}
_RATING_SCHEMA = {
    "type": "object",
    "required": ["level", "source"],
    "properties": {
        "level": {"type": "integer", "minimum": 1, "maximum": 4},
        "descriptor": _STRING,
        "source": {"enum": ["self", "instructor"]},
        "phase": {"enum": ["start", "end"]},
    },
}
_STEPS_SCHEMA = {
    "type": "object",
    "required": ["done", "waived", "total"],
    "properties": {
        "done": {"type": "integer", "minimum": 0},
        "waived": {"type": "integer", "minimum": 0},
        "total": {"type": "integer", "minimum": 0},
    },
}
_COUNT = {"type": "integer", "minimum": 0}
_SURVEY_SCHEMA = {
    "type": "object",
    "required": ["key", "round", "scope", "framework"],
    "properties": {
        "key": _STRING,
        "round": {"type": "integer", "minimum": 1},
        "scope": {"enum": ["organization", "unit"]},
        "framework": {"type": "string", "format": "iri"},
        "changed": {"type": "boolean"},
    },
}
_LEVEL_SCHEMA = {
    "type": "object",
    "required": ["level", "top"],
    "properties": {
        "level": {"type": "integer", "minimum": 0},
        "top": {"type": "integer", "minimum": 1},
        "code": {"type": ["string", "null"]},
    },
}
_RECOMMENDATION_SCHEMA = {
    "type": "object",
    "required": ["rank", "gap"],
    "properties": {
        "rank": {"type": "integer", "minimum": 1},
        "gap": {"type": "integer", "minimum": 1},
        "competences": {"type": "array", "items": {"type": "string", "format": "iri"}},
    },
}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_PLAN_SCHEMA = {
    "type": "object",
    "required": ["key", "version"],
    "properties": {
        "key": _STRING,
        "version": {"type": "integer", "minimum": 1},
        "deadline": _DATE_OR_NULL,
        "goals": _COUNT,
        "journeys": _COUNT,
        "employee_agreed": {"type": "string", "format": "date-time"},
        "manager_agreed": {"type": "string", "format": "date-time"},
    },
}
_PLAN_GOAL_SCHEMA = {
    "type": "object",
    "required": ["change"],
    "properties": {
        "change": {"enum": ["added", "changed"]},
        "target_level": {"type": ["integer", "null"], "minimum": 1},
        "due": _DATE_OR_NULL,
    },
}

EXTENSIONS: tuple[Concept, ...] = (
    _ext("organization", "ContextExtension", f"{NAMESPACE}/extensions/organization",
         "organisation", "huvudman",
         'The organisation (huvudman): {"id": 3, "slug": "norrstad", "name": "Norrstads kommun"}.',
         _ORG_SCHEMA),
    _ext("unit", "ContextExtension", f"{NAMESPACE}/extensions/unit", "school unit", "skolenhet",
         'The school unit (skolenhet) of the course, when known: {"id": 5, "name": "Norrskolan", '
         '"code": "12345678"} (code: the skolenhetskod, when set). The unit is also a grouping '
         "activity.", _UNIT_SCHEMA),
    _ext("platform", "ContextExtension", f"{NAMESPACE}/extensions/platform",
         "learning platform", "lärplattform",
         "The LMS and the tool's placement in it: issuer, client_id, deployment_id, product.",
         _PLATFORM_SCHEMA),
    _ext("role", "ContextExtension", f"{NAMESPACE}/extensions/role", "role", "roll",
         "The actor's role where they acted: the tool's role (learner, instructor, ...), the "
         "LIS role IRIs of their latest launch in the course, and whether the statement belongs "
         "to a preview by staff or a test student.", _ROLE_SCHEMA),
    _ext("journey", "ContextExtension", f"{NAMESPACE}/extensions/journey", "journey", "läranderesa",
         "The journey's identity across organisations: its slug and key, and the activity IRI "
         "(and slug) of the library journey it was copied from.", _JOURNEY_SCHEMA),
    _ext("journey-version", "ContextExtension", f"{NAMESPACE}/extensions/journey-version",
         "journey version", "version av läranderesan",
         "The published version (a number) of the journey the enrollment follows.",
         {"type": "integer", "minimum": 1}),
    _ext("assignment", "ContextExtension", f"{NAMESPACE}/extensions/assignment", "assignment",
         "tilldelning", "At which level a journey was assigned (organization, unit, individual) "
         "or that the person chose it (self-chosen), with the due date when set.",
         _ASSIGNMENT_SCHEMA),
    _ext("competence-goal", "ContextExtension", f"{NAMESPACE}/extensions/competence-goal",
         "goal", "mål",
         "An organisation or unit goal: its key, level, the keys of its parent and of the "
         "organisation goal it serves, its target (competence IRI, level 1..n of the framework, "
         "share of the staff in %), its dates and, when changed, the names of what changed.",
         _GOAL_SCHEMA),
    _ext("progress", "ResultExtension", CMI5_RESULT + "progress", "progress", "framsteg",
         "Progress in percent (0-100), as in cmi5.", {"type": "integer", "minimum": 0,
                                                      "maximum": 100}),
    _ext("reason", "ResultExtension", CMI5_RESULT + "reason", "reason", "orsak",
         "Why a step was waived, as in cmi5 (here: mastered).", {"enum": ["mastered"]}),
    _ext("attempt", "ResultExtension", f"{NAMESPACE}/extensions/attempt", "attempt", "försök",
         "The number of the attempt at a knowledge check (1, 2, ...).",
         {"type": "integer", "minimum": 1}),
    _ext("text-length", "ResultExtension", f"{NAMESPACE}/extensions/text-length", "text length",
         "textlängd", "Characters in a reflection or message; the text itself stays in the tool.",
         _COUNT),
    _ext("rating-scale", "ResultExtension", f"{NAMESPACE}/extensions/rating-scale",
         "rating scale", "skattningsskala",
         "The level given on the 4-level scale, its descriptor, who rated (self or instructor) "
         "and, for a self-assessment, its phase (start or end).", _RATING_SCHEMA),
    _ext("steps", "ResultExtension", f"{NAMESPACE}/extensions/steps", "steps", "steg",
         "How the journey's steps were met when it was completed: done, waived, and in all.",
         _STEPS_SCHEMA),
    _ext("competency", "ActivityExtension", f"{NAMESPACE}/extensions/competency", "competency",
         "kompetens", "The competency (for example a CASE item or DigCompEdu IRI) a goal "
         "develops.", {"type": "string", "format": "iri"}),
    _ext("school-unit-code", "ActivityExtension", f"{NAMESPACE}/extensions/school-unit-code",
         "school unit code", "skolenhetskod",
         "The Swedish skolenhetskod (8 digits) of a school unit activity.",
         {"type": "string", "pattern": "^[0-9]{8}$"}),
    _ext("survey", "ContextExtension", f"{NAMESPACE}/extensions/survey", "survey", "enkät",
         "The needs-mapping survey and round: the survey's key, the round's number, its scope "
         "(organization or unit), the framework's IRI, and whether the response was changed.",
         _SURVEY_SCHEMA),
    _ext("competence-level", "ResultExtension", f"{NAMESPACE}/extensions/competence-level",
         "competence level", "kompetensnivå",
         "A self-assessed level in a competence: 0 (not yet at the first level) or the 1-based "
         "position of the framework's level, the framework's top level, and the level's code.",
         _LEVEL_SCHEMA),
    _ext("recommendation", "ContextExtension", f"{NAMESPACE}/extensions/recommendation",
         "recommendation", "rekommendation",
         "Why a journey was recommended: its rank in the personal path, the largest gap "
         "(target level minus own level) it serves, and the IRIs of the competences it serves.",
         _RECOMMENDATION_SCHEMA),
    _ext("plan", "ContextExtension", f"{NAMESPACE}/extensions/plan", "development plan",
         "utvecklingsplan", "The individual development plan and its version: key, version "
         "number and deadline; on agreed also its numbers of goals and journeys and when each "
         "party agreed.", _PLAN_SCHEMA),
    _ext("plan-goal", "ContextExtension", f"{NAMESPACE}/extensions/plan-goal",
         "individual goal", "individuellt mål",
         "How an individual goal was set: added or changed, its target level (1-based position "
         "in the framework's levels) and due date.", _PLAN_GOAL_SCHEMA),
)  # fmt: skip

# Group work: groups, live sessions, collegial cycles (``xapi.profile_collegial``).
VERBS = (*VERBS, *COLLEGIAL_VERBS)
ACTIVITY_TYPES = (*ACTIVITY_TYPES, *COLLEGIAL_TYPES)
EXTENSIONS = (*EXTENSIONS, *COLLEGIAL_EXTENSIONS)


class Profile:
    """The profile's concepts by key, and its JSON-LD document."""

    def __init__(self) -> None:
        self.iri = NAMESPACE
        self.version_iri = VERSION_IRI
        self.verbs = {c.key: c for c in VERBS}
        self.activity_types = {c.key: c for c in ACTIVITY_TYPES}
        self.extensions = {c.key: c for c in EXTENSIONS}

    def verb(self, key: str) -> dict[str, Any]:
        concept = self.verbs[key]
        return {"id": concept.iri, "display": concept.display()}

    def extension(self, key: str) -> str:
        return self.extensions[key].iri

    def activity_type(self, key: str) -> str:
        return self.activity_types[key].iri

    def category(self) -> dict[str, Any]:
        """The ``contextActivities.category`` entry: the profile version, typed as a profile."""
        return {
            "objectType": "Activity",
            "id": self.version_iri,
            "definition": {"type": PROFILE_ACTIVITY_TYPE},
        }

    def concepts(self) -> list[Concept]:
        return [*VERBS, *ACTIVITY_TYPES, *EXTENSIONS]

    def own_concepts(self) -> dict[str, Concept]:
        """The concepts minted in the namespace, by their IRI (what the namespace resolves)."""
        return {c.iri: c for c in self.concepts() if c.own}

    def concept_document(self, concept: Concept) -> dict[str, Any]:
        """One concept as the profile describes it (xAPI Profiles 1.0, section 7)."""
        document: dict[str, Any] = {
            "id": concept.iri,
            "type": concept.kind,
            "inScheme": self.version_iri,
            "prefLabel": {"en": concept.en, "sv": concept.sv},
            "definition": {"en": concept.definition},
        }
        if concept.schema is not None:
            document["inlineSchema"] = _json_text(concept.schema)
        return document

    def document(self) -> dict[str, Any]:
        """The profile as a JSON-LD xAPI Profile (xAPI Profiles 1.0)."""
        from xapi.profile_templates import patterns, templates

        own = [self.concept_document(c) for c in self.concepts() if c.own]
        # Registry extensions are described too (with their schemas), as the spec allows for
        # concepts this profile uses from elsewhere; verbs and types of registries are not.
        borrowed = [
            self.concept_document(c) for c in EXTENSIONS if not c.own and c.schema is not None
        ]
        for item in borrowed:
            item["inScheme"] = self.version_iri
        return {
            "@context": "https://w3id.org/xapi/profiles/context",
            "id": self.iri,
            "type": "Profile",
            "conformsTo": "https://w3id.org/xapi/profiles#1.0",
            "prefLabel": {"en": "lti-journeys", "sv": "lti-journeys"},
            "definition": {
                "en": "Statements of competence-development journeys recorded by lti-journeys.",
                "sv": "Påståenden om läranderesor för kompetensutveckling, registrerade av "
                "lti-journeys.",
            },
            "versions": [
                {
                    "id": self.version_iri,
                    "wasRevisionOf": [f"{NAMESPACE}/v2.0"],
                    "generatedAtTime": datetime(2026, 12, 8, tzinfo=UTC).isoformat(),
                },
                {
                    "id": f"{NAMESPACE}/v2.0",
                    "wasRevisionOf": [f"{NAMESPACE}/v1.0.0"],
                    "generatedAtTime": datetime(2026, 12, 7, tzinfo=UTC).isoformat(),
                },
                {
                    "id": f"{NAMESPACE}/v1.0.0",
                    "generatedAtTime": datetime(2026, 11, 23, tzinfo=UTC).isoformat(),
                },
            ],
            "author": {"type": "Organization", "name": "lti-journeys"},
            "concepts": own + borrowed,
            "templates": templates(self),
            "patterns": patterns(self),
        }


def _json_text(schema: dict[str, Any]) -> str:
    return json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", **schema})


PROFILE = Profile()
