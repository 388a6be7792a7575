"""``org leader``, ``unit leader`` and ``org people``: naming leaders, with clear errors."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.tenancy.models import AuditEvent
from tests.leadership.conftest import Launches


def _invoke(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_org_leader_add_by_email_lists_the_leader(
    runner: FlaskCliRunner, launches: Launches
) -> None:
    launches.launch("chef")
    _invoke(runner, "org", "leader", "add", "--org", "org-a", "--person", "chef@example.test")
    leaders = json.loads(_invoke(runner, "org", "leader", "list", "--org", "org-a", "--json"))
    assert [(lead["name"], lead["unit"], lead["source"]) for lead in leaders] == [
        ("Chef", None, "admin")
    ]


def test_unit_leader_add_by_id_leads_that_unit(runner: FlaskCliRunner, launches: Launches) -> None:
    launches.launch("rektor")
    person = str(launches.person_id("rektor"))
    _invoke(
        runner, "unit", "leader", "add", "--org", "org-a", "--unit", "Skola A", "--person", person
    )
    output = _invoke(runner, "unit", "leader", "list", "--org", "org-a", "--unit", "Skola A")
    assert "unit Skola A" in output


def test_grants_and_removals_are_audited(
    app: Flask, runner: FlaskCliRunner, launches: Launches
) -> None:
    launches.launch("chef")
    for action in ("add", "remove"):
        _invoke(runner, "org", "leader", action, "--org", "org-a", "--person", "chef@example.test")
    with get_database(app).session() as session:
        kinds = list(
            session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("leader.%")))
        )
    assert kinds == ["leader.granted", "leader.revoked"]


def test_naming_the_same_leader_twice_says_so(runner: FlaskCliRunner, launches: Launches) -> None:
    launches.launch("chef")
    args = ["org", "leader", "add", "--org", "org-a", "--person", "chef@example.test"]
    _invoke(runner, *args)
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "already leads organisation 'org-a'" in result.output


def test_unknown_person_gets_a_clear_error(runner: FlaskCliRunner, launches: Launches) -> None:
    launches.launch("chef")
    result = runner.invoke(
        args=["org", "leader", "add", "--org", "org-a", "--person", "nobody@example.test"]
    )
    assert result.exit_code == 1
    assert "has nobody with id or e-mail 'nobody@example.test'" in result.output
    assert "Traceback" not in result.output


def test_removing_a_grant_that_does_not_exist_says_so(
    runner: FlaskCliRunner, launches: Launches
) -> None:
    launches.launch("chef")
    result = runner.invoke(
        args=[
            "unit",
            "leader",
            "remove",
            "--org",
            "org-a",
            "--unit",
            "Skola A",
            "--person",
            "chef@example.test",
        ]
    )
    assert result.exit_code == 1
    assert "does not lead unit 'Skola A'" in result.output


def test_org_people_lists_who_has_launched(runner: FlaskCliRunner, launches: Launches) -> None:
    launches.launch("anna")
    people = json.loads(_invoke(runner, "org", "people", "--org", "org-a", "--json"))
    assert [(p["name"], p["email"]) for p in people] == [("Anna", "anna@example.test")]
