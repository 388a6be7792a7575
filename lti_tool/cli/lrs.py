"""``lti-journeys lrs``: credentials of the embedded LRS, erasure and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.lrs_tenancy import tenant_of
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import get_organization, list_organizations
from lti_tool.validation import InvalidInputError, NotFoundError
from xapi.lrs import auth, erasure
from xapi.lrs.agents import parse_agent_param
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


def _lrs_agent() -> dict[str, Any]:
    """The LRS's own agent, author of the voiding statements erasure and purges store."""
    return erasure.lrs_agent(current_app.config["LTI_JOURNEYS_SETTINGS"].base_url)


def _removal_lines(removal: erasure.Removal) -> list[str]:
    lines = [f"Removed {removal.statements} statement(s)."]
    if removal.voiding_removed:
        lines.append(
            f"Of which {removal.voiding_removed} voiding statement(s) whose target was removed."
        )
    if removal.referrers_voided:
        lines.append(
            f"Voided {removal.referrers_voided} statement(s) that referred to removed ones."
        )
    if removal.attachments:
        lines.append(f"Removed {removal.attachments} attachment(s) no other statement uses.")
    return lines


@lrs_group.command(
    "erase-agent",
    help=(
        "Erase a person's LRS data in an organisation: every statement with the agent as actor "
        "or object, and the agent's state and agent profile documents. Statements referring to "
        "erased ones are voided (dangling voiding statements are removed). An audit record "
        "keeps the counts, never the agent."
    ),
)
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--agent",
    "agent_json",
    required=True,
    help='The agent as xAPI JSON with one identifier, e.g. \'{"mbox": "mailto:anna@example.se"}\'.',
)
@json_option
@clear_errors
def erase_agent(org_slug: str, agent_json: str, as_json: bool) -> None:
    try:
        agent = parse_agent_param(agent_json, "--agent")
    except XapiError as exc:
        raise InvalidInputError(exc.message) from None
    with admin_session() as session:
        org = get_organization(session, org_slug)
        result = erasure.erase_agent(session, tenant_of(org), agent, authority=_lrs_agent())
        removal = result.removal
        if as_json:
            echo_json(
                {
                    "organization": org.slug,
                    "statements_removed": removal.statements,
                    "voiding_statements_removed": removal.voiding_removed,
                    "referring_statements_voided": removal.referrers_voided,
                    "attachments_removed": removal.attachments,
                    "documents_removed": result.documents,
                    "audit_record": result.record_id,
                }
            )
            return
        click.echo(f"Erased the agent's LRS data in {org.slug}.")
        for line in _removal_lines(removal):
            click.echo(line)
        click.echo(f"Removed {result.documents} state and agent profile document(s).")
        click.echo(f"Audit record {result.record_id} (counts only) written.")


@lrs_group.command(
    "retention",
    help=(
        "Show or set how long an organisation's statements are kept (days after they were "
        "stored); 'lti-journeys lrs purge' removes older ones."
    ),
)
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--days",
    type=int,
    default=None,
    help=f"Keep statements this many days (1 to {erasure.MAX_RETENTION_DAYS}).",
)
@click.option("--clear", is_flag=True, help="Keep statements indefinitely (no retention period).")
@clear_errors
def retention(org_slug: str, days: int | None, clear: bool) -> None:
    if clear and days is not None:
        raise InvalidInputError("Give --days or --clear, not both.")
    if days is not None and not 1 <= days <= erasure.MAX_RETENTION_DAYS:
        raise InvalidInputError(
            f"--days must be between 1 and {erasure.MAX_RETENTION_DAYS}, got {days}."
        )
    with admin_session() as session:
        org = get_organization(session, org_slug)
        tenant = tenant_of(org)
        if clear:
            erasure.set_retention(session, tenant, None)
            click.echo(f"{org.slug}: statements are kept indefinitely (no retention period).")
            return
        if days is not None:
            erasure.set_retention(session, tenant, days)
            click.echo(
                f"{org.slug}: statements are kept {days} day(s) after they were stored; "
                "'lti-journeys lrs purge' removes older ones."
            )
            return
        current = erasure.get_retention(session, tenant)
        if current is None:
            click.echo(f"{org.slug}: no retention period (statements are kept indefinitely).")
        else:
            click.echo(f"{org.slug}: statements are kept {current} day(s) after they were stored.")


@lrs_group.command(
    "purge",
    help=(
        "Remove an organisation's statements stored longer ago than its retention period "
        "(lti-journeys lrs retention), in batches, with progress."
    ),
)
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--batch", type=click.IntRange(1, 100_000), default=erasure.BATCH, help="Statements per batch."
)
@clear_errors
def purge(org_slug: str, batch: int) -> None:
    with admin_session() as session:
        org = get_organization(session, org_slug)
        tenant = tenant_of(org)
        days = erasure.get_retention(session, tenant)
        if days is None:
            raise InvalidInputError(
                f"{org.slug} has no retention period; set one with "
                f"'lti-journeys lrs retention --org {org.slug} --days N'."
            )
        cutoff = datetime.now(UTC) - timedelta(days=days)
        expired = erasure.count_expired(session, tenant, cutoff)
        click.echo(
            f"{org.slug}: {expired} statement(s) stored before {cutoff.isoformat(timespec='seconds')} "
            f"(retention {days} day(s))."
        )
        if not expired:
            return

        def progress(done: int) -> None:
            click.echo(f"  removed {done}/{expired}...")

        result = erasure.purge_expired(
            session,
            tenant,
            authority=_lrs_agent(),
            now=cutoff + timedelta(days=days),
            days=days,
            batch=batch,
            progress=progress if expired > batch else None,
        )
        if result is None:  # the period was cleared meanwhile
            click.echo("Nothing purged: the retention period was cleared.")
            return
        for line in _removal_lines(result.removal):
            click.echo(line)
        if result.record_id is not None:
            click.echo(f"Audit record {result.record_id} (counts only) written.")
