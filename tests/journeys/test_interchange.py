"""Journey files: YAML and JSON round trips, errors with line and field, the shipped examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from lti_tool.journeys.content import journey_schema
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
    assert slugs == ["digital-kompetens", "collegial-learning"]


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
