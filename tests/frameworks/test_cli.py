"""``lti-journeys frameworks``: import, list, show, export, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence
from tests.frameworks.conftest import (
    FRAMEWORK_IRI,
    SMALL_CASE,
    SMALL_IRI,
    framework_data,
    small_case,
)

DIGCOMPEDU = "https://w3id.org/xapi/lti-journeys/frameworks/digcompedu"


def _yaml_file(tmp_path: Path, **overrides: object) -> Path:
    path = tmp_path / "ram.yaml"
    path.write_text(yaml.safe_dump(framework_data(**overrides), allow_unicode=True), "utf-8")
    return path


def _run(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["frameworks", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_import_of_a_case_package_reports_what_it_made(runner: FlaskCliRunner, org_a: int) -> None:
    output = _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    assert output == f"Imported framework {SMALL_IRI} into org-a: 4 competences.\n"


def test_import_tells_yaml_from_the_content(
    runner: FlaskCliRunner, org_a: int, tmp_path: Path
) -> None:
    output = _run(runner, "import", str(_yaml_file(tmp_path)), "--org", "org-a")
    assert output == f"Imported framework {FRAMEWORK_IRI} into org-a: 4 competences.\n"


def test_reimport_lists_the_changes(runner: FlaskCliRunner, org_a: int, tmp_path: Path) -> None:
    _run(runner, "import", str(_yaml_file(tmp_path)), "--org", "org-a")
    changed = framework_data()
    changed["competences"].append({"code": "3", "title": {"sv": "Samarbeta"}})
    output = _run(runner, "import", str(_yaml_file(tmp_path, **changed)), "--org", "org-a")
    assert output.splitlines() == [
        f"Updated framework {FRAMEWORK_IRI} in org-a: 1 added, 0 changed, 0 removed, 4 unchanged.",
        "  added (1):",
        f"    {FRAMEWORK_IRI}/3",
    ]


def test_import_of_a_bad_file_lists_every_problem_without_a_traceback(
    runner: FlaskCliRunner, org_a: int, tmp_path: Path
) -> None:
    data = small_case()
    del data["CFItems"][0]["uri"]
    del data["CFItems"][2]["fullStatement"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(args=["frameworks", "import", str(path), "--org", "org-a"])
    assert result.exit_code == 1
    assert "2 problems" in result.output
    assert "CFItems[0].uri: Field required" in result.output
    assert "CFItems[2].fullStatement: Field required" in result.output
    assert "Traceback" not in result.output


def test_failed_reimport_leaves_the_framework_as_it_was(
    runner: FlaskCliRunner, session: Session, org_a: int, tmp_path: Path
) -> None:
    _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    data = small_case()
    data["CFItems"].append({"identifier": "new", "uri": "https://example.org/new"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), "utf-8")
    runner.invoke(args=["frameworks", "import", str(path), "--org", "org-a"])
    assert session.scalar(select(func.count()).select_from(Competence)) == 4


def test_import_of_a_missing_file_says_so(runner: FlaskCliRunner, org_a: int) -> None:
    result = runner.invoke(args=["frameworks", "import", "nowhere.yaml", "--org", "org-a"])
    assert (result.exit_code, result.output) == (1, "Error: nowhere.yaml: no such file.\n")


def test_import_into_an_unknown_organisation_names_the_known_ones(
    runner: FlaskCliRunner, org_a: int
) -> None:
    result = runner.invoke(args=["frameworks", "import", str(SMALL_CASE), "--org", "org-x"])
    assert result.exit_code == 1
    assert "No organisation with slug 'org-x'. Known: org-a" in result.output


def test_import_digcompedu_loads_the_shipped_framework(runner: FlaskCliRunner, org_a: int) -> None:
    output = _run(runner, "import-digcompedu", "--org", "org-a")
    assert output == f"Imported framework {DIGCOMPEDU} into org-a: 28 competences.\n"


def test_import_builtin_is_the_same_as_import_digcompedu(
    runner: FlaskCliRunner, org_a: int
) -> None:
    _run(runner, "import-digcompedu", "--org", "org-a")
    output = _run(runner, "import", "--builtin", "digcompedu", "--org", "org-a")
    assert output == f"Framework {DIGCOMPEDU} in org-a is already up to date (28 competences).\n"


def test_import_needs_a_file_or_a_builtin(runner: FlaskCliRunner, org_a: int) -> None:
    result = runner.invoke(args=["frameworks", "import", "--org", "org-a"])
    assert result.exit_code == 2
    assert "Give either a FILE or --builtin NAME." in result.output


def test_long_import_shows_progress(runner: FlaskCliRunner, org_a: int, tmp_path: Path) -> None:
    many = [{"code": str(n), "title": {"sv": f"Kompetens {n}"}} for n in range(250)]
    output = _run(runner, "import", str(_yaml_file(tmp_path, competences=many)), "--org", "org-a")
    assert "Importing competences" in output


def test_list_as_json(runner: FlaskCliRunner, org_a: int) -> None:
    _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    rows = json.loads(_run(runner, "list", "--org", "org-a", "--json"))
    assert [(r["iri"], r["levels"], r["competences"]) for r in rows] == [(SMALL_IRI, ["A", "B"], 4)]


def test_list_of_another_organisation_is_empty(
    runner: FlaskCliRunner, org_a: int, org_b: int
) -> None:
    _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    assert json.loads(_run(runner, "list", "--org", "org-b", "--json")) == []


def test_show_prints_the_tree(runner: FlaskCliRunner, org_a: int) -> None:
    _run(runner, "import-digcompedu", "--org", "org-a")
    lines = _run(runner, "show", DIGCOMPEDU, "--org", "org-a").splitlines()
    assert "Levels: A1, A2, B1, B2, C1, C2" in lines
    assert f"    2.1 Selecting digital resources  <{DIGCOMPEDU}/2.1>" in lines


def test_show_of_another_organisations_framework_is_not_found(
    runner: FlaskCliRunner, org_a: int, org_b: int
) -> None:
    _run(runner, "import-digcompedu", "--org", "org-a")
    result = runner.invoke(args=["frameworks", "show", DIGCOMPEDU, "--org", "org-b"])
    assert result.exit_code == 1
    assert f"No framework '{DIGCOMPEDU}' in this organisation" in result.output


def test_export_as_case_then_import_elsewhere_gives_the_same_yaml(
    runner: FlaskCliRunner, org_a: int, org_b: int, tmp_path: Path
) -> None:
    _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    exported = tmp_path / "export.json"
    _run(
        runner,
        "export",
        SMALL_IRI,
        "--org",
        "org-a",
        "--format",
        "case",
        "--lang",
        "sv",
        "--output",
        str(exported),
    )
    _run(runner, "import", str(exported), "--org", "org-b")
    assert _run(runner, "export", SMALL_IRI, "--org", "org-b") == _run(
        runner, "export", SMALL_IRI, "--org", "org-a"
    )


def test_export_by_id_writes_yaml(runner: FlaskCliRunner, org_a: int) -> None:
    _run(runner, "import", str(SMALL_CASE), "--org", "org-a")
    framework_id = json.loads(_run(runner, "list", "--org", "org-a", "--json"))[0]["id"]
    exported = yaml.safe_load(_run(runner, "export", str(framework_id), "--org", "org-a"))
    assert (exported["format"], exported["iri"]) == ("lti-journeys/framework@1", SMALL_IRI)
