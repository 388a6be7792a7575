"""Plan pages: the employee's "Min utvecklingsplan", the manager's list, forms, history, changes.

Every form posts, then redirects back (303) with what was done in the URL; refused input
re-renders the form with the reason (4xx). Links and forms carry the session token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.journeys.markdown import render_markdown
from lti_tool.launch_session import (
    current_identity,
    launch_identity,
    require_launch,
    url_with_token,
)
from lti_tool.leadership.access import current_reach, require_leader
from lti_tool.leadership.services import units_of_person
from lti_tool.plans import overview, services
from lti_tool.plans.access import party_of, require_manages
from lti_tool.plans.diff import diff_versions
from lti_tool.plans.drafts import MAX_GOALS, Choices, choices_for
from lti_tool.plans.errors import PlanError, PlanNotFoundError
from lti_tool.plans.forms import draft_from_form, fields_of, slot_count
from lti_tool.plans.models import DevelopmentPlan, PlanVersion
from lti_tool.plans.progress import plan_progress
from lti_tool.plans.services import Party
from lti_tool.tenancy.models import Person, Unit
from lti_tool.validation import strict_int

bp = Blueprint("plans", __name__, url_prefix="/plans")
MAX_NUMBER = 1_000_000


def _page(template: str, status: int = 200, **values: Any) -> Response:
    g.no_store = True
    html = render_template(template, markdown=render_markdown, **values)
    return Response(html, status=status, mimetype="text/html")


def _back(endpoint: str, done: str, **values: Any) -> Response:
    return redirect(url_with_token(endpoint, done=done, **values), 303)  # type: ignore[return-value]


def _units(session: Session, organization_id: int, person_id: int) -> list[Unit]:
    return units_of_person(session, organization_id, person_id)


def _choices(session: Session, organization_id: int, units: list[Unit]) -> Choices:
    return choices_for(session, organization_id, frozenset(u.id for u in units))


def _plan(session: Session, key: str) -> tuple[DevelopmentPlan, Party]:
    identity = launch_identity()
    plan = services.get_plan(session, identity.organization_id, key)
    return plan, party_of(session, identity, plan)


def _version(plan: DevelopmentPlan, number: int | None) -> PlanVersion:
    if number is None:
        return plan.current
    version = next((v for v in plan.versions if v.number == number), None)
    if version is None:
        raise PlanNotFoundError("version_not_found", _l("That version of the plan does not exist."))
    return version


def _plan_page(plan: DevelopmentPlan, party: Party, version: PlanVersion) -> Response:
    session = get_session()
    return _page(
        "plans/plan.html",
        plan=plan,
        party=party,
        progress=plan_progress(session, plan, version),
        current=version is plan.current,
        others=[
            p
            for p in services.plans_of(session, plan.organization_id, [plan.person_id])
            if p.id != plan.id
        ],
        done=request.args.get("done"),
    )


# --- the employee ----------------------------------------------------------------------------
@bp.get("/mine")
@require_launch()
def my_plan() -> ResponseReturnValue:
    identity = launch_identity()
    session = get_session()
    plans = services.plans_of(session, identity.organization_id, [identity.person_id])
    if not plans:
        return _page("plans/none.html")
    return _plan_page(plans[0], Party.EMPLOYEE, plans[0].current)


@bp.get("/<key>")
@require_launch()
def show_plan(key: str) -> ResponseReturnValue:
    plan, party = _plan(get_session(), key)
    number = strict_int(request.args.get("version"), 1, MAX_NUMBER)
    if request.args.get("version") and number is None:
        raise PlanNotFoundError("version_not_found", _l("That version of the plan does not exist."))
    return _plan_page(plan, party, _version(plan, number))


@bp.get("/<key>/changes")
@require_launch()
def plan_changes(key: str) -> ResponseReturnValue:
    plan, party = _plan(get_session(), key)
    after = _version(plan, strict_int(request.args.get("version"), 1, MAX_NUMBER))
    if after.number == 1:
        raise PlanError(
            "no_earlier_version", _l("The first version has no earlier one to compare with.")
        )
    before = _version(plan, after.number - 1)
    return _page("plans/changes.html", plan=plan, party=party, diff=diff_versions(before, after))


@bp.post("/<key>/agree")
@require_launch()
def agree_plan(key: str) -> ResponseReturnValue:
    session = get_session()
    plan, party = _plan(session, key)
    identity = launch_identity()
    services.agree(
        session,
        plan,
        party,
        identity.person_id,
        _units(session, plan.organization_id, plan.person_id),
        based_on=strict_int(request.form.get("version"), 1, MAX_NUMBER),
    )
    return _back("plans.show_plan", "agreed", key=key)


@bp.post("/<key>/goals/<goal_key>")
@require_launch()
def mark_goal(key: str, goal_key: str) -> ResponseReturnValue:
    session = get_session()
    plan, party = _plan(session, key)
    if party != Party.EMPLOYEE:
        raise PlanError(
            "employee_only", _l("The employee marks the goals of their plan done."), 403
        )
    done = request.form.get("done") == "1"
    units = _units(session, plan.organization_id, plan.person_id)
    services.mark_goal(session, plan, goal_key, done, units)
    return _back("plans.show_plan", "marked" if done else "unmarked", key=key)


# --- changes by either party -----------------------------------------------------------------
def _form_page(
    plan: DevelopmentPlan | None,
    person: Person,
    fields: Any,
    choices: Choices,
    status: int = 200,
    error: str | None = None,
) -> Response:
    goal_count = sum(1 for n in range(MAX_GOALS) if fields.get(f"goal-{n}-key"))
    employee = plan is not None and plan.person_id == launch_identity().person_id
    name = person.display_name or _("(name not shared)")
    if plan is None:
        heading = _("New development plan for %(name)s", name=name)
    elif employee:
        heading = _("Propose a change to your plan")
    else:
        heading = _("Change the plan of %(name)s", name=name)
    return _page(
        "plans/form.html",
        status=status,
        plan=plan,
        person=person,
        employee=employee,
        heading=heading,
        fields=fields,
        journeys=set(fields.getlist("journey")) if hasattr(fields, "getlist") else set(),
        slots=slot_count(goal_count),
        choices=choices,
        error=error,
    )


@bp.get("/<key>/edit")
@require_launch()
def edit_plan(key: str) -> ResponseReturnValue:
    session = get_session()
    plan, _party = _plan(session, key)
    units = _units(session, plan.organization_id, plan.person_id)
    fields = _Fields(fields_of(plan.current), [str(j.id) for j in plan.current.journeys])
    return _form_page(plan, plan.person, fields, _choices(session, plan.organization_id, units))


@bp.post("/<key>/edit")
@require_launch()
def save_plan(key: str) -> ResponseReturnValue:
    session = get_session()
    plan, _party = _plan(session, key)
    units = _units(session, plan.organization_id, plan.person_id)
    choices = _choices(session, plan.organization_id, units)
    try:
        draft = draft_from_form(request.form)
        services.change_plan(
            session,
            plan,
            launch_identity().person_id,
            draft,
            choices,
            units,
            based_on=strict_int(request.form.get("version"), 1, MAX_NUMBER),
        )
    except PlanError as exc:
        session.rollback()
        return _form_page(plan, plan.person, request.form, choices, exc.status, str(exc.detail))
    return _back("plans.show_plan", "changed", key=key)


# --- the manager ------------------------------------------------------------------------------
@bp.get("/team")
@require_leader
def team() -> ResponseReturnValue:
    rows = overview.team(get_session(), current_reach())
    return _page("plans/team.html", rows=rows, done=request.args.get("done"))


def _person(session: Session, person_id: int | None) -> Person:
    identity = launch_identity()
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or person.organization_id != identity.organization_id:
        raise PlanNotFoundError("person_not_found", _l("That person does not exist."))
    require_manages(session, person.id)
    return person


@bp.get("/new")
@require_leader
def new_plan() -> ResponseReturnValue:
    session = get_session()
    person = _person(session, strict_int(request.args.get("person"), 1, 2**63 - 1))
    units = _units(session, person.organization_id, person.id)
    choices = _choices(session, person.organization_id, units)
    return _form_page(None, person, _Fields({}, []), choices)


@bp.post("/new")
@require_leader
def create_plan() -> ResponseReturnValue:
    session = get_session()
    person = _person(session, strict_int(request.form.get("person"), 1, 2**63 - 1))
    identity = launch_identity()
    units = _units(session, person.organization_id, person.id)
    choices = _choices(session, person.organization_id, units)
    try:
        plan = services.create_plan(
            session,
            identity.organization_id,
            identity.person_id,
            person.id,
            draft_from_form(request.form),
            choices,
            units,
        )
    except PlanError as exc:
        session.rollback()
        person = _person(session, person.id)
        return _form_page(None, person, request.form, choices, exc.status, str(exc.detail))
    return _back("plans.show_plan", "created", key=plan.key)


class _Fields(dict[str, str]):
    """Form fields shown from a version: a mapping with the chosen journeys as ``getlist``."""

    def __init__(self, values: dict[str, str], journeys: list[str]) -> None:
        super().__init__(values)
        self._journeys = journeys

    def getlist(self, name: str) -> list[str]:
        return self._journeys if name == "journey" else []


def _plan_summary() -> dict[str, Any]:
    """``plan_summary()`` in templates: the launch's own latest plan, for the landing page."""

    def plan_summary() -> Any:
        identity = current_identity()
        if identity is None:
            return None
        return overview.latest_plan(get_session(), identity.organization_id, identity.person_id)

    def leads_people() -> bool:
        return current_identity() is not None and current_reach().is_leader

    return {"plan_summary": plan_summary, "leads_people": leads_people}


def register_plans(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(_plan_summary)
