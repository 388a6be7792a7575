"""The step editor's form fields, to and from a step's content config.

Forms work without JavaScript: a knowledge check is edited as numbered question rows with choice
rows, and "add question" / "add choice" re-render the form with an empty row (nothing is saved
until the author saves).
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from lti_tool.journeys.content import MAX_CHOICES, MAX_QUESTIONS
from lti_tool.journeys.group_step_forms import cycle_from_form, live_session_from_form
from lti_tool.journeys.models import StepType
from lti_tool.validation import strict_decimal, strict_int

EMPTY_CHOICES = 2
# Rows a form can hold: the most the content allows plus the editor's empty ones. The counts come
# from the form, so a forged one must not size the loops (50,000,000 rows would hold a worker).
MAX_QUESTION_ROWS = MAX_QUESTIONS + 1
MAX_CHOICE_ROWS = MAX_CHOICES + 4


def config_from_form(step_type: StepType, form: MultiDict[str, str]) -> dict[str, Any]:
    """The config a form describes (validated later by the content models)."""
    if step_type == StepType.CONTENT:
        return {"body": form.get("body", "")}
    if step_type == StepType.REFLECTION:
        return {"prompt": form.get("prompt", ""), "min_length": _int(form.get("min_length"), 1)}
    if step_type == StepType.LIVE_SESSION:
        return live_session_from_form(form)
    if step_type == StepType.COLLEGIAL_CYCLE:
        return cycle_from_form(form)
    if step_type == StepType.PRACTICE:
        types = [t.strip().lower().lstrip(".") for t in form.get("file_types", "").split(",")]
        return {
            "instructions": form.get("instructions", ""),
            "evidence_kinds": form.getlist("evidence_kinds"),
            "file_types": [t for t in types if t],
            "max_file_mb": _int(form.get("max_file_mb"), 10),
        }
    percent = _float(form.get("mastery_percent"), 80.0)
    attempts = form.get("max_attempts", "").strip()
    return {
        "intro": form.get("intro", ""),
        "mastery_score": percent / 100,
        "max_attempts": _int(attempts, 0) or None if attempts else None,
        "questions": _questions(form),
    }


def _questions(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    questions = []
    count = min(_int(form.get("question_count"), 0), MAX_QUESTION_ROWS)
    for i in range(count):
        prefix = f"q{i}-"
        if form.get(prefix + "remove") == "on":
            continue
        prompt = form.get(prefix + "prompt", "").strip()
        kind = form.get(prefix + "kind", "single")
        question: dict[str, Any] = {
            "kind": kind,
            "prompt": prompt,
            "feedback_correct": form.get(prefix + "feedback_correct", ""),
            "feedback_incorrect": form.get(prefix + "feedback_incorrect", ""),
        }
        if form.get(prefix + "key"):
            question["key"] = form[prefix + "key"]
        if kind in ("single", "multiple"):
            choices = []
            for j in range(min(_int(form.get(prefix + "choice_count"), 0), MAX_CHOICE_ROWS)):
                cp = f"{prefix}c{j}-"
                text = form.get(cp + "text", "").strip()
                if not text:
                    continue  # an empty row is a row not used
                choice: dict[str, Any] = {
                    "text": text,
                    "correct": form.get(cp + "correct") == "on",
                    "feedback": form.get(cp + "feedback", ""),
                }
                if form.get(cp + "key"):
                    choice["key"] = form[cp + "key"]
                choices.append(choice)
            question["choices"] = choices
        elif kind == "true_false":
            question["answer"] = form.get(prefix + "answer") == "true"
        else:
            question["answer"] = _float(form.get(prefix + "answer"), None)
            question["tolerance"] = _float(form.get(prefix + "tolerance"), 0.0) or 0.0
        if not prompt and kind in ("single", "multiple") and not question.get("choices"):
            continue  # the empty row of a new question
        questions.append(question)
    return questions


def editor_rows(config: dict[str, Any], add_question: bool = False) -> list[dict[str, Any]]:
    """Question rows for the editor: the config's questions, with empty choice rows to fill."""
    rows = []
    for question in config.get("questions", []):
        row = dict(question)
        row["choices"] = [*question.get("choices", []), *({} for _ in range(EMPTY_CHOICES))]
        rows.append(row)
    if add_question or not rows:
        rows.append({"kind": "single", "choices": [{} for _ in range(4)]})
    return rows


def _int(value: str | None, default: int) -> int:
    # Out-of-range numbers are kept: the content model refuses them with its limits.
    parsed = strict_int(value, 0, 10**18)
    return default if parsed is None else parsed


def _float(value: str | None, default: float | None) -> Any:
    parsed = strict_decimal(value, -1e15, 1e15)
    return default if parsed is None else parsed
