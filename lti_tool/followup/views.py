"""The leader's follow-up pages inside the launch: a school unit's and the organisation's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from lti_tool.db import get_read_session
from lti_tool.followup.charts import Bar, share_chart
from lti_tool.followup.measurement import GoalMeasurement, RoundInfo, UnitRow
from lti_tool.followup.pages import OrganisationFilters, organisation_page, unit_page
from lti_tool.followup.staff import unit_staff
from lti_tool.frameworks.models import Competence
from lti_tool.journeys.errors import JourneyError, JourneyNotFoundError
from lti_tool.launch_session import launch_identity
from lti_tool.leadership.access import current_reach, refuse_unless, require_leader
from lti_tool.leadership.services import manages
from lti_tool.privacy import Cell, policy_for
from lti_tool.privacy.views import CellFormat, render_cell
from lti_tool.tenancy.models import Organization, Unit

bp = Blueprint("followup", __name__, url_prefix="/follow-up")

MAX_ID = 2**31 - 1


def competence_title(competence: Competence) -> str:
    """The competence's title in the page's language (the other one when it has none)."""
    swedish = str(get_locale()) == "sv"
    first, second = (
        (competence.title_sv, competence.title_en)
        if swedish
        else (competence.title_en, competence.title_sv)
    )
    title = first or second
    return f"{competence.code} {title}".strip() if competence.code else title


def round_label(info: RoundInfo) -> str:
    return str(_("%(survey)s, round %(number)d", survey=info.survey_title, number=info.number))


@bp.app_template_global("followup_measurement_chart")
def measurement_chart(measurement: GoalMeasurement, chart_id: str, title: str) -> Markup:
    """The measurement's share at or above the target level per round, with the target."""
    bars = [Bar(round_label(r.round), r.share) for r in measurement.rounds]
    return share_chart(chart_id, title, bars, measurement.target_share)


@bp.app_template_global("followup_unit_chart")
def unit_chart(rows: Sequence[UnitRow], chart_id: str, title: str, target: float | None) -> Markup:
    """A round's share at or above the target level per unit, with the target."""
    bars = [Bar(row.unit_name or str(_("No school unit given")), row.share) for row in rows]
    return share_chart(chart_id, title, bars, target)


@bp.app_template_global("followup_competence_title")
def _competence_title(competence: Competence) -> str:
    return competence_title(competence)


@bp.app_template_filter("followup_cell")
def followup_cell(cell: Cell[int] | Cell[float], kind: CellFormat = "number") -> Markup:
    """``privacy_cell`` remembered for the request: a page of hundreds of cells repeats the
    same few hidden ones and values, and each is formatted for the page's language once."""
    cache: dict[tuple[object, str], Markup] = g.setdefault("followup_cells", {})
    key = (cell, kind)
    if key not in cache:
        cache[key] = render_cell(cell, kind)
    return cache[key]


@bp.app_template_global("followup_offered")
def followup_offered() -> bool:
    """Whether this launch leads the organisation or a unit (the landing page's link)."""
    reach = current_reach()
    return reach.whole_organization or bool(reach.unit_ids)


@bp.app_template_global("followup_round_label")
def _round_label(info: RoundInfo) -> str:
    return round_label(info)


def _filter(name: str, message: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    raise JourneyError("bad_filter", message)


@bp.get("/")
@require_leader
def follow_up_index() -> ResponseReturnValue:
    """The units the leader leads, and the organisation view for organisation leaders."""
    reach = current_reach()
    session = get_read_session()
    units = session.scalars(
        select(Unit)
        .where(Unit.organization_id == reach.organization_id, Unit.id.in_(reach.unit_ids))
        .order_by(Unit.name, Unit.id)
    ).all()
    g.no_store = True
    return render_template("followup/index.html", reach=reach, units=units)


@bp.get("/units/<int:unit_id>")
@require_leader
def unit_view(unit_id: int) -> ResponseReturnValue:
    """A rektor's follow-up of a unit they lead."""
    identity = launch_identity()
    reach = current_reach()
    session = get_read_session()
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organization_id != identity.organization_id:
        raise JourneyNotFoundError("unit_not_found", _("That school unit does not exist."))
    refuse_unless(reach.leads_unit(unit.id))
    organization = session.get_one(Organization, identity.organization_id)
    page = unit_page(
        session,
        unit,
        unit_staff(session, identity.organization_id),
        policy_for(organization),
        lambda person_id: manages(session, reach, person_id),
        datetime.now(UTC).date(),
        competence_title,
    )
    g.no_store = True
    return render_template("followup/unit.html", page=page)


@bp.get("/organisation")
@require_leader
def organisation_view() -> ResponseReturnValue:
    """The organisation leader's follow-up of every goal by unit, with filters."""
    identity = launch_identity()
    reach = current_reach()
    refuse_unless(reach.whole_organization)
    filters = OrganisationFilters(
        round_id=_filter("round", _("Choose the survey round from the list.")),
        goal_id=_filter("goal", _("Choose the goal from the list.")),
        unit_id=_filter("unit", _("Choose the school unit from the list.")),
    )
    session = get_read_session()
    organization = session.get_one(Organization, identity.organization_id)
    try:
        page = organisation_page(
            session,
            identity.organization_id,
            filters,
            unit_staff(session, identity.organization_id),
            policy_for(organization),
            datetime.now(UTC).date(),
            competence_title,
        )
    except JourneyNotFoundError as error:
        messages = {
            "goal_not_found": _("That goal does not exist."),
            "unit_not_found": _("That school unit does not exist."),
            "round_not_found": _("That survey round does not exist."),
        }
        raise JourneyNotFoundError(error.code, messages.get(error.code, error.detail)) from None
    g.no_store = True
    return render_template("followup/organisation.html", page=page, organization=organization)
