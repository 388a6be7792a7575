"""``lti-journeys plans``: the organisation's individual development plans, for administrators.

An administrator's command: it names the people (the web pages show each manager only the
people they lead).
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.plans.progress import plan_progress
from lti_tool.plans.services import plans_of
from lti_tool.tenancy import services


@click.group("plans", cls=AppGroup, help="Individual development plans.")
def plans_group() -> None:
    pass


def _row(session: Session, plan: DevelopmentPlan) -> dict[str, Any]:
    progress = plan_progress(session, plan)
    version = progress.version
    return {
        "key": plan.key,
        "title": plan.title,
        "employee": plan.person.display_name or plan.person.sub,
        "manager": plan.manager.display_name or plan.manager.sub,
        "version": version.number,
        "state": progress.state.value,
        "deadline": version.deadline.isoformat() if version.deadline else None,
        "goals": len(progress.goals),
        "done": progress.done,
        "overdue": progress.overdue,
    }


@plans_group.command("list", help="List an organisation's plans (the latest version of each).")
@click.option("--org", "org_slug", required=True)
@click.option("--overdue", is_flag=True, help="Only plans with at least one overdue goal.")
@json_option
@clear_errors
def list_plans(org_slug: str, overdue: bool, as_json: bool) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        rows = [_row(session, plan) for plan in plans_of(session, org.id)]
    if overdue:
        rows = [row for row in rows if row["overdue"]]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"No {'overdue ' if overdue else ''}development plans in {org_slug}.")
    for row in rows:
        click.echo(
            f"{row['employee']:<28} {row['title'][:40]:<40} v{row['version']:<3} "
            f"{row['state']:<21} goals {row['done']}/{row['goals']}"
            + (f", {row['overdue']} overdue" if row["overdue"] else "")
            + f"  (manager {row['manager']}; {row['key']})"
        )
