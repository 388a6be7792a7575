"""``lti-journeys platform origins``: the sites allowed to frame the tool per registration."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.cli.platforms import registration_option
from lti_tool.lti import frame_origins, registrations


@click.group(
    "origins",
    cls=AppGroup,
    help="Sites whose pages may frame the tool for a registration (besides its issuer and "
    "login URL, and those its launches name).",
)
def origins_group() -> None:
    pass


@origins_group.command("add", help="Let the pages of an origin frame the tool.")
@registration_option
@click.argument("origin")
@clear_errors
def origins_add(registration_id: int, origin: str) -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    with admin_session() as session:
        registration = registrations.get_registration(session, registration_id)
        row = frame_origins.add_origin(session, registration, origin, settings.is_production)
        click.echo(f"Pages of {row.origin} may frame the tool for registration {registration_id}.")


@origins_group.command("list", help="List the origins that may frame the tool.")
@registration_option
@json_option
@clear_errors
def origins_list(registration_id: int, as_json: bool) -> None:
    with admin_session() as session:
        registration = registrations.get_registration(session, registration_id)
        derived = frame_origins.registration_origins(registration)
        rows = [(o, "registration") for o in derived]
        rows += [(r.origin, r.source) for r in frame_origins.list_origins(session, registration)]
    if as_json:
        echo_json([{"origin": origin, "source": source} for origin, source in rows])
        return
    for origin, source in rows:
        click.echo(f"{origin:<50} {source}")


@origins_group.command("remove", help="Stop an added or learned origin from framing the tool.")
@registration_option
@click.argument("origin")
@clear_errors
def origins_remove(registration_id: int, origin: str) -> None:
    with admin_session() as session:
        registration = registrations.get_registration(session, registration_id)
        frame_origins.remove_origin(session, registration, origin)
        click.echo(f"Removed {origin} from registration {registration_id}.")
