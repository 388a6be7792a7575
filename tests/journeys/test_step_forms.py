"""The step editor's form: counts that size the work are bounded, numbers are ASCII digits."""

from __future__ import annotations

import time

from werkzeug.datastructures import MultiDict

from lti_tool.journeys.content import MAX_QUESTIONS
from lti_tool.journeys.models import StepType
from lti_tool.journeys.step_forms import config_from_form


def test_config_from_form_bounds_the_question_count() -> None:
    form = MultiDict({"question_count": "50000000", "q0-prompt": "Fråga?", "q0-kind": "numeric"})
    started = time.process_time()
    config = config_from_form(StepType.KNOWLEDGE_CHECK, form)
    assert time.process_time() - started < 0.5
    assert len(config["questions"]) <= MAX_QUESTIONS + 1


def test_config_from_form_bounds_the_choice_count() -> None:
    form = MultiDict(
        {"question_count": "1", "q0-prompt": "Fråga?", "q0-choice_count": "99999999999"}
    )
    started = time.process_time()
    config_from_form(StepType.KNOWLEDGE_CHECK, form)
    assert time.process_time() - started < 0.5


def test_config_from_form_reads_only_ascii_digits() -> None:
    form = MultiDict({"min_length": "²", "prompt": "Skriv"})
    assert config_from_form(StepType.REFLECTION, form)["min_length"] == 1


def test_config_from_form_keeps_a_number_beyond_the_limit_for_the_model_to_refuse() -> None:
    form = MultiDict({"max_file_mb": "500", "instructions": "Gör"})
    assert config_from_form(StepType.PRACTICE, form)["max_file_mb"] == 500


def test_config_from_form_reads_decimal_commas_and_refuses_nan() -> None:
    form = MultiDict(
        {"question_count": "1", "q0-prompt": "2,5?", "q0-kind": "numeric", "q0-answer": "nan"}
    )
    form["mastery_percent"] = "62,5"
    config = config_from_form(StepType.KNOWLEDGE_CHECK, form)
    assert config["mastery_score"] == 0.625
    assert config["questions"][0]["answer"] is None


def test_config_from_form_bounds_the_phase_and_turn_counts() -> None:
    form = MultiDict(
        {"phase_count": "90000000", "p0-kind": "meet", "p0-turn_count": "90000000", "intro": "x"}
    )
    started = time.process_time()
    config = config_from_form(StepType.COLLEGIAL_CYCLE, form)
    assert time.process_time() - started < 0.5
    assert len(config["phases"]) == 1 and config["phases"][0]["protocol"] == []


def test_config_from_form_reads_a_live_session() -> None:
    form = MultiDict(
        {"description": "Träff", "duration_minutes": "45", "check_in_opens_minutes": "10"}
    )
    assert config_from_form(StepType.LIVE_SESSION, form) == {
        "description": "Träff",
        "duration_minutes": 45,
        "self_check_in": False,
        "check_in_opens_minutes": 10,
    }


def test_config_from_form_gives_no_number_for_digits_of_other_scripts() -> None:
    form = MultiDict({"description": "Träff", "duration_minutes": "٤٥"})
    assert config_from_form(StepType.LIVE_SESSION, form)["duration_minutes"] is None
