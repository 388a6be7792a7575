"""``lti-journeys db``: schema migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool import migrate
from lti_tool.db import get_database


@click.group("db", cls=AppGroup, help="Database schema migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply all migrations (or up to --revision).")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    engine = get_database().engine
    before = migrate.current_revision(engine)
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    # The key the app has signed with (the development default when none is set), so the
    # pseudonym keys that migration 0017 derives are the ones earlier statements used.
    migrate.upgrade(engine, revision, secret_key=settings.effective_secret_key)
    after = migrate.current_revision(engine)
    click.echo(
        f"Database {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} -> {after}"
    )


@db_group.command("current", help="Show the applied and the latest revision.")
def current() -> None:
    engine = get_database().engine
    click.echo(
        f"applied: {migrate.current_revision(engine) or 'none'}; latest: {migrate.head_revision(engine)}"
    )


@db_group.command("check", help="Fail when the models have changes no migration covers.")
def check() -> None:
    engine = get_database().engine
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        raise click.ClickException(
            "The database is not at the latest revision: run lti-journeys db upgrade."
        )
    diffs = migrate.pending_model_changes(engine)
    if diffs:
        for diff in diffs:
            click.echo(f"  {diff}", err=True)
        raise click.ClickException(f"{len(diffs)} model change(s) have no migration.")
    click.echo("Migrations match the models.")
