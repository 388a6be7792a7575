"""The ``lti-journeys`` command: Flask's CLI group with the admin commands added."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from lti_tool.cli.database import db_group
from lti_tool.cli.demo import demo_group
from lti_tool.cli.frameworks import frameworks_group
from lti_tool.cli.goals import goals_group
from lti_tool.cli.journeys import journeys_group
from lti_tool.cli.keys import keys_group
from lti_tool.cli.leadership import org_leader_group, org_people, unit_leader_group
from lti_tool.cli.lrs import lrs_group
from lti_tool.cli.lti import lti_group
from lti_tool.cli.plans import plans_group
from lti_tool.cli.platform_origins import origins_group
from lti_tool.cli.platforms import deployment_group, platform_group
from lti_tool.cli.reminders import org_reminders, reminders_group
from lti_tool.cli.surveys import surveys_group
from lti_tool.cli.tenancy import org_group, unit_group
from lti_tool.cli.xapi import xapi_group

platform_group.add_command(origins_group)
org_group.add_command(org_leader_group)
org_group.add_command(org_people)
org_group.add_command(org_reminders)
unit_group.add_command(unit_leader_group)

COMMAND_GROUPS = (
    db_group,
    org_group,
    unit_group,
    platform_group,
    deployment_group,
    keys_group,
    lti_group,
    lrs_group,
    xapi_group,
    journeys_group,
    frameworks_group,
    goals_group,
    surveys_group,
    demo_group,
    plans_group,
    reminders_group,
)


def register_commands(app: Flask) -> None:
    for group in COMMAND_GROUPS:
        app.cli.add_command(group)


def _create_app() -> Flask:
    from lti_tool.app import create_app

    return create_app()


main = FlaskGroup(
    name="lti-journeys",
    create_app=_create_app,
    help="Administer lti-journeys: database, organisations, platforms, keys and the demo.",
)
