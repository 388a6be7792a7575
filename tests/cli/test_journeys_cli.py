"""``lti-journeys journeys``: import, export, list, publish, assign, schema."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys.interchange import dump_document, load_document
from lti_tool.lti.models import Registration
from tests.journeys.conftest import BILLION_LAUGHS, sample_document
from xapi.lrs.models import Statement


def _file(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "resa.yaml"
    path.write_text(dump_document(sample_document(**overrides)), encoding="utf-8")
    return path


def test_import_creates_and_reports_what_it_made(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    result = runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a"])
    assert result.exit_code == 0, result.output
    assert "Created journey digital-kompetens in org-a: version 1" in result.output
    assert "3 goals, 2 sections, 4 steps" in result.output


def test_import_with_publish_then_list_as_json(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a", "--publish"])
    result = runner.invoke(args=["journeys", "list", "--org", "org-a", "--json"])
    assert json.loads(result.output) == [
        {
            "slug": "digital-kompetens",
            "title": "Digital kompetens i undervisningen",
            "published_version": 1,
            "draft": False,
            "shared": False,
        }
    ]


def test_reimport_of_a_published_journey_makes_a_new_draft(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a", "--publish"])
    result = runner.invoke(
        args=["journeys", "import", str(_file(tmp_path, title="Ny titel")), "--org", "org-a"]
    )
    assert "Updated the draft of journey digital-kompetens in org-a: version 2" in result.output
    published = runner.invoke(args=["journeys", "publish", "digital-kompetens", "--org", "org-a"])
    assert "Published digital-kompetens version 2." in published.output


def test_export_writes_what_was_imported(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a"])
    out = tmp_path / "out.json"
    result = runner.invoke(
        args=[
            "journeys",
            "export",
            "digital-kompetens",
            "--org",
            "org-a",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert load_document(out.read_text()) == sample_document()


def test_invalid_file_exits_non_zero_with_each_problem(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: Bad Slug\ntitle: ''\n", encoding="utf-8")
    result = runner.invoke(args=["journeys", "import", str(bad), "--org", "org-a"])
    assert result.exit_code == 1
    assert "line 1, column 7: slug" in result.output and "line 2" in result.output
    assert "Traceback" not in result.output


def test_unknown_organisation_and_journey_are_named(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    result = runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "nope"])
    assert result.exit_code == 1 and "nope" in result.output
    result = runner.invoke(args=["journeys", "export", "nope", "--org", "org-a"])
    assert result.exit_code == 1 and "No journey 'nope'" in result.output


def test_assign_to_a_unit_needs_a_known_unit(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a", "--publish"])
    missing = runner.invoke(
        args=["journeys", "assign", "digital-kompetens", "--org", "org-a", "--unit", "Ekskolan"]
    )
    assert missing.exit_code == 1 and "No school unit 'Ekskolan'" in missing.output
    runner.invoke(args=["unit", "add", "--org", "org-a", "--name", "Ekskolan"])
    done = runner.invoke(
        args=["journeys", "assign", "digital-kompetens", "--org", "org-a", "--unit", "Ekskolan"]
    )
    assert (
        done.exit_code == 0 and "Assigned digital-kompetens to school unit Ekskolan." in done.output
    )


def test_assign_records_an_assigned_statement(
    app: Flask, runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a", "--publish"])
    result = runner.invoke(args=["journeys", "assign", "digital-kompetens", "--org", "org-a"])
    assert result.exit_code == 0, result.output
    with get_database(app).session() as session:
        verbs = [row.full["verb"]["id"] for row in session.scalars(select(Statement))]
    assert verbs == ["http://activitystrea.ms/schema/1.0/assign"]


def test_schema_prints_the_json_schema(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["journeys", "schema"])
    assert json.loads(result.output)["title"] == "JourneyDocument"


def test_export_finds_the_organisation_when_only_one_has_the_slug(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-a"])
    result = runner.invoke(args=["journeys", "export", "digital-kompetens"])
    assert result.exit_code == 0 and "slug: digital-kompetens" in result.output
    runner.invoke(args=["org", "add", "--slug", "org-b", "--name", "B"])
    runner.invoke(args=["journeys", "import", str(_file(tmp_path)), "--org", "org-b"])
    ambiguous = runner.invoke(args=["journeys", "export", "digital-kompetens"])
    assert ambiguous.exit_code == 1 and "org-a, org-b" in ambiguous.output


def test_import_refuses_a_billion_laughs_file_in_one_line(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(BILLION_LAUGHS, encoding="utf-8")
    result = runner.invoke(args=["journeys", "import", str(laughs), "--org", "org-a"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {laughs}: line 7, column 28: more than 50 aliases (*name); "
        "write the values out instead."
    ]


def test_import_refuses_a_yaml_alias_inside_its_own_anchor(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &a [*a]\n", encoding="utf-8")
    result = runner.invoke(args=["journeys", "import", str(loop), "--org", "org-a"])
    assert result.exit_code == 1
    assert "refers to a value that contains it" in result.output
    assert "Traceback" not in result.output


def test_import_prints_a_translated_refusal_without_a_traceback(
    runner: FlaskCliRunner, registration: Registration, tmp_path: Path
) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    result = runner.invoke(args=["journeys", "import", str(listing), "--org", "org-a"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"Error: {listing}: Filen ska innehålla en läranderesa" in result.output
