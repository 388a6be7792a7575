"""Grading a knowledge-check attempt: each question right or wrong, the scaled score, feedback."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lti_tool.journeys.content import KnowledgeCheckConfig, Question


@dataclass(frozen=True)
class QuestionResult:
    key: str
    correct: bool
    response: str  # in the xAPI response pattern of the interaction type
    feedback: list[str]
    answered: bool


@dataclass(frozen=True)
class Grade:
    score: float  # 0..1
    passed: bool
    questions: list[QuestionResult]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _numeric(raw: str) -> float | None:
    try:
        value = float(raw.strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def grade_question(question: Question, values: list[str]) -> QuestionResult:
    """``values`` are the submitted form values of the question (choice keys, "true", a number)."""
    given = [v for v in (v.strip() for v in values) if v]
    feedback: list[str] = []
    if question.kind in ("single", "multiple"):
        known = {c.key: c for c in question.choices}
        chosen = [known[v] for v in given if v in known]
        if question.kind == "single":
            chosen = chosen[:1]
        expected = {c.key for c in question.choices if c.correct}
        correct = bool(chosen) and {c.key for c in chosen} == expected
        feedback = [c.feedback for c in chosen if c.feedback]
        response = "[,]".join(c.key for c in chosen)
        answered = bool(chosen)
    elif question.kind == "true_false":
        value = given[0].lower() if given else ""
        answered = value in ("true", "false")
        correct = answered and (value == "true") == question.answer
        response = value
    else:
        number = _numeric(given[0]) if given else None
        answered = number is not None
        target = float(question.answer) if isinstance(question.answer, (int, float)) else 0.0
        correct = number is not None and abs(number - target) <= question.tolerance + 1e-9
        response = f"{number:g}" if number is not None else ""
    general = question.feedback_correct if correct else question.feedback_incorrect
    if general:
        feedback.append(general)
    return QuestionResult(
        key=question.key, correct=correct, response=response, feedback=feedback, answered=answered
    )


def grade(config: KnowledgeCheckConfig, answers: dict[str, list[str]]) -> Grade:
    results = [grade_question(q, answers.get(q.key, [])) for q in config.questions]
    score = sum(1 for r in results if r.correct) / len(results) if results else 0.0
    return Grade(score=score, passed=score >= config.mastery_score - 1e-9, questions=results)
