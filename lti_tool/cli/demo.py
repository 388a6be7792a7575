"""``lti-journeys demo``: the development demo LMS."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors
from lti_tool.demo.platform import DemoPlatform, seed


@click.group("demo", cls=AppGroup, help="The built-in demo learning platform (development only).")
def demo_group() -> None:
    pass


@demo_group.command("seed", help="Create the demo organisations, units and platform registrations.")
@clear_errors
def demo_seed() -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    if not settings.demo_active:
        raise click.ClickException(
            "The demo is disabled (production, or LTI_JOURNEYS_DEMO_ENABLED=false)."
        )
    platform = DemoPlatform(settings.demo_base_url, current_app.instance_path)
    with admin_session() as session:
        created = seed(session, platform)
    for line in created:
        click.echo(f"Created {line}.")
    click.echo("Demo is ready." if created else "Demo was already seeded.")
    click.echo(f"Open {settings.base_url}/demo/ to launch the tool.")
