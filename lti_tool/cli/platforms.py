"""``lti-journeys platform`` and ``lti-journeys deployment``."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.lti import registrations
from lti_tool.lti.dynamic_registration import registration_link
from lti_tool.lti.models import Deployment, Registration
from lti_tool.tenancy.services import get_organization


def _registration_dict(r: Registration) -> dict[str, Any]:
    base = current_app.config["LTI_JOURNEYS_SETTINGS"].base_url
    return {
        "id": r.id,
        "organization": r.organization.slug,
        "issuer": r.issuer,
        "client_id": r.client_id,
        "auth_login_url": r.auth_login_url,
        "auth_token_url": r.auth_token_url,
        "auth_audience": r.auth_audience,
        "keyset_url": r.keyset_url,
        "auto_approve_deployments": r.auto_approve_deployments,
        "approve_first_deployment": r.approve_first_deployment,
        "tool_login_url": f"{base}/lti/login/{r.id}",
        "deployments": [_deployment_dict(d) for d in r.deployments],
    }


def _deployment_dict(d: Deployment) -> dict[str, Any]:
    return {
        "registration_id": d.registration_id,
        "deployment_id": d.deployment_id,
        "status": d.status.value,
        "created_at": d.created_at.isoformat(),
        "approved_at": d.approved_at.isoformat() if d.approved_at else None,
    }


@click.group("platform", cls=AppGroup, help="LMS platform registrations (issuer + client id).")
def platform_group() -> None:
    pass


@platform_group.command(
    "add", help="Register a platform (Canvas, Moodle, ...) for an organisation."
)
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization URL.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token URL.")
@click.option("--keyset-url", required=True, help="The platform's public JWKS URL.")
@click.option("--auth-audience", default=None, help="Token audience, when not the token URL.")
@click.option(
    "--deployment-id", "deployment_ids", multiple=True, help="Known deployment id (repeatable)."
)
@click.option(
    "--auto-approve-deployments", is_flag=True, help="Activate unknown deployments on first launch."
)
@clear_errors
def platform_add(
    org_slug: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    auth_audience: str | None,
    deployment_ids: tuple[str, ...],
    auto_approve_deployments: bool,
) -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    with admin_session() as session:
        org = get_organization(session, org_slug)
        registration = registrations.add_registration(
            session,
            org,
            issuer=issuer,
            client_id=client_id,
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            keyset_url=keyset_url,
            auth_audience=auth_audience,
            deployment_ids=deployment_ids,
            auto_approve=auto_approve_deployments,
            require_https=settings.is_production,
        )
        click.echo(
            f"Registered platform {registration.issuer} (client id {registration.client_id}) for "
            f"{org.slug} as registration {registration.id}, with "
            f"{len(registration.deployments)} active deployment(s)."
        )
        click.echo(
            f"Tool login URL: {settings.base_url}/lti/login/{registration.id} "
            f"(or {settings.base_url}/lti/login)"
        )
        click.echo(f"Tool launch (redirect) URL: {settings.base_url}/lti/launch")
        click.echo(f"Tool JWKS URL: {settings.base_url}/lti/jwks")


@platform_group.command(
    "registration-url",
    help="Print an expiring LTI Dynamic Registration URL that registers a platform for an "
    "organisation (paste it into Moodle's Tool URL or Canvas's LTI Registration).",
)
@click.option("--org", "org_slug", required=True, help="Organisation the platform belongs to.")
@click.option(
    "--hours",
    type=click.FloatRange(0.1, 24 * 14),
    default=24.0,
    show_default=True,
    help="How long the URL stays valid; it works once.",
)
@json_option
@clear_errors
def platform_registration_url(org_slug: str, hours: float, as_json: bool) -> None:
    settings = current_app.config["LTI_JOURNEYS_SETTINGS"]
    with admin_session() as session:
        org = get_organization(session, org_slug)
        link = registration_link(settings.base_url, settings.effective_secret_key, org, hours)
    if as_json:
        echo_json(
            {"url": link.url, "organization": org.slug, "expires_at": link.expires_at.isoformat()}
        )
        return
    click.echo(link.url)
    click.echo(
        f"Registers one platform for {org.slug}; valid once, until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC. Moodle: Site administration > Plugins > "
        "External tool > Manage tools > Tool URL > Add LTI Advantage. Canvas: Admin > "
        "Developer Keys > + Developer Key > + LTI Registration."
    )


@platform_group.command("list", help="List platform registrations.")
@click.option("--org", "org_slug", default=None, help="Only this organisation.")
@json_option
@clear_errors
def platform_list(org_slug: str | None, as_json: bool) -> None:
    with admin_session() as session:
        org = get_organization(session, org_slug) if org_slug else None
        rows = registrations.list_registrations(session, org)
        if as_json:
            echo_json([_registration_dict(r) for r in rows])
            return
        if not rows:
            click.echo("No platforms registered yet (lti-journeys platform add --help).")
        for r in rows:
            active = sum(1 for d in r.deployments if d.status.value == "active")
            pending = len(r.deployments) - active
            click.echo(
                f"{r.id:>4}  {r.organization.slug:<16} {r.issuer}  client_id={r.client_id}  "
                f"deployments: {active} active, {pending} pending"
            )


@click.group("deployment", cls=AppGroup, help="Deployments of the tool on a platform registration.")
def deployment_group() -> None:
    pass


registration_option = click.option(
    "--registration",
    "registration_id",
    type=int,
    required=True,
    help="Registration id (platform list).",
)


@deployment_group.command("add", help="Add an active deployment to a registration.")
@registration_option
@click.option("--deployment-id", required=True)
@clear_errors
def deployment_add(registration_id: int, deployment_id: str) -> None:
    with admin_session() as session:
        registration = registrations.get_registration(session, registration_id)
        registrations.add_deployment(session, registration, deployment_id)
        click.echo(f"Added active deployment {deployment_id!r} to registration {registration_id}.")


@deployment_group.command("approve", help="Approve a pending deployment.")
@registration_option
@click.option("--deployment-id", required=True)
@clear_errors
def deployment_approve(registration_id: int, deployment_id: str) -> None:
    with admin_session() as session:
        registration = registrations.get_registration(session, registration_id)
        registrations.approve_deployment(session, registration, deployment_id)
        click.echo(f"Approved deployment {deployment_id!r} on registration {registration_id}.")


@deployment_group.command("list", help="List deployments.")
@click.option("--registration", "registration_id", type=int, default=None)
@click.option("--pending", is_flag=True, help="Only deployments waiting for approval.")
@json_option
@clear_errors
def deployment_list(registration_id: int | None, pending: bool, as_json: bool) -> None:
    with admin_session() as session:
        registration = (
            registrations.get_registration(session, registration_id) if registration_id else None
        )
        rows = registrations.list_deployments(session, registration, pending)
        if as_json:
            echo_json([_deployment_dict(d) for d in rows])
            return
        if not rows:
            click.echo("No deployments.")
        for d in rows:
            click.echo(
                f"registration {d.registration_id:>4}  {d.deployment_id:<40} {d.status.value}"
            )
