"""Statement templates and patterns of the profile (xAPI Profiles 1.0, sections 8 and 9).

One template per kind of statement the tool records. The determining properties (verb, object
activity type, the activity types that must be in ``contextActivities``) tell the kinds apart; the
rules say what each kind carries. ``docs/xapi-profile.md`` explains them for analysts, and the test
suite checks every statement the tool records against them (``xapi.profile_validation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xapi.profile import NAMESPACE, PROFILE_ACTIVITY_TYPE

if TYPE_CHECKING:
    from xapi.profile import Profile

TEMPLATE_BASE = f"{NAMESPACE}/templates/"
PATTERN_BASE = f"{NAMESPACE}/patterns/"


@dataclass(frozen=True)
class Template:
    """A template before its IRIs are filled in from the profile's concept keys."""

    key: str
    verb: str
    object_type: str
    family: str
    label: str
    definition: str
    rules: tuple[dict[str, Any], ...] = ()
    grouping: tuple[str, ...] = ()
    parent: tuple[str, ...] = ()


def _r(location: str, presence: str | None = None, **values: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"location": location}
    if presence:
        rule["presence"] = presence
    rule.update(values)
    return rule


def _ext(where: str, key: str) -> str:
    # Filled in with the extension's IRI by ``_rules``.
    return f"$.{where}.extensions[{{{key}}}]"


_STEP_GOALS = _r("$.context.contextActivities.other[*].definition.type", all=["{type:goal}"])
_GOAL_PARENT = _r(
    "$.context.contextActivities.parent[*].definition.type",
    "included",
    all=["{type:journey}", "{type:goal}"],
)
_NO_TEXT = _r("$.result.response", "excluded")
_TEAM = _r("$.context.team.member[*]", "included")
_GROUP = _r(_ext("context", "group"), "included")
_PHASE = _r(_ext("context", "cycle-phase"), "included")
_SESSION = _r(_ext("context", "session"), "included")

