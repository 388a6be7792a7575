"""``lti-journeys goals``: import, export and list an organisation's goals."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lti_tool.cli.common import (
    admin_session,
    clear_errors,
    echo_json,
    json_option,
    read_text_file,
)
from lti_tool.goals.document import walk
from lti_tool.goals.interchange import dump_goals, export_goals, import_goals, load_goals
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.goals.tree import goal_tree
from lti_tool.journeys.interchange import MAX_FILE_BYTES
from lti_tool.tenancy import services

SHOWN_KEYS = 20


@click.group("goals", cls=AppGroup, help="Organisation and unit goals: import, export, list.")
def goals_group() -> None:
    pass


def _read(file: Path) -> str:
    return read_text_file(file, MAX_FILE_BYTES)


def _keys(label: str, keys: list[str]) -> None:
    if not keys:
        return
    shown = ", ".join(keys[:SHOWN_KEYS])
    more = f" … and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else ""
    click.echo(f"  {label} ({len(keys)}): {shown}{more}")


@goals_group.command("import", help="Import goals from a YAML file; goals are updated by key.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation the goals belong to.")
@clear_errors
def import_command(file: Path, org_slug: str) -> None:
    document, places = load_goals(_read(file), str(file))
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        report = import_goals(session, org.id, document, places, str(file))
    click.echo(
        f"Imported {file} into {org_slug}: {len(report.created)} created, "
        f"{len(report.updated)} changed, {report.unchanged} unchanged."
    )
    _keys("created", report.created)
    _keys("changed", report.updated)


@goals_group.command("export", help="Write the organisation's goals (or one unit's) as YAML.")
@click.option("--org", "org_slug", required=True)
@click.option("--unit", "unit_ref", help="Only this school unit's goals (its name or id).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@clear_errors
def export_command(org_slug: str, unit_ref: str | None, output: Path | None) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        unit = services.get_unit(session, org, unit_ref) if unit_ref else None
        document = export_goals(session, org.id, unit)
    text = dump_goals(document)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    total = sum(1 for _ in walk(document.goals))
    click.echo(f"Wrote {total} goals of {org_slug} to {output}.")


def _line(goal: CompetenceGoal, depth: int) -> str:
    where = goal.unit.name if goal.unit is not None else "organisation"
    dates = ""
    if goal.starts_on or goal.ends_on:
        dates = f"  {goal.starts_on or '…'} – {goal.ends_on or '…'}"
    return f"{'  ' * depth}{goal.key}  {goal.title}  [{where}]{dates}"


@goals_group.command("list", help="List the organisation's goals: the cascade of unit goals.")
@click.option("--org", "org_slug", required=True)
@json_option
@clear_errors
def list_command(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        tree = goal_tree(session, org.id)
        if as_json:
            rows = session.scalars(
                select(CompetenceGoal)
                .where(CompetenceGoal.organization_id == org.id)
                .order_by(CompetenceGoal.id)
            )
            echo_json(
                [
                    {
                        "id": g.id,
                        "key": g.key,
                        "title": g.title,
                        "level": str(g.level),
                        "unit": g.unit.name if g.unit else None,
                        "parent": g.parent.key if g.parent else None,
                        "serves": g.serves.key if g.serves else None,
                    }
                    for g in rows
                ]
            )
            return
        if tree.empty:
            click.echo(
                f"No goals in {org_slug} yet (lti-journeys goals import FILE --org {org_slug})."
            )
            return
        for node in tree.walk():
            click.echo(_line(node.goal, node.depth))
            if node.goal.level == GoalLevel.UNIT and node.depth == 0 and node.goal.serves:
                click.echo(f"    serves {node.goal.serves.key}")
