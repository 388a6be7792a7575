"""``lti-journeys org privacy --min-group N``: the smallest group an organisation's views show."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.privacy import policy_for
from lti_tool.tenancy.models import AuditEvent, Organization


def _org(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["org", "add", "--slug", "goteborg", "--name", "Göteborgs Stad"])
    assert result.exit_code == 0, result.output


def _organization(app: Flask) -> Organization:
    with get_database(app).session() as session:
        return session.scalars(select(Organization).where(Organization.slug == "goteborg")).one()


def test_new_organisation_hides_groups_of_fewer_than_five(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _org(runner)
    assert policy_for(_organization(app)).min_group == 5


def test_min_group_is_stored_and_reported(app: Flask, runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["org", "privacy", "--org", "goteborg", "--min-group", "10"])
    assert result.exit_code == 0, result.output
    assert "hide groups of fewer than 10 people" in result.output
    assert _organization(app).privacy_min_group == 10


def test_min_group_change_is_audited(app: Flask, runner: FlaskCliRunner) -> None:
    _org(runner)
    runner.invoke(args=["org", "privacy", "--org", "goteborg", "--min-group", "8"])
    with get_database(app).session() as session:
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.kind == "privacy_min_group_changed")
        ).all()
    assert details == ["5 -> 8"]


def test_min_group_below_two_is_refused_with_the_range(app: Flask, runner: FlaskCliRunner) -> None:
    _org(runner)
    result = runner.invoke(args=["org", "privacy", "--org", "goteborg", "--min-group", "1"])
    assert result.exit_code != 0
    assert "must be between 2 and 100 people (got 1)" in result.output
    assert _organization(app).privacy_min_group == 5


def test_min_group_above_a_hundred_is_refused_before_anything_changes(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _org(runner)
    result = runner.invoke(
        args=["org", "privacy", "--org", "goteborg", "--pseudonymise", "--min-group", "101"]
    )
    assert result.exit_code != 0
    assert "must be between 2 and 100 people (got 101)" in result.output
    assert _organization(app).xapi_pseudonymise is False
