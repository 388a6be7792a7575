"""What a new step of each type starts with in the editor, in the journey's language.

A new collegial cycle starts from the default phases (prepare, meet with a collegial supervision
round, try in practice, follow up together) with their names, roles and turns written in the
journey's language, so a Swedish journey does not start with English texts. The format's own
defaults (``content.default_phases``, used when an imported file leaves phases out) stay English.
"""

from __future__ import annotations

from typing import Any

from lti_tool.journeys.content import EVIDENCE_KINDS, CollegialCycleConfig, PhaseKind
from lti_tool.journeys.models import StepType

# The journey's own words for the default cycle: phase titles and instructions, the meeting's
# roles and the supervision round's turns (title, minutes, speaker, guidance).
_CYCLE_TEXTS: dict[str, dict[str, Any]] = {
    "sv": {
        "phases": {
            "prepare": (
                "Förbered",
                "Läs underlaget och skriv en kort reflektion inför träffen: vad vill du pröva, "
                "och vilken fråga tar du med dig till gruppen?",
            ),
            "meet": (
                "Träff",
                "Gruppen träffas och följer samtalsprotokollet. Processledaren håller tiden.",
            ),
            "practice": (
                "Pröva i praktiken",
                "Pröva det ni kom fram till i din undervisning och dokumentera vad som hände.",
            ),
            "follow_up": (
                "Följ upp tillsammans",
                "Skriv tillsammans i gruppens loggbok: vad lärde ni er, och vad gör ni härnäst?",
            ),
        },
        "roles": ["Presentatör", "Processledare", "Kollegor"],
        "turns": [
            (
                "Presentation",
                5,
                "Presentatör",
                "Presentatören beskriver sin fråga eller situation.",
            ),
            ("Klargörande frågor", 5, "Kollegor", "Bara frågor som gör situationen tydligare."),
            (
                "Reflektion utan presentatören",
                10,
                "Kollegor",
                "Kollegorna samtalar medan presentatören lyssnar utan att svara.",
            ),
            ("Respons", 5, "Presentatör", "Presentatören berättar vad hen tar med sig."),
        ],
    },
    "en": {
        "phases": {
            "prepare": (
                "Prepare",
                "Read the material and write a short reflection before the meeting: what do you "
                "want to try, and which question do you bring to the group?",
            ),
            "meet": (
                "Meet",
                "The group meets and follows the talk protocol. The facilitator keeps the time.",
            ),
            "practice": (
                "Try in practice",
                "Try what you agreed on in your teaching and document what happened.",
            ),
            "follow_up": (
                "Follow up together",
                "Write together in the group's logbook: what did you learn, and what comes next?",
            ),
        },
        "roles": ["Presenter", "Facilitator", "Colleagues"],
        "turns": [
            ("Presentation", 5, "Presenter", "The presenter describes their question or case."),
            ("Clarifying questions", 5, "Colleagues", "Only questions that clarify the case."),
            (
                "Reflection without the presenter",
                10,
                "Colleagues",
                "The colleagues talk while the presenter listens without answering.",
            ),
            ("Response", 5, "Presenter", "The presenter tells what they take with them."),
        ],
    },
}
_PHASE_ORDER: tuple[PhaseKind, ...] = ("prepare", "meet", "practice", "follow_up")


def default_cycle_phases(language: str) -> list[dict[str, Any]]:
    """The default phases of a new collegial cycle, written in ``language`` (sv or en)."""
    texts = _CYCLE_TEXTS.get(language, _CYCLE_TEXTS["en"])
    phases: list[dict[str, Any]] = []
    for kind in _PHASE_ORDER:
        title, instructions = texts["phases"][kind]
        phase: dict[str, Any] = {"kind": kind, "title": title, "instructions": instructions}
        if kind == "meet":
            phase["roles"] = list(texts["roles"])
            phase["protocol"] = [
                {"title": t, "minutes": m, "speaker": s, "guidance": g}
                for t, m, s, g in texts["turns"]
            ]
        phases.append(phase)
    return phases


def new_step_config(step_type: StepType, language: str) -> dict[str, Any]:
    """The config a new step of ``step_type`` starts with (publishing refuses it until complete)."""
    if step_type == StepType.CONTENT:
        return {"body": ""}
    if step_type == StepType.REFLECTION:
        return {"prompt": "", "min_length": 1}
    if step_type == StepType.KNOWLEDGE_CHECK:
        return {"intro": "", "questions": [], "mastery_score": 0.8}
    if step_type == StepType.PRACTICE:
        return {
            "instructions": "",
            "evidence_kinds": list(EVIDENCE_KINDS),
            "file_types": ["pdf", "png", "jpg", "jpeg", "docx", "pptx"],
            "max_file_mb": 10,
        }
    if step_type == StepType.LIVE_SESSION:
        return {
            "description": "",
            "duration_minutes": 60,
            "self_check_in": True,
            "check_in_opens_minutes": 15,
        }
    # Validated here so that every phase has its stable key from the start.
    cycle = CollegialCycleConfig.model_validate({"phases": default_cycle_phases(language)})
    return cycle.model_dump(exclude={"type"})
