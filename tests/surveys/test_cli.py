"""``lti-journeys surveys list`` and ``export-results``: aggregates only, small groups left empty."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskCliRunner

from tests.surveys.conftest import LEAF_11, World, answer

LEVELS = [{"1.1": 1, "1.2": 2, "2": 3}, {"1.1": 2, "1.2": 2, "2": 3}]


def _answered_round(world: World, per_unit: dict[str, int]) -> str:
    survey_round = world.round(world.survey(title="Höstens kartläggning"))
    for unit, n in per_unit.items():
        for i in range(n):
            answer(world, survey_round, world.person(f"{unit}-{i}", unit), LEVELS[i % 2])
    return survey_round.key


def _export(runner: FlaskCliRunner, key: str) -> list[dict[str, str]]:
    result = runner.invoke(args=["surveys", "export-results", "--org", "org-a", "--round", key])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_surveys_list_names_the_surveys_and_their_rounds(
    runner: FlaskCliRunner, world: World
) -> None:
    key = _answered_round(world, {"A": 1})
    result = runner.invoke(args=["surveys", "list", "--org", "org-a"])
    assert result.exit_code == 0, result.output
    assert "Höstens kartläggning" in result.output
    assert key in result.output
    assert "responses: < 5" in result.output


def test_export_results_gives_counts_and_means_per_unit_and_competence(
    runner: FlaskCliRunner, world: World
) -> None:
    key = _answered_round(world, {"A": 6, "B": 6})
    rows = [r for r in _export(runner, key) if r["competence_iri"] == LEAF_11]
    assert [(r["unit"], r["responses"], r["mean_level"]) for r in rows] == [
        ("Skola A", "6", "1.50"),
        ("Skola B", "6", "1.50"),
        ("(all)", "12", "1.50"),
    ]


def test_export_results_leaves_small_groups_empty(runner: FlaskCliRunner, world: World) -> None:
    key = _answered_round(world, {"A": 2, "B": 6})
    rows = [r for r in _export(runner, key) if r["competence_iri"] == LEAF_11]
    unit_a = next(r for r in rows if r["unit"] == "Skola A")
    assert (unit_a["responses"], unit_a["mean_level"], unit_a["level_1"]) == ("", "", "")


def test_export_results_holds_no_person(runner: FlaskCliRunner, world: World) -> None:
    key = _answered_round(world, {"A": 6})
    result = runner.invoke(args=["surveys", "export-results", "--org", "org-a", "--round", key])
    assert "sub-A-0" not in result.output and "A-0" not in result.output


def test_export_results_of_an_unknown_round_says_so(runner: FlaskCliRunner, world: World) -> None:
    result = runner.invoke(args=["surveys", "export-results", "--org", "org-a", "--round", "nej"])
    assert result.exit_code != 0
    assert "Den enkätomgången finns inte." in result.output  # the default language, sv
