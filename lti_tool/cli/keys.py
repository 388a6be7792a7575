"""``lti-journeys keys``: the tool's signing keys."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.lti import keys
from lti_tool.lti.runtime import get_runtime


@click.group("keys", cls=AppGroup, help="The tool's RSA signing keys, published at /lti/jwks.")
def keys_group() -> None:
    pass


@keys_group.command("list", help="List keys and whether they are active, retiring or retired.")
@json_option
def keys_list(as_json: bool) -> None:
    with admin_session() as session:
        rows = keys.all_keys(session)
        data = [
            {
                "kid": k.kid,
                "alg": k.alg,
                "state": keys.key_state(k),
                "created_at": k.created_at.isoformat(),
                "retires_at": k.retires_at.isoformat() if k.retires_at else None,
            }
            for k in rows
        ]
        if as_json:
            echo_json(data)
            return
        if not data:
            click.echo(
                "No keys yet; one is created on first use or with: lti-journeys keys rotate."
            )
        for k in data:
            retires = f"  retires {k['retires_at']}" if k["retires_at"] else ""
            click.echo(
                f"{k['kid']}  {k['alg']}  {k['state']:<8} created {k['created_at']}{retires}"
            )


@keys_group.command(
    "rotate", help="Publish a new signing key now; old keys stay published for a grace period."
)
@click.option(
    "--grace-days", type=click.IntRange(0, 365), default=None, help="Default from settings."
)
@clear_errors
def keys_rotate(grace_days: int | None) -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    days = settings.key_rotation_grace_days if grace_days is None else grace_days
    with admin_session() as session:
        new_key, retiring = keys.rotate_keys(session, get_runtime().box, timedelta(days=days))
        session.commit()
        click.echo(f"New signing key {new_key.kid} is active and published.")
        for k in retiring:
            click.echo(
                f"Key {k.kid} stays in the JWKS until {k.retires_at:%Y-%m-%d %H:%M} UTC, then retires."
            )
