"""``lti-journeys org leader …``, ``unit leader …`` and ``org people``: who leads whom."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.leadership import services as leadership
from lti_tool.leadership.models import Leader
from lti_tool.tenancy import services as tenancy
from lti_tool.tenancy.models import Person

person_option = click.option(
    "--person", "person_ref", required=True, help="The person's id or e-mail address."
)


@click.group("leader", cls=AppGroup, help="Organisation leaders: they follow up everyone.")
def org_leader_group() -> None:
    pass


@click.group("leader", cls=AppGroup, help="A school unit's leaders (rektorer).")
def unit_leader_group() -> None:
    pass


@org_leader_group.command("add", help="Name an organisation leader.")
@click.option("--org", "org_slug", required=True)
@person_option
@clear_errors
def org_leader_add(org_slug: str, person_ref: str) -> None:
    _change_grant(org_slug, None, person_ref, grant=True)


@org_leader_group.command("remove", help="End an organisation leader's grant.")
@click.option("--org", "org_slug", required=True)
@person_option
@clear_errors
def org_leader_remove(org_slug: str, person_ref: str) -> None:
    _change_grant(org_slug, None, person_ref, grant=False)


@org_leader_group.command("list", help="List the organisation's leaders and unit leaders.")
@click.option("--org", "org_slug", required=True)
@json_option
@clear_errors
def org_leader_list(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = tenancy.get_organization(session, org_slug)
        _print_leaders(leadership.list_leaders(session, org), as_json)


@unit_leader_group.command("add", help="Name a leader (rektor) of a school unit.")
@click.option("--org", "org_slug", required=True)
@click.option("--unit", "unit_ref", required=True, help="The unit's name or id.")
@person_option
@clear_errors
def unit_leader_add(org_slug: str, unit_ref: str, person_ref: str) -> None:
    _change_grant(org_slug, unit_ref, person_ref, grant=True)


@unit_leader_group.command("remove", help="End a unit leader's grant.")
@click.option("--org", "org_slug", required=True)
@click.option("--unit", "unit_ref", required=True, help="The unit's name or id.")
@person_option
@clear_errors
def unit_leader_remove(org_slug: str, unit_ref: str, person_ref: str) -> None:
    _change_grant(org_slug, unit_ref, person_ref, grant=False)


@unit_leader_group.command("list", help="List a school unit's leaders.")
@click.option("--org", "org_slug", required=True)
@click.option("--unit", "unit_ref", required=True, help="The unit's name or id.")
@json_option
@clear_errors
def unit_leader_list(org_slug: str, unit_ref: str, as_json: bool) -> None:
    with admin_session() as session:
        org = tenancy.get_organization(session, org_slug)
        unit = tenancy.get_unit(session, org, unit_ref)
        _print_leaders(leadership.list_leaders(session, org, unit), as_json)


@click.command("people", help="List the people of an organisation (those who have launched).")
@click.option("--org", "org_slug", required=True)
@click.option("--search", default=None, help="Only names or e-mail addresses containing this.")
@json_option
@with_appcontext
@clear_errors
def org_people(org_slug: str, search: str | None, as_json: bool) -> None:
    with admin_session() as session:
        org = tenancy.get_organization(session, org_slug)
        query = select(Person).where(Person.organization_id == org.id).order_by(Person.id)
        if search:
            pattern = "%" + search.replace("%", "").replace("_", "")[:100] + "%"
            query = query.where(Person.name.ilike(pattern) | Person.email.ilike(pattern))
        people = list(session.scalars(query))
        if as_json:
            echo_json(
                [{"id": p.id, "name": p.display_name or None, "email": p.email} for p in people]
            )
            return
        if not people:
            click.echo("Nobody yet: people appear here once they have launched the tool.")
        for p in people:
            click.echo(f"{p.id:>6}  {p.display_name or '-':<32} {p.email or '-'}")


def _change_grant(org_slug: str, unit_ref: str | None, person_ref: str, *, grant: bool) -> None:
    """Name (``grant``) or end the grant of a leader of the organisation, or of a unit when
    ``unit_ref`` is given, and say so."""
    with admin_session() as session:
        org = tenancy.get_organization(session, org_slug)
        unit = tenancy.get_unit(session, org, unit_ref) if unit_ref is not None else None
        person = leadership.find_person(session, org, person_ref)
        if not grant:
            leadership.revoke_leader(session, org, person, unit)
        elif unit is None:
            leadership.grant_organization_leader(session, org, person)
        else:
            leadership.grant_unit_leader(session, org, unit, person)
        session.commit()
        scope = f"unit {unit.name}" if unit is not None else f"organisation {org.slug}"
        click.echo(f"{_who(person)} {'now leads' if grant else 'no longer leads'} {scope}.")


def _who(person: Person) -> str:
    return f"{person.display_name or 'Person'} (id {person.id})"


def _print_leaders(leaders: list[Leader], as_json: bool) -> None:
    if as_json:
        echo_json(
            [
                {
                    "person_id": lead.person_id,
                    "name": lead.person.display_name or None,
                    "unit": lead.unit.name if lead.unit else None,
                    "source": lead.source.value,
                    "since": lead.created_at.isoformat(),
                }
                for lead in leaders
            ]
        )
        return
    if not leaders:
        click.echo("No leaders named yet.")
    for lead in leaders:
        scope = f"unit {lead.unit.name}" if lead.unit else "organisation"
        click.echo(
            f"{lead.person_id:>6}  {lead.person.display_name or '-':<32} {scope:<30} "
            f"({lead.source.value}, since {lead.created_at:%Y-%m-%d})"
        )
