"""The editor's forms of live sessions and collegial cycles: rows, actions, problems by field."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from lti_tool.journeys.group_step_forms import (
    apply_cycle_action,
    cycle_from_form,
    cycle_rows,
    field_of,
)

CYCLE_FORM: dict[str, Any] = {
    "intro": "Vi lär tillsammans.",
    "peer_feedback_required": "on",
    "feedback_strengths": "2",
    "feedback_next_steps": "1",
    "phase_count": "4",
    "p0-key": "prep",
    "p0-kind": "prepare",
    "p0-title": "Förbered",
    "p0-instructions": "Läs.",
    "p0-reflection_min_length": "50",
    "p1-key": "meet",
    "p1-kind": "meet",
    "p1-title": "Träff",
    "p1-instructions": "",
    "p1-roles": "Presentatör\r\n\r\n Kollegor \r\n",
    "p1-turn_count": "3",
    "p1-t0-title": "Presentation",
    "p1-t0-minutes": "5",
    "p1-t0-speaker": "Presentatör",
    "p1-t1-title": "Frågor",
    "p1-t1-minutes": "5",
    "p1-t1-remove": "on",
    "p2-kind": "practice",
    "p2-instructions": "Pröva.",
    "p2-evidence_kinds": ["text", "file"],
    "p2-file_types": " PDF, .png ,",
    "p2-max_file_mb": "5",
    "p3-kind": "follow_up",
    "p3-remove": "on",
}


def test_cycle_from_form_reads_phases_roles_and_turns() -> None:
    config = cycle_from_form(MultiDict(CYCLE_FORM))
    prepare, meet, practice = config["phases"]
    assert prepare == {
        "kind": "prepare",
        "key": "prep",
        "title": "Förbered",
        "instructions": "Läs.",
        "reflection_min_length": 50,
    }
    assert meet["roles"] == ["Presentatör", "Kollegor"]
    assert meet["protocol"] == [
        {"title": "Presentation", "minutes": 5, "speaker": "Presentatör", "guidance": ""}
    ]
    assert practice["evidence_kinds"] == ["text", "file"]
    assert practice["file_types"] == ["pdf", "png"] and practice["max_file_mb"] == 5
    assert config["peer_feedback_required"] is True and config["feedback_strengths"] == 2


def test_cycle_from_form_bounds_the_roles_it_keeps() -> None:
    form = MultiDict({"phase_count": "1", "p0-kind": "meet", "p0-roles": "Roll\n" * 100_000})
    assert len(cycle_from_form(form)["phases"][0]["roles"]) == 11


def test_moving_a_phase_up_swaps_it_with_the_one_before() -> None:
    config = {"phases": [{"kind": "prepare"}, {"kind": "meet"}, {"kind": "practice"}]}
    moved = apply_cycle_action(config, "up-2", "")
    assert [p["kind"] for p in moved["phases"]] == ["prepare", "practice", "meet"]


def test_moving_the_last_phase_down_changes_nothing() -> None:
    config = {"phases": [{"kind": "prepare"}, {"kind": "meet"}]}
    assert apply_cycle_action(config, "down-1", "") == config


def test_adding_a_phase_appends_one_of_the_chosen_kind() -> None:
    added = apply_cycle_action({"phases": [{"kind": "prepare"}]}, "add_phase", "follow_up")
    assert added["phases"][-1] == {"kind": "follow_up"}


def test_adding_a_phase_beyond_eight_adds_none() -> None:
    config = {"phases": [{"kind": "prepare"}] * 8}
    assert len(apply_cycle_action(config, "add_phase", "meet")["phases"]) == 8


def test_cycle_rows_offer_an_empty_turn_to_fill() -> None:
    rows = cycle_rows({"phases": [{"kind": "meet", "protocol": [{"title": "A", "minutes": 5}]}]})
    assert rows[0]["protocol"] == [{"title": "A", "minutes": 5}, {}]


def test_a_problem_is_tied_to_the_field_it_is_about() -> None:
    assert field_of(("phases", 1, "protocol", 0, "minutes")) == "p1-t0-minutes"
    assert field_of(("phases", 1, "roles", 3)) == "p1-roles"
    assert field_of(("phases", 2, "file_types", 0)) == "p2-file_types"
    assert field_of(("phases", 0, "title")) == "p0-title"
    assert field_of(("phases",)) == "phases"
    assert field_of(()) == "peer_feedback_required"
    assert field_of(("duration_minutes",)) == "duration_minutes"
