"""``lti-journeys goals``: import, export and list, with every problem of a file at once."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from tests.goals.conftest import World
from tests.goals.test_interchange import GOALS


def _file(tmp_path: Path, text: str = GOALS) -> Path:
    path = tmp_path / "goals.yaml"
    path.write_text(text, "utf-8")
    return path


def _run(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["goals", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_import_reports_what_it_created(
    runner: FlaskCliRunner, session: Session, world: World, tmp_path: Path
) -> None:
    output = _run(runner, "import", str(_file(tmp_path)), "--org", "org-a")
    assert output.startswith(f"Imported {tmp_path / 'goals.yaml'} into org-a: 4 created, 0 changed")


def test_import_with_problems_lists_them_and_fails(
    runner: FlaskCliRunner, session: Session, world: World, tmp_path: Path
) -> None:
    broken = GOALS.replace("unit: Söderskolan", "unit: Okänd").replace(
        "[digital-kompetens]", "[saknas]"
    )
    result = runner.invoke(args=["goals", "import", str(_file(tmp_path, broken)), "--org", "org-a"])
    assert result.exit_code == 1
    assert "2 problems" in result.output and "goals[2].unit" in result.output


def test_list_shows_the_cascade(
    runner: FlaskCliRunner, session: Session, world: World, tmp_path: Path
) -> None:
    _run(runner, "import", str(_file(tmp_path)), "--org", "org-a")
    lines = _run(runner, "list", "--org", "org-a").splitlines()
    assert lines[0].startswith("digital-2027  Digital kompetens för alla  [organisation]")
    assert lines[2].startswith("  norr-feedback  Återkoppling i Norrskolan  [Norrskolan]")


def test_export_of_a_unit_to_a_file(
    runner: FlaskCliRunner, session: Session, world: World, tmp_path: Path
) -> None:
    _run(runner, "import", str(_file(tmp_path)), "--org", "org-a")
    target = tmp_path / "norr.yaml"
    output = _run(runner, "export", "--org", "org-a", "--unit", "Norrskolan", "-o", str(target))
    assert output == f"Wrote 1 goals of org-a to {target}.\n"
    assert "key: norr-feedback" in target.read_text("utf-8")


def test_unknown_organisation_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["goals", "list", "--org", "saknas"])
    assert result.exit_code == 1 and "saknas" in result.output


def test_list_as_json_names_parents_and_served_goals(
    runner: FlaskCliRunner, session: Session, world: World, tmp_path: Path
) -> None:
    _run(runner, "import", str(_file(tmp_path)), "--org", "org-a")
    rows = json.loads(_run(runner, "list", "--org", "org-a", "--json"))
    by_key = {row["key"]: row for row in rows}
    assert by_key["digital-2027-a"]["parent"] == "digital-2027"
    assert by_key["norr-feedback"]["serves"] == "digital-2027"