TEMPLATES: tuple[Template, ...] = (
    Template("launched", "launched", "tool", "launch", "Launch",
             "The person opened the tool from a placement in the learning platform."),
    Template("initialized", "initialized", "journey", "enrollment", "Journey started",
             "A learner opened a journey for the first time in this enrollment.",
             (_r("$.result", "excluded"),), grouping=("journey",)),
    Template("previewed", "previewed", "journey", "enrollment", "Journey previewed",
             "Staff or a test student opened a journey for the first time in this enrollment.",
             (_r("$.result", "excluded"),
              _r(_ext("context", "role") + ".preview", "included", all=[True])),
             grouping=("journey",)),
    Template("self-rated", "rated", "goal", "enrollment", "Goal rated",
             "A rating of a goal on the 4-level scale, by the learner (self-assessment at the "
             "start or end) or by an instructor.",
             (_GOAL_PARENT,
              _r("$.result.score.raw", "included"),
              _r("$.result.score.min", "included", all=[1]),
              _r("$.result.score.max", "included", all=[4]),
              _r(_ext("result", "rating-scale"), "included")),
             grouping=("journey",)),
    Template("step-waived", "waived", "step", "enrollment", "Step waived",
             "A step not yet begun whose goals the learner rated as mastered (waive policy).",
             (_r("$.result.completion", "included", all=[True]),
              _r(_ext("result", "reason"), "included", all=["mastered"]), _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("step-experienced", "experienced", "step", "enrollment", "Content viewed",
             "The learner opened a content step.", (_STEP_GOALS,),
             grouping=("journey",), parent=("section",)),
    Template("step-completed", "completed", "step", "enrollment", "Step completed",
             "The learner met the completion rule of a step.",
             (_r("$.result.completion", "included", all=[True]),
              _r("$.result.duration", "recommended"), _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("reflection-written", "commented", "step", "enrollment", "Reflection written",
             "The learner wrote or changed a reflection; only its length is recorded.",
             (_r(_ext("result", "text-length"), "included"), _NO_TEXT, _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("reflection-replied", "replied", "step", "enrollment", "Reply on a reflection",
             "A message in the dialogue on a reflection, by an instructor or the learner; only its "
             "length is recorded.",
             (_r(_ext("result", "text-length"), "included"), _NO_TEXT, _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("question-answered", "answered", "question", "enrollment", "Question answered",
             "The learner's answer to one question of a knowledge check.",
             (_r("$.result.response", "included"),
              _r("$.result.success", "included"),
              _r("$.object.definition.interactionType", "included",
                 any=["choice", "true-false", "numeric"]),
              _r("$.object.definition.correctResponsesPattern", "recommended"),
              _STEP_GOALS),
             grouping=("journey",), parent=("step",)),
    Template("check-passed", "passed", "step", "enrollment", "Knowledge check passed",
             "An attempt at a knowledge check reached its mastery score.",
             (_r("$.result.score.scaled", "included"),
              _r("$.result.success", "included", all=[True]),
              _r(_ext("result", "attempt"), "included"), _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("check-failed", "failed", "step", "enrollment", "Knowledge check failed",
             "An attempt at a knowledge check stayed below its mastery score.",
             (_r("$.result.score.scaled", "included"),
              _r("$.result.success", "included", all=[False]),
              _r(_ext("result", "attempt"), "included"), _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("evidence-submitted", "attempted", "step", "enrollment", "Evidence submitted",
             "The learner submitted evidence for a practice task: text, a link or a file.",
             (_r("$.result.response", "included", any=["text", "link", "file"]), _STEP_GOALS),
             grouping=("journey",), parent=("section",)),
    Template("journey-progressed", "progressed", "journey", "enrollment", "Progress changed",
             "The share of the journey done changed.",
             (_r(_ext("result", "progress"), "included"),), grouping=("journey",)),
    Template("goal-satisfied", "satisfied", "goal", "enrollment", "Goal satisfied",
             "Every required step of a goal (and of its sub-goals) is done or waived.",
             (_GOAL_PARENT,), grouping=("journey",)),
    Template("journey-completed", "completed", "journey", "enrollment", "Journey completed",
             "Every required step of the journey is done or waived; the result says how many of "
             "each.",
             (_r("$.result.completion", "included", all=[True]),
              _r(_ext("result", "steps"), "included")), grouping=("journey",)),
    Template("journey-suspended", "suspended", "journey", "enrollment", "Left unfinished",
             "The learner left the pages of an unfinished journey; the duration is the visit's.",
             (_r("$.result.duration", "included"),), grouping=("journey",)),
    Template("journey-terminated", "terminated", "journey", "enrollment", "Left finished",
             "The learner left the pages of a completed journey; the duration is the visit's.",
             (_r("$.result.duration", "included"),), grouping=("journey",)),
    Template("journey-assigned", "assigned", "journey", "assignment", "Journey assigned",
             "A journey was assigned to the organisation, a school unit or a person, or chosen "
             "by a person for themselves."),
    Template("goal-set", "created", "competence-goal", "goal", "Goal set",
             "A leader set an organisation or unit goal (a goal or a sub-goal)."),
    Template("goal-changed", "updated", "competence-goal", "goal", "Goal changed",
             "A leader changed an organisation or unit goal; the extension names what changed.",
             (_r(_ext("context", "competence-goal") + ".changed", "included"),)),
    Template("goal-removed", "deleted", "competence-goal", "goal", "Goal removed",
             "A leader removed an organisation or unit goal (its sub-goals went with it)."),
    Template("course-member", "registered", "lms-context", "roster", "Course member",
             "The person is in the course's roster in the learning platform."),
    Template("course-left", "left", "lms-context", "roster", "Left the course",
             "The person is no longer in the course's roster."),
    Template("survey-responded", "responded", "survey-round", "survey", "Survey answered",
             "A person submitted or changed their response to a round of a needs-mapping survey; "
             "the score is their mean level over the round's competences, each of which is in "
             "contextActivities.other.",
             (_r("$.result.score.scaled", "included"),
              _r("$.result.score.raw", "included"),
              _r("$.result.score.min", "included", all=[0]),
              _r("$.result.score.max", "included"),
              _r("$.context.contextActivities.other[*].definition.type", "included",
                 all=["{type:competence}"])),
             parent=("survey",)),
    Template("competence-rated", "rated", "competence", "survey", "Competence self-assessed",
             "One competence of a survey response: the person's self-assessed level (0 = not "
             "yet, 1..top = the framework's levels).",
             (_r("$.result.score.raw", "included"),
              _r("$.result.score.min", "included", all=[0]),
              _r("$.result.score.max", "included"),
              _r(_ext("result", "competence-level"), "included")),
             grouping=("survey",), parent=("survey-round",)),
    Template("recommendation-followed", "followed", "journey", "recommendation",
             "Recommendation followed",
             "A person opened a journey of their personal path, recommended for the competences "
             "in contextActivities.other.",
             (_r("$.context.contextActivities.other[*].definition.type", "included",
                 all=["{type:competence}"]),)),
    Template("plan-agreed", "agreed", "development-plan", "plan", "Development plan agreed",
             "Both the employee (the actor) and the manager agreed to a version of an individual "
             "development plan; one statement per agreed version.",
             (_r(_ext("context", "plan") + ".employee_agreed", "included"),
              _r(_ext("context", "plan") + ".manager_agreed", "included"))),
    Template("plan-goal-set", "set", "individual-goal", "plan", "Individual goal set",
             "An individual goal was added to a development plan or changed; the served goal "
             "and the competence are other context activities.",
             (_r(_ext("context", "plan-goal"), "included"),), parent=("development-plan",)),
    Template("plan-goal-completed", "completed", "individual-goal", "plan",
             "Individual goal done", "The employee marked an individual goal of their plan as "
             "done.", (_r("$.result.completion", "included", all=[True]),),
             parent=("development-plan",)),
    # --- group work (xapi.profile_collegial) ---------------------------------------------------
    Template("group-joined", "joined", "group", "collegial", "Joined a group",
             "The person became a member of a group of colleagues (joined an open group, was "
             "placed in one, or an import from the platform did).",
             (_TEAM, _GROUP)),
    Template("group-left", "left", "group", "collegial", "Left a group",
             "The person is no longer a member of the group; the team lists who is left.",
             (_GROUP,)),
    Template("session-registered", "registered", "meeting", "collegial", "Signed up for a session",
             "The person signed up for an occurrence of a live session: a place, or the waiting "
             "list (status and position in the session extension); also when a place came free "
             "and moved them up from the waiting list.",
             (_SESSION, _r(_ext("context", "session") + ".status", "included")),
             parent=("step",)),
    Template("session-unregistered", "unregistered", "meeting", "collegial",
             "Cancelled a sign-up", "The person cancelled their place or left the waiting list.",
             (_SESSION,), parent=("step",)),
    Template("session-checked-in", "checked-in", "meeting", "collegial", "Checked in",
             "The person checked in to the occurrence themselves with the code shown in the "
             "room.", (_SESSION,), parent=("step",)),
    Template("session-attended", "attended", "meeting", "collegial", "Attended a session",
             "The person attended the occurrence; the duration is the occurrence's length and "
             "the session extension says how attendance was recorded.",
             (_SESSION, _r("$.result.duration", "included"),
              _r(_ext("context", "session") + ".method", "included")),
             parent=("step",)),
    Template("phase-reflected", "commented", "cycle-phase", "collegial", "Preparation reflected",
             "A member wrote (or changed) their individual reflection in a preparation phase; "
             "only its length is recorded.",
             (_TEAM, _GROUP, _PHASE, _r(_ext("result", "text-length"), "included"), _NO_TEXT),
             parent=("step",)),
    Template("phase-evidence", "attempted", "cycle-phase", "collegial", "Practice evidence given",
             "A member gave their evidence from practice (text, a link or a file).",
             (_TEAM, _GROUP, _PHASE,
              _r("$.result.response", "included", any=["text", "link", "file"])),
             parent=("step",)),
    Template("phase-completed", "completed", "cycle-phase", "collegial", "Phase done",
             "A phase of a collegial cycle was done: by the member (individual phases) or by the "
             "group (the meeting, the shared follow-up).",
             (_TEAM, _GROUP, _PHASE, _r("$.result.completion", "included", all=[True])),
             parent=("step",)),
    Template("logbook-posted", "posted", "logbook-entry", "collegial", "Logbook entry written",
             "A member wrote an entry in the group's logbook; only its length is recorded.",
             (_TEAM, _GROUP, _r(_ext("result", "text-length"), "included"), _NO_TEXT),
             grouping=("group",)),
    Template("logbook-replied", "replied", "logbook-entry", "collegial", "Logbook comment",
             "A member or a facilitator commented on an entry of the group's logbook; only the "
             "comment's length is recorded.",
             (_TEAM, _GROUP, _r(_ext("result", "text-length"), "included"), _NO_TEXT),
             grouping=("group",)),
    Template("peer-feedback-given", "gave-feedback", "practice-evidence", "collegial",
             "Peer feedback given",
             "A member gave structured feedback on a colleague's evidence from practice; the "
             "result counts its strengths and next steps.",
             (_TEAM, _GROUP, _r(_ext("result", "peer-feedback"), "included"), _NO_TEXT),
             parent=("cycle-phase",)),
)  # fmt: skip

# Rules every statement of a family carries.
_COMMON = (
    _r("$.context.contextActivities.category[*].id", "included", any=["{version}"]),
    _r("$.timestamp", "included"),
    _r(_ext("context", "organization"), "included"),
)
_FAMILY_RULES: dict[str, tuple[dict[str, Any], ...]] = {
    "launch": (
        _r(_ext("context", "platform"), "included"),
        _r(_ext("context", "role"), "included"),
        _r("$.context.language", "recommended"),
        _r("$.context.registration", "excluded"),
    ),
    "enrollment": (
        _r("$.context.registration", "included"),
        _r(_ext("context", "platform"), "included"),
        _r(_ext("context", "role"), "included"),
        _r(_ext("context", "journey"), "included"),
        _r(_ext("context", "journey-version"), "included"),
        _r("$.context.language", "included"),
    ),
    "roster": (
        _r(_ext("context", "platform"), "included"),
        _r(_ext("context", "role"), "included"),
        _r("$.context.registration", "excluded"),
    ),
    "goal": (
        _r(_ext("context", "competence-goal"), "included"),
        _r(
            "$.context.contextActivities.grouping[*].definition.type",
            "included",
            any=["{type:organization}"],
        ),
        _r("$.context.registration", "excluded"),
    ),
    "survey": (
        _r("$.context.registration", "included"),
        _r(_ext("context", "survey"), "included"),
    ),
    "recommendation": (
        _r(_ext("context", "recommendation"), "included"),
        _r(_ext("context", "journey"), "included"),
        _r("$.context.registration", "excluded"),
    ),
    "assignment": (
        _r(_ext("context", "assignment"), "included"),
        _r(_ext("context", "journey"), "included"),
        _r("$.context.contextActivities.grouping[*].definition.type", "included"),
    ),
    "collegial": (
        _r(_ext("context", "role"), "recommended"),
        _r(_ext("context", "platform"), "recommended"),
        _r("$.context.registration", "recommended"),
    ),
    "plan": (
        _r(_ext("context", "plan"), "included"),
        _r("$.context.registration", "excluded"),
        _r(
            "$.context.contextActivities.grouping[*].definition.type",
            "included",
            any=["{type:organization}"],
        ),
    ),
}


@dataclass
class _Filler:
    profile: Profile
    cache: dict[str, str] = field(default_factory=dict)

    def text(self, value: str) -> str:
        if value == "{version}":
            return self.profile.version_iri
        if value.startswith("{type:"):
            return self.profile.activity_type(value[6:-1])
        return value

    def location(self, location: str) -> str:
        start = location.find("[{")
        if start < 0:
            return location
        end = location.index("}]", start)
        key = location[start + 2 : end]
        return f"{location[:start]}['{self.profile.extension(key)}']{location[end + 2 :]}"

    def rule(self, rule: dict[str, Any]) -> dict[str, Any]:
        filled = dict(rule)
        filled["location"] = self.location(rule["location"])
        for key in ("any", "all", "none"):
            if key in rule:
                filled[key] = [self.text(v) if isinstance(v, str) else v for v in rule[key]]
        return filled


def template_iri(key: str) -> str:
    return TEMPLATE_BASE + key


def templates(profile: Profile) -> list[dict[str, Any]]:
    """The templates as JSON-LD objects of the profile document."""
    filler = _Filler(profile)
    documents = []
    for template in TEMPLATES:
        document: dict[str, Any] = {
            "id": template_iri(template.key),
            "type": "StatementTemplate",
            "inScheme": profile.version_iri,
            "prefLabel": {"en": template.label},
            "definition": {"en": template.definition},
            "verb": profile.verbs[template.verb].iri,
            "objectActivityType": profile.activity_type(template.object_type),
            "contextCategoryActivityType": [PROFILE_ACTIVITY_TYPE],
        }
        if template.grouping:
            document["contextGroupingActivityType"] = [
                profile.activity_type(k) for k in template.grouping
            ]
        if template.parent:
            document["contextParentActivityType"] = [
                profile.activity_type(k) for k in template.parent
            ]
        rules = (*_COMMON, *_FAMILY_RULES[template.family], *template.rules)
        document["rules"] = [filler.rule(r) for r in rules]
        documents.append(document)
    return documents


def _pattern(
    key: str, label: str, definition: str, profile: Profile, primary: bool = False, **body: Any
) -> dict[str, Any]:
    return {
        "id": PATTERN_BASE + key,
        "type": "Pattern",
        "primary": primary,
        "inScheme": profile.version_iri,
        "prefLabel": {"en": label},
        "definition": {"en": definition},
        **body,
    }


def patterns(profile: Profile) -> list[dict[str, Any]]:
    """How the statements of one enrollment (one registration) follow each other."""
    actions = [
        template_iri(t.key)
        for t in TEMPLATES
        if t.family in ("enrollment", "collegial")
        and t.key not in ("initialized", "previewed", "group-joined", "group-left")
    ]
    return [
        _pattern(
            "enrollment",
            "An enrollment",
            "The statements of one registration: the journey is started (or previewed), then "
            "any number of the learner's (and instructors') actions follow.",
            profile,
            primary=True,
            sequence=[PATTERN_BASE + "start", PATTERN_BASE + "actions"],
        ),
        _pattern(
            "start",
            "Start",
            "A learner's start or a preview.",
            profile,
            alternates=[template_iri("initialized"), template_iri("previewed")],
        ),
        _pattern(
            "actions",
            "Actions",
            "Any number of actions in the journey.",
            profile,
            zeroOrMore=PATTERN_BASE + "action",
        ),
        _pattern("action", "Action", "One action in the journey.", profile, alternates=actions),
        _pattern(
            "knowledge-check",
            "A knowledge-check attempt",
            "Each question answered, then the attempt passed or failed.",
            profile,
            sequence=[PATTERN_BASE + "answers", PATTERN_BASE + "check-result"],
        ),
        _pattern(
            "answers",
            "Answers",
            "One or more questions answered.",
            profile,
            oneOrMore=template_iri("question-answered"),
        ),
        _pattern(
            "check-result",
            "Result of the attempt",
            "Passed or failed.",
            profile,
            alternates=[template_iri("check-passed"), template_iri("check-failed")],
        ),
    ]
