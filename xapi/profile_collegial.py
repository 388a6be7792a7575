"""The profile's vocabulary of group work: groups, live sessions and collegial learning cycles.

Statements of group work carry the group as ``context.team`` (its members' agents, under the
organisation's privacy policy) and the group's identity in the ``group`` extension; statements
about a live session carry the occurrence (an ADL ``meeting``) and the ``session`` extension.
"""

from __future__ import annotations

from typing import Any

from xapi.profile_concepts import (
    ACTIVITY_STREAMS,
    ADL_ACTIVITY,
    NAMESPACE,
    STRING,
    TINCAN_VERB,
    Concept,
    extension_concept,
    type_concept,
    verb_concept,
)

COLLEGIAL_VERBS: tuple[Concept, ...] = (
    verb_concept("joined", ACTIVITY_STREAMS + "join", "joined", "gick med i",
                 "The person became a member of a group of colleagues: they joined an open "
                 "group, a facilitator placed them in one, or an import from the learning "
                 "platform did."),
    verb_concept("unregistered", TINCAN_VERB + "unregistered", "unregistered", "avanmälde sig från",
                 "The person cancelled their place (or their place on the waiting list) at an "
                 "occurrence of a live session."),
    verb_concept("checked-in", ACTIVITY_STREAMS + "checkin", "checked in to", "checkade in på",
                 "The person checked in to a live session themselves, with the code shown in "
                 "the room, within the check-in window."),
    verb_concept("posted", ACTIVITY_STREAMS + "post", "posted", "skrev",
                 "A member of a group wrote an entry in the group's logbook (loggbok); only its "
                 "length is recorded."),
    verb_concept("gave-feedback", f"{NAMESPACE}/verbs/gave-feedback", "gave feedback on",
                 "gav återkoppling på",
                 "A member of a group gave structured feedback (strengths and next steps) on a "
                 "colleague's evidence from practice; only the number of each is recorded."),
)  # fmt: skip

COLLEGIAL_TYPES: tuple[Concept, ...] = (
    type_concept("group", f"{NAMESPACE}/activity-types/group", "group of colleagues",
                 "lärgrupp", "A group of colleagues (lärgrupp, arbetslag) in a course or a "
                 "school unit that learns together; its IRI is minted from its key."),
    type_concept("meeting", ADL_ACTIVITY + "meeting", "live session", "träff",
                 "One occurrence of a live session step, or a group's meeting in a collegial "
                 "cycle: a time, a place or video link, and the people who come."),
    type_concept("cycle-phase", f"{NAMESPACE}/activity-types/cycle-phase",
                 "phase of a collegial cycle", "fas i kollegialt lärande",
                 "A phase of a collegial learning cycle step: prepare, meet, try in practice or "
                 "follow up together (the author may define others of these kinds)."),
    type_concept("logbook-entry", f"{NAMESPACE}/activity-types/logbook-entry", "logbook entry",
                 "loggboksinlägg", "An entry in a group's logbook (loggbok)."),
    type_concept("practice-evidence", f"{NAMESPACE}/activity-types/practice-evidence",
                 "evidence from practice", "dokumentation från praktiken",
                 "A group member's evidence from trying something in their own practice (the "
                 "classroom), given in a collegial cycle; colleagues give feedback on it."),
)  # fmt: skip

_DATE_TIME = {"type": "string", "format": "date-time"}
_GROUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["key", "scope"],
    "properties": {
        "key": STRING,
        "scope": {"enum": ["course", "unit"]},
        "source": {"enum": ["manual", "roster", "platform"]},
        "members": {"type": "integer", "minimum": 0},
    },
}
_SESSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["occurrence", "starts", "ends"],
    "properties": {
        "occurrence": STRING,
        "starts": _DATE_TIME,
        "ends": _DATE_TIME,
        "sequence": {"type": "integer", "minimum": 0},
        "status": {"enum": ["registered", "waiting", "cancelled", None]},
        "position": {"type": ["integer", "null"], "minimum": 1},
        "method": {"enum": ["self", "facilitator", None]},
    },
}
_PHASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["key", "kind", "position"],
    "properties": {
        "key": STRING,
        "kind": {"enum": ["prepare", "meet", "practice", "follow_up"]},
        "position": {"type": "integer", "minimum": 1},
        "of": {"type": "integer", "minimum": 1},
        "done_by": {"enum": ["member", "group"]},
    },
}
_COUNT = {"type": "integer", "minimum": 0}
_FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["strengths", "next_steps"],
    "properties": {"strengths": _COUNT, "next_steps": _COUNT},
}

COLLEGIAL_EXTENSIONS: tuple[Concept, ...] = (
    extension_concept("group", "ContextExtension", f"{NAMESPACE}/extensions/group", "group",
                      "lärgrupp", "The group of colleagues the statement belongs to: its key, "
                      "whether it is a course's or a school unit's, where it came from (made in "
                      "the tool, split from the roster, or a platform group) and its number of "
                      "members.", _GROUP_SCHEMA),
    extension_concept("session", "ContextExtension", f"{NAMESPACE}/extensions/session",
                      "live session", "träff", "The occurrence of a live session: its key, "
                      "start and end, its iCalendar sequence, the person's sign-up status (and "
                      "place on the waiting list) and how attendance was recorded (self check-in "
                      "or marked by the facilitator).", _SESSION_SCHEMA),
    extension_concept("cycle-phase", "ContextExtension", f"{NAMESPACE}/extensions/cycle-phase",
                      "phase", "fas", "The phase of a collegial cycle: its key, kind, position "
                      "(1-based, of how many) and whether each member or the group does it.",
                      _PHASE_SCHEMA),
    extension_concept("peer-feedback", "ResultExtension", f"{NAMESPACE}/extensions/peer-feedback",
                      "peer feedback", "kollegial återkoppling", "How many strengths and next "
                      "steps a colleague's feedback named; the words stay in the tool.",
                      _FEEDBACK_SCHEMA),
)  # fmt: skip
