"""``lti-journeys surveys``: list an organisation's needs-mapping surveys, export a round's results.

The export holds suppressed aggregates per school unit and competence, never anyone's answers.
"""

from __future__ import annotations

import csv
import sys
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lti_tool.cli.common import admin_session, clear_errors, echo_json, json_option
from lti_tool.privacy import Cell, policy_for
from lti_tool.surveys import results, services
from lti_tool.surveys.models import Survey, SurveyResponse
from lti_tool.surveys.services import top_level
from lti_tool.tenancy.services import get_organization


@click.group("surveys", cls=AppGroup, help="Needs-mapping surveys: list, export results.")
def surveys_group() -> None:
    pass


@surveys_group.command("list", help="List an organisation's surveys and their rounds.")
@click.option("--org", "org_slug", required=True, help="The organisation (its slug).")
@json_option
@clear_errors
def list_surveys(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = get_organization(session, org_slug)
        policy = policy_for(org)
        surveys = session.scalars(
            select(Survey).where(Survey.organization_id == org.id).order_by(Survey.id)
        ).all()
        data: list[dict[str, Any]] = [
            {
                "key": survey.key,
                "title": survey.title,
                "unit": survey.unit.name if survey.unit else None,
                "framework": survey.framework.iri,
                "competences": len(services.survey_items(session, survey)),
                "rounds": [
                    {
                        "key": r.key,
                        "number": r.number,
                        "opens_on": r.opens_on.isoformat(),
                        "closes_on": r.closes_on.isoformat(),
                        # None: fewer people than the organisation's threshold.
                        "responses": policy.count(
                            session.scalar(
                                select(func.count()).where(SurveyResponse.round_id == r.id)
                            )
                            or 0
                        ).value,
                    }
                    for r in survey.rounds
                ],
            }
            for survey in surveys
        ]
    if as_json:
        echo_json(data)
        return
    if not data:
        click.echo(f"{org_slug} has no survey yet (leaders create them on the Surveys page).")
        return
    for item in data:
        scope = item["unit"] or "whole organisation"
        click.echo(f"{item['key']}  {item['title']}  ({scope}; {item['competences']} competences)")
        for r in item["rounds"]:
            shown = r["responses"] if r["responses"] is not None else f"< {policy.min_group}"
            click.echo(
                f"  round {r['number']}  {r['key']}  {r['opens_on']}..{r['closes_on']}  "
                f"responses: {shown}"
            )


def _value(cell: Cell[int] | Cell[float]) -> str:
    """A shown number, or empty when the policy hides it."""
    if cell.value is None:
        return ""
    return f"{cell.value:.2f}" if isinstance(cell.value, float) else str(cell.value)


@surveys_group.command(
    "export-results",
    help="CSV of a round's results per school unit and competence: how many answered, the mean "
    "level and how many at each level, small groups left empty (never individual answers).",
)
@click.option("--org", "org_slug", required=True, help="The organisation (its slug).")
@click.option("--round", "round_key", required=True, help="The round's key (surveys list).")
@clear_errors
def export_results(org_slug: str, round_key: str) -> None:
    with admin_session() as session:
        org = get_organization(session, org_slug)
        survey_round = services.get_round(session, org.id, round_key)
        top = top_level(survey_round.survey.framework)
        rows = results.competence_rows(session, org.id, survey_round, policy_for(org))
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            [
                "survey",
                "round",
                "unit",
                "school_unit_code",
                "competence_iri",
                "competence_code",
                "responses",
                "mean_level",
                *(f"level_{n}" for n in range(top + 1)),
            ]
        )
        for row in rows:
            if row.whole:
                unit, code = "(all)", ""
            elif row.unit is None:
                unit, code = "(no unit)", ""
            else:
                unit, code = row.unit.name, row.unit.school_unit_code or ""
            writer.writerow(
                [
                    survey_round.survey.key,
                    survey_round.number,
                    unit,
                    code,
                    row.competence_iri,
                    row.competence_code,
                    _value(row.responses),
                    _value(row.mean),
                    *(_value(cell) for cell in row.levels),
                ]
            )
