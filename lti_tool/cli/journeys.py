"""``lti-journeys journeys``: import, export, publish, list and assign journeys."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli.common import (
    admin_session,
    clear_errors,
    echo_json,
    json_option,
    read_text_file,
)
from lti_tool.journeys import assignments, authoring
from lti_tool.journeys.content import journey_schema
from lti_tool.journeys.errors import JourneyNotFoundError
from lti_tool.journeys.interchange import MAX_FILE_BYTES, dump_document, load_document
from lti_tool.journeys.models import AssignmentLevel, Journey, JourneyVersion, VersionStatus
from lti_tool.tenancy import services
from lti_tool.tenancy.models import Organization, Unit


@click.group("journeys", cls=AppGroup, help="Journeys: import, export, publish, list, assign.")
def journeys_group() -> None:
    pass


def _journey(session: Session, org_id: int, slug: str) -> Journey:
    journey = authoring.journey_by_slug(session, org_id, slug)
    if journey is None:
        raise JourneyNotFoundError(
            "journey_not_found",
            f"No journey {slug!r} in this organisation (lti-journeys journeys list --org SLUG).",
        )
    return journey


def _only_journey(session: Session, slug: str) -> Journey:
    """The journey with this slug when exactly one organisation has one."""
    found = session.execute(
        select(Journey, Organization.slug)
        .join(Organization, Organization.id == Journey.organization_id)
        .where(Journey.slug == slug)
    ).all()
    if not found:
        raise click.ClickException(f"No organisation has a journey {slug!r}.")
    if len(found) > 1:
        orgs = ", ".join(sorted(org for _, org in found))
        raise click.ClickException(f"Several organisations have {slug!r} ({orgs}): add --org SLUG.")
    journey: Journey = found[0][0]
    return journey


def _counts(version: JourneyVersion) -> str:
    steps = sum(len(s.steps) for s in version.sections)
    return f"{len(version.goals)} goals, {len(version.sections)} sections, {steps} steps"


@journeys_group.command(
    "import", help="Create a journey from a YAML or JSON file, or replace its draft."
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation that owns the journey.")
@click.option("--publish", "publish_it", is_flag=True, help="Publish the imported draft at once.")
@clear_errors
def import_journey(file: Path, org_slug: str, publish_it: bool) -> None:
    text = read_text_file(file, MAX_FILE_BYTES, "; split the journey")
    document = load_document(text, str(file))
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        journey, draft, created = authoring.import_document(session, org.id, document)
        draft = authoring.load_version(session, draft.id)
        verb = "Created" if created else "Updated the draft of"
        click.echo(
            f"{verb} journey {journey.slug} in {org.slug}: version {draft.number}, "
            f"{_counts(draft)}."
        )
        if publish_it:
            published = authoring.publish(session, journey)
            click.echo(f"Published version {published.number}.")


@journeys_group.command("export", help="Write a journey as YAML or JSON.")
@click.argument("slug")
@click.option("--org", "org_slug", help="Needed when several organisations have this slug.")
@click.option("--version", "number", type=int, help="A version number (default: latest published).")
@click.option("--draft", is_flag=True, help="Export the draft instead of a published version.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@clear_errors
def export_journey(
    slug: str, org_slug: str | None, number: int | None, draft: bool, fmt: str, output: Path | None
) -> None:
    with admin_session() as session:
        if org_slug is not None:
            journey = _journey(session, services.get_organization(session, org_slug).id, slug)
        else:
            journey = _only_journey(session, slug)
        versions = {v.number: v for v in journey.versions}
        if number is not None:
            version = versions.get(number)
            if version is None:
                raise click.ClickException(
                    f"Journey {slug} has no version {number} (it has {sorted(versions)})."
                )
        elif draft:
            version = authoring.current_draft(session, journey)
            if version is None:
                raise click.ClickException(f"Journey {slug} has no draft.")
        else:
            version = authoring.latest_published(session, journey) or authoring.current_draft(
                session, journey
            )
        if version is None:  # pragma: no cover - a journey always has a version
            raise click.ClickException(f"Journey {slug} has no content.")
        text = dump_document(
            authoring.document_of(authoring.load_version(session, version.id)),
            "json" if fmt == "json" else "yaml",
        )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote version {version.number} of {slug} to {output}.")


@journeys_group.command("list", help="List an organisation's journeys.")
@click.option("--org", "org_slug", required=True)
@json_option
@clear_errors
def list_journeys(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        rows = []
        for journey in authoring.list_journeys(session, org.id):
            published = [v for v in journey.versions if v.status == VersionStatus.PUBLISHED]
            latest = published[-1] if published else None
            draft = next((v for v in journey.versions if v.status == VersionStatus.DRAFT), None)
            rows.append(
                {
                    "slug": journey.slug,
                    "title": (latest or draft or journey.versions[-1]).title,
                    "published_version": latest.number if latest else None,
                    "draft": draft is not None,
                    "shared": journey.visibility.value == "shared",
                }
            )
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(
            f"No journeys in {org_slug} yet (lti-journeys journeys import FILE --org {org_slug})."
        )
    for row in rows:
        version = f"v{row['published_version']}" if row["published_version"] else "unpublished"
        flags = ", ".join(
            f for f in ("draft" if row["draft"] else "", "shared" if row["shared"] else "") if f
        )
        click.echo(
            f"{row['slug']:<32} {version:<12} {row['title']}" + (f"  ({flags})" if flags else "")
        )


@journeys_group.command("publish", help="Publish a journey's draft as its next version.")
@click.argument("slug")
@click.option("--org", "org_slug", required=True)
@clear_errors
def publish_journey(slug: str, org_slug: str) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        version = authoring.publish(session, _journey(session, org.id, slug))
        click.echo(f"Published {slug} version {version.number}.")


@journeys_group.command("assign", help="Assign a published journey to the organisation or a unit.")
@click.argument("slug")
@click.option("--org", "org_slug", required=True)
@click.option(
    "--unit", "unit_name", help="A school unit's name; without it: the whole organisation."
)
@clear_errors
def assign_journey(slug: str, org_slug: str, unit_name: str | None) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        journey = _journey(session, org.id, slug)
        unit = None
        if unit_name:
            unit = next((u for u in services.list_units(session, org) if u.name == unit_name), None)
            if unit is None:
                raise click.ClickException(
                    f"No school unit {unit_name!r} in {org.slug} (lti-journeys unit list --org {org.slug})."
                )
        level = AssignmentLevel.UNIT if unit else AssignmentLevel.ORGANIZATION
        assignments.assign(session, journey, level, unit=unit)
        target = f"school unit {unit.name}" if isinstance(unit, Unit) else f"all of {org.slug}"
        click.echo(f"Assigned {slug} to {target}.")


@journeys_group.command("schema", help="Print the JSON Schema of the journey file format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def schema(output: Path | None) -> None:
    text = json.dumps(journey_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote the journey schema to {output}.")
