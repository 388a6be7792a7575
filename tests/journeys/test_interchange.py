"""Journey files: YAML and JSON round trips, errors with line and field, the shipped examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from lti_tool.journeys.content import (
    CollegialCycleConfig,
    JourneyDocument,
    LiveSessionConfig,
    journey_schema,
)
from lti_tool.journeys.examples import example_documents
from lti_tool.journeys.interchange import (
    MAX_FILE_BYTES,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    InterchangeError,
    dump_document,
    load_document,
)
from tests.journeys.conftest import BILLION_LAUGHS, sample_document

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "journey-schema.json"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_gives_the_same_journey(fmt: str) -> None:
    document = sample_document()
    assert load_document(dump_document(document, fmt)) == document  # type: ignore[arg-type]


def _group_work_document() -> JourneyDocument:
    """The sample journey with a live session and a collegial cycle of every phase field."""
    data = sample_document().model_dump(mode="json")
    data["sections"].append(
        {
            "key": "section-group",
            "title": "Tillsammans",
            "steps": [
                {
                    "key": "step-session",
                    "title": "Träff",
                    "content": {
                        "type": "live_session",
                        "description": "Vi ses i **aulan**.",
                        "duration_minutes": 45,
                        "self_check_in": False,
                        "check_in_opens_minutes": 0,
                    },
                },
                {
                    "key": "step-cycle",
                    "title": "Kollegialt lärande",
                    "content": {
                        "type": "collegial_cycle",
                        "intro": "Fyra faser.",
                        "phases": [
                            {"key": "prep", "kind": "prepare", "reflection_min_length": 80},
                            {
                                "key": "meet",
                                "kind": "meet",
                                "title": "Träff",
                                "roles": ["Presentatör", "Kollegor"],
                                "protocol": [
                                    {
                                        "title": "Presentation",
                                        "minutes": 5,
                                        "speaker": "Presentatör",
                                    },
                                    {"title": "Respons", "minutes": 7, "guidance": "Kort."},
                                ],
                            },
                            {
                                "key": "try",
                                "kind": "practice",
                                "evidence_kinds": ["file"],
                                "file_types": ["pdf"],
                                "max_file_mb": 3,
                            },
                            {"key": "follow", "kind": "follow_up", "instructions": "Skriv."},
                        ],
                        "peer_feedback_required": False,
                        "feedback_strengths": 0,
                        "feedback_next_steps": 3,
                    },
                },
            ],
        }
    )
    return JourneyDocument.model_validate(data)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_live_sessions_and_collegial_cycles_round_trip_unchanged(fmt: str) -> None:
    document = _group_work_document()
    assert load_document(dump_document(document, fmt)) == document  # type: ignore[arg-type]


def test_a_cycle_without_phases_gets_the_english_default_phases() -> None:
    data = _group_work_document().model_dump(mode="json")
    del data["sections"][2]["steps"][1]["content"]["phases"]
    data["sections"][2]["steps"][1]["content"]["peer_feedback_required"] = True
    cycle = load_document(json.dumps(data)).sections[2].steps[1].content
    assert isinstance(cycle, CollegialCycleConfig)
    assert [t.title for t in cycle.phases[1].protocol][:2] == [
        "Presentation",
        "Clarifying questions",
    ]


def test_a_problem_in_a_cycle_names_its_line_and_field() -> None:
    text = dump_document(_group_work_document()).replace("minutes: 7", "minutes: 0")
    with pytest.raises(InterchangeError) as refused:
        load_document(text, "resa.yaml")
    (problem,) = refused.value.problems
    assert problem.startswith("line ")
    assert "sections[2].steps[1].content.phases[1].protocol[1].minutes" in problem


def test_yaml_keeps_markdown_as_a_literal_block() -> None:
    text = dump_document(sample_document())
    assert "body: |-\n" in text and "# AI i skolan" in text


def test_every_problem_names_its_line_and_field() -> None:
    text = dump_document(sample_document())
    broken = text.replace("kind: true_false", "kind: yes_no").replace(
        "title: Reflektera", "titel: Reflektera"
    )
    with pytest.raises(InterchangeError) as refused:
        load_document(broken, "resa.yaml")
    problems = refused.value.problems
    assert len(problems) == 3
    assert any(
        p.startswith("line ") and "sections[1].steps[0].content.questions[1].kind" in p
        for p in problems
    )
    assert any("sections[0].steps[1].titel" in p and "line " in p for p in problems)


def test_a_step_naming_an_unknown_goal_is_refused() -> None:
    data = sample_document().model_dump(mode="json")
    data["sections"][0]["steps"][0]["goals"] = ["no-such-goal"]
    with pytest.raises(InterchangeError, match="no-such-goal"):
        load_document(json.dumps(data))


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(InterchangeError, match="line 2, column 9: mapping values"):
        load_document("slug: a\ntitle: b: c\n", "x.yaml")


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    with pytest.raises(InterchangeError):
        load_document("!!python/object/apply:os.system ['true']\n")


def test_a_file_that_is_not_a_journey_is_refused() -> None:
    with pytest.raises(InterchangeError, match="one journey"):
        load_document("- a\n- b\n")


def test_files_over_the_size_limit_are_refused() -> None:
    with pytest.raises(InterchangeError, match="5 MB"):
        load_document("#" * (MAX_FILE_BYTES + 1))


def test_the_examples_are_valid_journeys() -> None:
    slugs = [d.slug for d in example_documents()]
    assert slugs == ["digital-kompetens", "collegial-learning", "formativ-bedomning"]


def test_the_collegial_example_has_a_live_session_and_a_full_cycle() -> None:
    document = next(d for d in example_documents() if d.slug == "formativ-bedomning")
    contents = [step.content for section in document.sections for step in section.steps]
    cycle = next(c for c in contents if isinstance(c, CollegialCycleConfig))
    assert any(isinstance(c, LiveSessionConfig) for c in contents)
    assert [p.kind for p in cycle.phases] == ["prepare", "meet", "practice", "follow_up"]
    assert document.language == "sv" and cycle.phases[1].roles[1] == "Processledare"


def test_the_published_schema_is_current() -> None:
    assert json.loads(SCHEMA.read_text()) == journey_schema(), (
        "run: lti-journeys journeys schema --output docs/journey-schema.json"
    )


def test_load_document_refuses_markdown_over_the_render_budget() -> None:
    data = sample_document().model_dump(mode="json")
    data["sections"][0]["steps"][0]["content"]["body"] = "![" * 50_000
    with pytest.raises(InterchangeError) as refused:
        load_document(json.dumps(data), "resa.json")
    assert "sections[0].steps[0].content.body" in refused.value.problems[0]


def test_load_document_refuses_yaml_aliases_beyond_the_budget() -> None:
    with pytest.raises(InterchangeError) as refused:
        load_document(BILLION_LAUGHS, "laughs.yaml")
    assert refused.value.problems == [
        f"line 7, column 28: more than {MAX_YAML_ALIASES} aliases (*name); "
        "write the values out instead."
    ]


def test_load_document_refuses_yaml_expanding_beyond_the_node_budget() -> None:
    text = (
        "a: &a ["
        + ", ".join(["x"] * 1_000)
        + "]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
            for i in range(4)
        )
    )
    with pytest.raises(InterchangeError) as refused:
        load_document(text, "wide.yaml")
    assert refused.value.problems == [
        f"line 1, column 1: the document expands to more than {MAX_YAML_NODES:,} values "
        "through its aliases; write the values out instead."
    ]


def test_load_document_refuses_yaml_nested_beyond_the_depth_limit() -> None:
    with pytest.raises(InterchangeError) as refused:
        load_document("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "deep.yaml")
    assert f"nested more than {MAX_YAML_DEPTH} levels" in refused.value.problems[0]


def test_load_document_refuses_json_nested_beyond_the_depth_limit() -> None:
    with pytest.raises(InterchangeError) as refused:
        load_document('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "deep.json")
    assert f"nested more than {MAX_YAML_DEPTH} levels" in refused.value.problems[0]


def test_load_document_accepts_a_few_aliases() -> None:
    text = dump_document(sample_document())
    text = text.replace("title: Digital kompetens", "title: &t Digital kompetens", 1)
    text = text.replace("title: Ge digital återkoppling", "title: *t", 1)
    document = load_document(text)
    assert document.goals[1].title == "Digital kompetens i undervisningen"


@pytest.mark.parametrize(
    "text",
    ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a [x, [y, *a]]\n"],
    ids=["list", "mapping", "nested"],
)
def test_load_document_refuses_a_yaml_alias_inside_its_own_anchor(text: str) -> None:
    with pytest.raises(InterchangeError) as refused:
        load_document(text, "loop.yaml")
    assert "refers to a value that contains it" in refused.value.problems[0]


def test_load_document_refuses_aliases_that_nest_beyond_the_depth_limit() -> None:
    # Each anchor nests 40 levels and holds an alias of the one before: few aliases, deep data.
    levels = "[" * 40
    closing = "]" * 40
    text = f"a0: &a0 {levels}x{closing}\n" + "".join(
        f"a{i}: &a{i} {levels}*a{i - 1}{closing}\n" for i in range(1, 30)
    )
    with pytest.raises(InterchangeError) as refused:
        load_document(text, "deep-aliases.yaml")
    assert f"nests more than {MAX_YAML_DEPTH} levels" in refused.value.problems[0]


def test_load_document_refuses_a_large_file_in_the_default_language_outside_a_request(
    app: Flask,
) -> None:
    with app.app_context(), pytest.raises(InterchangeError) as refused:
        load_document("a" * (MAX_FILE_BYTES + 1), "stor.yaml")
    assert refused.value.problems == [
        "Filen är större än 5 MB. Dela upp resan eller korta texterna."
    ]
