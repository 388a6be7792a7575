"""``lti-journeys lrs``: credentials of the embedded LRS."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.lrs_tenancy import tenant_of
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import get_organization, list_organizations
from lti_tool.validation import InvalidInputError, NotFoundError
from xapi.lrs import auth
from xapi.lrs.errors import XapiError


@click.group("lrs", cls=AppGroup, help="The embedded xAPI LRS at /xapi/.")
def lrs_group() -> None:
    pass


@lrs_group.group("credential", cls=AppGroup, help="HTTP Basic credentials for the LRS.")
def credential_group() -> None:
    pass


@credential_group.command("add", help="Create a key and secret for an organisation's LRS data.")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--scopes",
    required=True,
    help=f"Comma-separated xAPI scopes: {', '.join(auth.SCOPES)}.",
)
@click.option("--name", default="", help="What the credential is for, e.g. 'Moodle logstore'.")
@json_option
@clear_errors
def credential_add(org_slug: str, scopes: str, name: str, as_json: bool) -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    try:
        parsed = auth.parse_scopes(scopes)
    except XapiError as exc:
        raise InvalidInputError(exc.message) from None
    with admin_session() as session:
        org = get_organization(session, org_slug)
        credential, secret = auth.create_credential(
            session, tenant_of(org), parsed, name, settings.base_url
        )
        if as_json:
            echo_json({"key": credential.key, "secret": secret})
            return
        click.echo(f"Created LRS credential for {org.slug} with scopes {', '.join(parsed)}.")
        click.echo(f"Endpoint: {settings.base_url}/xapi/")
        click.echo(f"Key:      {credential.key}")
        click.echo(f"Secret:   {secret}")
        click.echo("The secret is shown only now; store it safely.")


@credential_group.command("list", help="List LRS credentials (never their secrets).")
@click.option("--org", "org_slug", default=None, help="Only this organisation.")
@json_option
@clear_errors
def credential_list(org_slug: str | None, as_json: bool) -> None:
    with admin_session() as session:
        orgs = {tenant_of(o): o for o in list_organizations(session)}
        tenant = tenant_of(get_organization(session, org_slug)) if org_slug else None
        rows = auth.list_credentials(session, tenant)
        data: list[dict[str, Any]] = [
            {
                "key": c.key,
                "organization": _slug(orgs.get(c.tenant)),
                "name": c.name,
                "scopes": c.scopes,
                "created_at": c.created_at.isoformat(),
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            }
            for c in rows
        ]
        if as_json:
            echo_json(data)
            return
        if not data:
            click.echo("No LRS credentials (lti-journeys lrs credential add --help).")
        for c in data:
            state = f"revoked {c['revoked_at']}" if c["revoked_at"] else "active"
            click.echo(
                f"{c['key']}  {c['organization']:<16} {','.join(c['scopes']):<30} {state}  {c['name']}"
            )


@credential_group.command("revoke", help="Revoke a credential (effective within seconds).")
@click.option("--key", required=True)
@clear_errors
def credential_revoke(key: str) -> None:
    with admin_session() as session:
        try:
            credential = auth.revoke_credential(session, key)
        except XapiError as exc:
            raise NotFoundError(exc.message) from None
        click.echo(f"Revoked LRS credential {credential.key}.")


def _slug(org: Organization | None) -> str:
    return org.slug if org is not None else "(unknown)"
