"""The editor's form fields of live sessions and collegial cycles, and their problems by field.

A cycle is edited without JavaScript as numbered phase rows (``p0-…``) with protocol turn rows
(``p0-t0-…``); "add a phase", "move up/down" and "update the form" re-render the form from what
was posted, and nothing is saved until the author saves. Each problem the content model finds is
tied to the form field it is about, so the page shows it next to that field.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from lti_tool.journeys.content import PHASE_KINDS
from lti_tool.validation import strict_int

MAX_PHASES = 8
MAX_TURNS = 20
MAX_ROLES = 10
# Rows a form can hold: the most the content allows plus the editor's empty ones. The counts come
# from the form, so a forged one must not size the loops.
MAX_PHASE_ROWS = MAX_PHASES + 1
MAX_TURN_ROWS = MAX_TURNS + 2
EMPTY_TURNS = 1
# Every line beyond this is refused anyway: one more keeps the model's message about the limit.
MAX_ROLE_LINES = MAX_ROLES + 1


def _number(value: str | None) -> int | None:
    # A number that is not one becomes None, which the model refuses by the field's name.
    return strict_int(value, 0, 10**9)


def live_session_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The live session config a form describes."""
    return {
        "description": form.get("description", ""),
        "duration_minutes": _number(form.get("duration_minutes")),
        "self_check_in": form.get("self_check_in") == "on",
        "check_in_opens_minutes": _number(form.get("check_in_opens_minutes")),
    }


def cycle_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The collegial cycle config a form describes (removed phases and empty turns left out)."""
    phases = []
    for i in range(min(_number(form.get("phase_count")) or 0, MAX_PHASE_ROWS)):
        prefix = f"p{i}-"
        if form.get(prefix + "remove") == "on" or prefix + "kind" not in form:
            continue
        phases.append(_phase(form, prefix))
    return {
        "intro": form.get("intro", ""),
        "phases": phases,
        "peer_feedback_required": form.get("peer_feedback_required") == "on",
        "feedback_strengths": _number(form.get("feedback_strengths")),
        "feedback_next_steps": _number(form.get("feedback_next_steps")),
    }


def _phase(form: MultiDict[str, str], prefix: str) -> dict[str, Any]:
    phase: dict[str, Any] = {
        "kind": form.get(prefix + "kind", ""),
        "title": form.get(prefix + "title", ""),
        "instructions": form.get(prefix + "instructions", ""),
    }
    if form.get(prefix + "key"):
        phase["key"] = form[prefix + "key"]
    # Only the fields of the kind the form showed are posted; the others keep their defaults.
    if prefix + "reflection_min_length" in form:
        phase["reflection_min_length"] = _number(form.get(prefix + "reflection_min_length"))
    if prefix + "roles" in form:
        lines = (line.strip() for line in form.get(prefix + "roles", "").splitlines())
        phase["roles"] = [line for line in lines if line][:MAX_ROLE_LINES]
    if prefix + "turn_count" in form:
        phase["protocol"] = _turns(form, prefix)
    if prefix + "file_types" in form:
        types = (
            t.strip().lower().lstrip(".") for t in form.get(prefix + "file_types", "").split(",")
        )
        phase["evidence_kinds"] = form.getlist(prefix + "evidence_kinds")
        phase["file_types"] = [t for t in types if t]
        phase["max_file_mb"] = _number(form.get(prefix + "max_file_mb"))
    return phase


def _turns(form: MultiDict[str, str], prefix: str) -> list[dict[str, Any]]:
    turns = []
    for j in range(min(_number(form.get(prefix + "turn_count")) or 0, MAX_TURN_ROWS)):
        tp = f"{prefix}t{j}-"
        values = {name: form.get(tp + name, "").strip() for name in ("title", "minutes", "speaker")}
        guidance = form.get(tp + "guidance", "").strip()
        if form.get(tp + "remove") == "on" or not (any(values.values()) or guidance):
            continue  # a removed turn, or the empty row of a new one
        turns.append(
            {
                "title": values["title"],
                "minutes": _number(values["minutes"]),
                "speaker": values["speaker"],
                "guidance": guidance,
            }
        )
    return turns


def apply_cycle_action(config: dict[str, Any], action: str, new_kind: str) -> dict[str, Any]:
    """The posted cycle after "add a phase" or "move phase n up/down" (nothing is saved)."""
    phases = list(config.get("phases", []))
    if action == "add_phase" and len(phases) < MAX_PHASES:
        phases.append({"kind": new_kind if new_kind in PHASE_KINDS else "prepare"})
    direction, _, number = action.partition("-")
    index = strict_int(number, 0, MAX_PHASE_ROWS)
    if direction in ("up", "down") and index is not None and index < len(phases):
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(phases):
            phases[index], phases[target] = phases[target], phases[index]
    return {**config, "phases": phases}


def cycle_rows(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Phase rows for the editor: each phase with its turns and an empty turn row to fill."""
    rows = []
    for phase in config.get("phases", []):
        row = dict(phase)
        row["protocol"] = [*phase.get("protocol", []), *({} for _ in range(EMPTY_TURNS))]
        rows.append(row)
    return rows


_LABELS = {
    "description": _l("Description"),
    "duration_minutes": _l("Duration in minutes"),
    "check_in_opens_minutes": _l("Check-in opens, minutes before the start"),
    "intro": _l("Introduction"),
    "phases": _l("Phases"),
    "kind": _l("Kind"),
    "title": _l("Title"),
    "instructions": _l("Instructions"),
    "reflection_min_length": _l("Shortest reflection"),
    "roles": _l("Roles"),
    "protocol": _l("Talk protocol"),
    "minutes": _l("Minutes"),
    "speaker": _l("Speaker"),
    "guidance": _l("Guidance"),
    "evidence_kinds": _l("Evidence"),
    "file_types": _l("File types"),
    "max_file_mb": _l("Largest file"),
    "feedback_strengths": _l("Strengths"),
    "feedback_next_steps": _l("Next steps"),
}


def field_of(loc: tuple[str | int, ...]) -> str:
    """The form field a problem at ``loc`` (a place in the step's config) is about."""
    match loc:
        case ():
            return "peer_feedback_required"
        case ("phases", int(i), "protocol", int(j), str(name), *_):
            return f"p{i}-t{j}-{name}"
        case ("phases", int(i), "protocol", *_):
            return f"p{i}-turns"
        case ("phases", int(i), "evidence_kinds" | "file_types" | "roles" as name, *_):
            return f"p{i}-{name}"
        case ("phases", int(i), str(name), *_):
            return f"p{i}-{name}"
        case ("phases", int(i)):
            return f"p{i}-kind"
        case (str(name), *_):
            return name
    return "form"


def place_of(loc: tuple[str | int, ...]) -> str:
    """A problem's place in words: "Phase 2, turn 1, Minutes"."""
    words: list[str] = []
    for index, part in enumerate(loc):
        before = loc[index - 1] if index else None
        if isinstance(part, int):
            number = part + 1
            if before == "phases":
                words[-1] = str(_l("Phase %(n)d", n=number))
            elif before == "protocol":
                words[-1] = str(_l("turn %(n)d", n=number))
            elif before == "roles":
                words[-1] = str(_l("role %(n)d", n=number))
            else:
                words.append(str(number))
        else:
            label = _LABELS.get(part)
            words.append(str(label) if label is not None else part)
    return ", ".join(words)
