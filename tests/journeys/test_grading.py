"""Grading knowledge checks: every question kind, scaled score, mastery and feedback."""

from __future__ import annotations

from lti_tool.journeys.content import KnowledgeCheckConfig
from lti_tool.journeys.grading import grade
from tests.journeys.conftest import sample_document


def _config() -> KnowledgeCheckConfig:
    step = sample_document().sections[1].steps[0]
    assert isinstance(step.content, KnowledgeCheckConfig)
    return step.content


def test_all_correct_passes_with_full_score() -> None:
    result = grade(_config(), {"q1": ["b"], "q2": ["true"], "q3": ["4"]})
    assert result.score == 1.0 and result.passed


def test_numeric_answers_accept_a_decimal_comma() -> None:
    result = grade(_config(), {"q1": ["b"], "q2": ["true"], "q3": ["4,0"]})
    assert result.questions[2].correct


def test_one_wrong_answer_fails_a_full_mastery_check() -> None:
    result = grade(_config(), {"q1": ["a"], "q2": ["true"], "q3": ["4"]})
    assert round(result.score, 3) == 0.667 and not result.passed


def test_feedback_of_the_chosen_answer_is_given() -> None:
    result = grade(_config(), {"q1": ["a"], "q2": ["true"], "q3": ["4"]})
    assert result.questions[0].feedback == ["Nej."]


def test_multiple_choice_needs_exactly_the_correct_set() -> None:
    config = KnowledgeCheckConfig.model_validate(
        {
            "questions": [
                {
                    "key": "m",
                    "kind": "multiple",
                    "prompt": "Vilka?",
                    "choices": [
                        {"key": "a", "text": "A", "correct": True},
                        {"key": "b", "text": "B", "correct": True},
                        {"key": "c", "text": "C"},
                    ],
                }
            ]
        }
    )
    assert grade(config, {"m": ["a", "b"]}).passed
    assert not grade(config, {"m": ["a"]}).passed
    assert not grade(config, {"m": ["a", "b", "c"]}).passed


def test_unknown_choice_keys_count_as_unanswered() -> None:
    result = grade(_config(), {"q1": ["zzz"], "q2": ["maybe"], "q3": ["fyra"]})
    assert [q.answered for q in result.questions] == [False, False, False]
