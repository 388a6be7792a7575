"""What of a knowledge-check form is stored: known questions and choices, short single values."""

from __future__ import annotations

from lti_tool.journeys.content import KnowledgeCheckConfig
from lti_tool.journeys.submissions import MAX_ANSWER_TEXT, kept_answers
from tests.journeys.conftest import sample_document


def _config() -> KnowledgeCheckConfig:
    step = sample_document().sections[1].steps[0]
    assert isinstance(step.content, KnowledgeCheckConfig)
    return step.content


def test_kept_answers_drop_unknown_questions_and_choices() -> None:
    kept = kept_answers(_config(), {"q1": ["nope", "b", "a"], "q9": ["b"], "extra": ["x"]})
    assert kept == {"q1": ["b"], "q2": [], "q3": []}


def test_kept_answers_cut_a_text_answer_to_one_short_value() -> None:
    kept = kept_answers(_config(), {"q2": ["", "  " + "t" * 500, "false"], "q3": ["4"] * 50})
    assert kept["q2"] == ["t" * MAX_ANSWER_TEXT] and kept["q3"] == ["4"]
