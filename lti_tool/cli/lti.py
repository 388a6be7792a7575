"""``lti-journeys lti``: maintenance of the launch machinery."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.state_store import DatabaseStateStore


@click.group("lti", cls=AppGroup, help="LTI launch maintenance.")
def lti_group() -> None:
    pass


@lti_group.command("purge-state", help="Delete expired login state, nonces and launch data.")
def purge_state() -> None:
    store = get_runtime().store
    if not isinstance(store, DatabaseStateStore):
        click.echo("Launch state is kept in Redis, which expires it by itself; nothing to purge.")
        return
    click.echo(f"Deleted {store.purge_expired()} expired launch state row(s).")
