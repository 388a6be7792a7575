"""``lti-journeys org`` and ``lti-journeys unit``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.tenancy import services


@click.group("org", cls=AppGroup, help="Organisations (huvudmän).")
def org_group() -> None:
    pass


@org_group.command("add", help="Add an organisation.")
@click.option("--slug", required=True, help="Short lower-case id, e.g. goteborg.")
@click.option("--name", required=True, help="Display name, e.g. 'Göteborgs Stad'.")
@clear_errors
def org_add(slug: str, name: str) -> None:
    with admin_session() as session:
        org = services.add_organization(session, slug, name)
        click.echo(f"Added organisation {org.slug} ({org.name}), id {org.id}.")


@org_group.command("list", help="List organisations.")
@json_option
def org_list(as_json: bool) -> None:
    with admin_session() as session:
        orgs = services.list_organizations(session)
        if as_json:
            echo_json([{"id": o.id, "slug": o.slug, "name": o.name} for o in orgs])
            return
        if not orgs:
            click.echo("No organisations yet (lti-journeys org add --slug SLUG --name NAME).")
        for o in orgs:
            click.echo(f"{o.id:>4}  {o.slug:<24} {o.name}")


@click.group("unit", cls=AppGroup, help="School units (skolenheter) of an organisation.")
def unit_group() -> None:
    pass


@unit_group.command("add", help="Add a school unit.")
@click.option("--org", "org_slug", required=True)
@click.option("--name", required=True)
@click.option("--code", default=None, help="Its skolenhetskod (8 digits), e.g. 12345678.")
@clear_errors
def unit_add(org_slug: str, name: str, code: str | None) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        unit = services.add_unit(session, org, name, code)
        suffix = f", school unit code {unit.school_unit_code}" if unit.school_unit_code else ""
        click.echo(f"Added unit {unit.name!r} to {org.slug}, id {unit.id}{suffix}.")


@unit_group.command("set-code", help="Set (or clear) a school unit's skolenhetskod.")
@click.argument("org_slug", metavar="ORG")
@click.argument("unit_ref", metavar="UNIT_NAME_OR_ID")
@click.argument("code", metavar="CODE", required=False)
@click.option("--clear", is_flag=True, help="Remove the unit's code instead of setting one.")
@clear_errors
def unit_set_code(org_slug: str, unit_ref: str, code: str | None, clear: bool) -> None:
    if clear == (code is not None):
        raise click.UsageError("Give either a CODE (8 digits) or --clear.")
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        unit = services.get_unit(session, org, unit_ref)
        services.set_school_unit_code(session, org, unit, code)
        if unit.school_unit_code is None:
            click.echo(f"Cleared the school unit code of {unit.name!r} ({org.slug}).")
        else:
            click.echo(
                f"School unit code of {unit.name!r} ({org.slug}) is now {unit.school_unit_code}."
            )


@unit_group.command("list", help="List an organisation's school units.")
@click.option("--org", "org_slug", required=True)
@json_option
@clear_errors
def unit_list(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        units = services.list_units(session, org)
        if as_json:
            echo_json([{"id": u.id, "name": u.name, "code": u.school_unit_code} for u in units])
            return
        for u in units:
            click.echo(f"{u.id:>4}  {u.school_unit_code or '-':<8}  {u.name}")


@org_group.command(
    "privacy",
    help="How people appear in the organisation's xAPI statements, and the smallest group its "
    "aggregate views show.",
)
@click.option("--org", "org_slug", required=True)
@click.option(
    "--pseudonymise/--no-pseudonymise",
    default=None,
    help="Replace the LMS user id by a keyed hash that is stable within the organisation.",
)
@click.option(
    "--include-identity/--no-include-identity",
    default=None,
    help="Include the person's name, as the LMS shares it, in statements.",
)
@click.option(
    "--rotate-pseudonym-key",
    "rotate",
    is_flag=True,
    help="Replace the organisation's pseudonym key: pseudonyms recorded afterwards cannot be "
    "joined with earlier ones.",
)
@click.option("--yes", is_flag=True, help="Confirm --rotate-pseudonym-key.")
@click.option(
    "--min-group",
    type=int,
    default=None,
    metavar="N",
    help="The smallest group of people any aggregate view (follow-up, analytics, exports) may "
    "show, 2..100; smaller ones are hidden (default 5).",
)
@clear_errors
def org_privacy(
    org_slug: str,
    pseudonymise: bool | None,
    include_identity: bool | None,
    rotate: bool,
    yes: bool,
    min_group: int | None,
) -> None:
    if rotate and not yes:
        raise click.ClickException(
            "Rotating the pseudonym key cannot be undone: statements recorded afterwards carry "
            "new pseudonyms that cannot be joined with those already in the LRSs. Add --yes to "
            "rotate."
        )
    if min_group is not None:
        services.check_privacy_min_group(min_group)
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        services.set_xapi_privacy(session, org, pseudonymise, include_identity)
        if min_group is not None:
            services.set_privacy_min_group(session, org, min_group)
        if rotate:
            services.rotate_pseudonym_key(session, org)
            click.echo(
                f"Rotated the pseudonym key of {org.slug}. Old pseudonyms can no longer be joined "
                "with new ones: statements recorded from now on (launches within about ten "
                "seconds) name each person by a new pseudonym."
            )
        click.echo(
            f"xAPI privacy of {org.slug}: pseudonymise={'on' if org.xapi_pseudonymise else 'off'}, "
            f"include identity={'on' if org.xapi_include_identity else 'off'}."
        )
        click.echo(
            f"Aggregate views of {org.slug} hide groups of fewer than {org.privacy_min_group} "
            "people."
        )
