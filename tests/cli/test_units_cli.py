"""Admin CLI: school units with their skolenhetskod (add, set-code, clear, list)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskCliRunner


@pytest.fixture
def org(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["org", "add", "--slug", "goteborg", "--name", "Göteborgs Stad"])
    assert result.exit_code == 0, result.output
    return "goteborg"


def _units(runner: FlaskCliRunner, org: str) -> list[dict[str, object]]:
    result = runner.invoke(args=["unit", "list", "--org", org, "--json"])
    assert result.exit_code == 0, result.output
    units: list[dict[str, object]] = json.loads(result.output)
    return units


def _add(runner: FlaskCliRunner, org: str, name: str, *extra: str) -> None:
    result = runner.invoke(args=["unit", "add", "--org", org, "--name", name, *extra])
    assert result.exit_code == 0, result.output


def test_unit_add_with_code_lists_it_in_json(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Hvitfeldtska gymnasiet", "--code", "12345678")
    assert _units(runner, org) == [{"id": 1, "name": "Hvitfeldtska gymnasiet", "code": "12345678"}]


def test_unit_list_text_shows_the_code(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Hvitfeldtska gymnasiet", "--code", "12345678")
    result = runner.invoke(args=["unit", "list", "--org", org])
    assert "12345678  Hvitfeldtska gymnasiet" in result.output


def test_unit_add_with_invalid_code_says_eight_digits(runner: FlaskCliRunner, org: str) -> None:
    result = runner.invoke(
        args=["unit", "add", "--org", org, "--name", "Ekskolan", "--code", "1234-567"]
    )
    assert result.exit_code != 0
    assert "exactly 8 digits" in result.output
    assert _units(runner, org) == []


def test_unit_set_code_by_name(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan")
    result = runner.invoke(args=["unit", "set-code", org, "Ekskolan", "87654321"])
    assert result.exit_code == 0, result.output
    assert _units(runner, org)[0]["code"] == "87654321"


def test_unit_set_code_by_id(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan")
    result = runner.invoke(args=["unit", "set-code", org, "1", "87654321"])
    assert result.exit_code == 0, result.output
    assert _units(runner, org)[0]["code"] == "87654321"


def test_unit_set_code_refuses_a_code_of_seven_digits(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan")
    result = runner.invoke(args=["unit", "set-code", org, "Ekskolan", "1234567"])
    assert result.exit_code != 0
    assert "'1234567' is not valid: a skolenhetskod is exactly 8 digits" in result.output


def test_unit_set_code_refuses_non_ascii_digits(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan")
    result = runner.invoke(args=["unit", "set-code", org, "Ekskolan", "１２３４５６７８"])
    assert result.exit_code != 0
    assert "exactly 8 digits" in result.output


def test_unit_set_code_refuses_a_code_another_unit_holds(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan", "--code", "87654321")
    _add(runner, org, "Björkskolan")
    result = runner.invoke(args=["unit", "set-code", org, "Björkskolan", "87654321"])
    assert result.exit_code != 0
    assert "'Ekskolan'" in result.output and "already has the school unit code" in result.output


def test_unit_set_code_clear_removes_it(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan", "--code", "87654321")
    result = runner.invoke(args=["unit", "set-code", org, "Ekskolan", "--clear"])
    assert result.exit_code == 0, result.output
    assert "Cleared" in result.output
    assert _units(runner, org)[0]["code"] is None


def test_unit_set_code_needs_a_code_or_clear(runner: FlaskCliRunner, org: str) -> None:
    _add(runner, org, "Ekskolan")
    result = runner.invoke(args=["unit", "set-code", org, "Ekskolan"])
    assert result.exit_code != 0
    assert "either a CODE" in result.output


def test_unit_set_code_unknown_unit_names_the_list_command(
    runner: FlaskCliRunner, org: str
) -> None:
    result = runner.invoke(args=["unit", "set-code", org, "Okänd skola", "87654321"])
    assert result.exit_code != 0
    assert "lti-journeys unit list --org goteborg" in result.output


def test_unit_code_is_unique_within_an_organisation_only(runner: FlaskCliRunner, org: str) -> None:
    runner.invoke(args=["org", "add", "--slug", "boras", "--name", "Borås Stad"])
    _add(runner, org, "Ekskolan", "--code", "87654321")
    _add(runner, "boras", "Ekskolan", "--code", "87654321")
    _add(runner, org, "Björkskolan")
    _add(runner, org, "Lindskolan")
    assert [u["code"] for u in _units(runner, org)] == [None, "87654321", None]
