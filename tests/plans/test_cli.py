"""``lti-journeys plans list``: an organisation's plans for administrators."""

from __future__ import annotations

import json
from datetime import date

from flask import Flask
from flask.testing import FlaskCliRunner

from lti_tool.db import get_database
from lti_tool.plans import services
from lti_tool.plans.drafts import GoalDraft
from lti_tool.recording import get_recording
from tests.plans.conftest import World, employee_choices, sample_draft, units_a


def _create(app: Flask, world: World, due: date) -> None:
    with get_database(app).session() as session:
        services.create_plan(
            session,
            world.organization_id,
            world.manager_id,
            world.employee_id,
            sample_draft(world, goals=(GoalDraft(title="Mål", due_on=due),)),
            employee_choices(session, world),
            units_a(session, world),
            recording=get_recording(app),
        )


def test_plans_list_names_the_employee_and_the_state(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    _create(app, world, date(2099, 1, 1))
    result = runner.invoke(args=["plans", "list", "--org", "org-a", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["employee"], row["manager"], row["state"]) == ("Alva Lind", "Sara Holm", "draft")


def test_plans_list_overdue_leaves_out_plans_in_time(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    _create(app, world, date(2099, 1, 1))
    result = runner.invoke(args=["plans", "list", "--org", "org-a", "--overdue"])
    assert result.exit_code == 0
    assert result.output.strip() == "No overdue development plans in org-a."


def test_plans_list_overdue_shows_a_plan_past_its_due_date(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    _create(app, world, date(2001, 1, 1))
    result = runner.invoke(args=["plans", "list", "--org", "org-a", "--overdue"])
    assert "Alva Lind" in result.output
    assert "1 overdue" in result.output


def test_plans_list_of_an_unknown_organisation_fails_with_a_reason(
    runner: FlaskCliRunner, world: World
) -> None:
    result = runner.invoke(args=["plans", "list", "--org", "nowhere"])
    assert result.exit_code != 0
    assert "No organisation with slug 'nowhere'" in result.output
