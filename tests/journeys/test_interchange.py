"""Journey files: YAML and JSON round trips, errors with line and field, the shipped examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lti_tool.journeys.content import journey_schema
from lti_tool.journeys.examples import example_documents
from lti_tool.journeys.interchange import (
    MAX_FILE_BYTES,
    InterchangeError,
    dump_document,
    load_document,
)
from tests.journeys.conftest import sample_document

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
