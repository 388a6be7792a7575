"""The goal pages inside a launch: the cascade, a goal, its form, and assigning journeys for it.

Everyone launched sees the organisation's goals and those of their own school units; leaders
also see the goals of the units they lead and change the goals they own (``goals.access``).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.followup.measurement import goal_measurement
from lti_tool.goals import services
from lti_tool.goals.errors import GoalError, GoalForbiddenError, GoalInvalidError, Problem
from lti_tool.goals.forms import AssignmentChoice, assignment_choice, goal_values
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.goals.pages import Viewer, form_choices, goal_page, viewer_of
from lti_tool.goals.services import GoalValues, values_of
from lti_tool.goals.tree import goal_tree
from lti_tool.journeys import assignments
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.models import AssignmentLevel, Journey
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.leadership.access import current_reach
from lti_tool.leadership.services import manages
from lti_tool.privacy import policy_for
from lti_tool.tenancy.models import Organization, Unit
from lti_tool.validation import strict_int

bp = Blueprint("goals", __name__, url_prefix="/goals")


def _viewer(session: Session) -> Viewer:
    return viewer_of(session, launch_identity(), current_reach())


def _visible_goal(session: Session, viewer: Viewer, goal_id: int) -> CompetenceGoal:
    goal = services.get_goal(session, viewer.identity.organization_id, goal_id)
    if not viewer.may_see(goal):
        raise GoalForbiddenError(
            "goal_forbidden", _("This goal belongs to a school unit you neither work in nor lead.")
        )
    return goal


def _refuse_unless_editor(viewer: Viewer, goal: CompetenceGoal) -> None:
    if not viewer.may_edit(goal):
        raise GoalForbiddenError(
            "goal_forbidden",
            _("Only the organisation's leaders change its goals.")
            if goal.level == GoalLevel.ORGANIZATION
            else _("Only the leaders of this school unit change its goals."),
        )


@bp.get("")
@require_launch()
def list_goals() -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    tree = goal_tree(session, viewer.identity.organization_id, viewer.visible)
    g.no_store = True
    return render_template("goals/list.html", tree=tree, viewer=viewer)


def _form(
    session: Session,
    viewer: Viewer,
    values: GoalValues,
    goal: CompetenceGoal | None = None,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    g.no_store = True
    html = render_template(
        "goals/form.html",
        values=values,
        goal=goal,
        choices=form_choices(session, viewer, goal),
        problems=problems or [],
        fields={p.field for p in problems or []},
    )
    return Response(html, status=status, mimetype="text/html")


def _prefilled(session: Session, viewer: Viewer) -> GoalValues:
    """A new goal's values from the link that opened the form (a unit, a parent, a served goal)."""
    args = request.args
    org_id = viewer.identity.organization_id
    values = GoalValues(title="")
    parent_id = strict_int(args.get("parent"), 1, 2**62)
    if parent_id is not None:
        parent = services.get_goal(session, org_id, parent_id)
        values.parent_id, values.level, values.unit_id = parent.id, parent.level, parent.unit_id
        return values
    unit_id = strict_int(args.get("unit"), 1, 2**62)
    if unit_id is not None or not viewer.reach.whole_organization:
        values.level = GoalLevel.UNIT
        values.unit_id = unit_id or (viewer.led_units[0].id if viewer.led_units else None)
    values.serves_id = strict_int(args.get("serves"), 1, 2**62)
    return values


@bp.get("/new")
@require_launch()
def new_goal() -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    if not viewer.may_create:
        raise GoalForbiddenError(
            "goal_forbidden",
            _("Goals are set by the organisation's leaders and the leaders of each school unit."),
        )
    return _form(session, viewer, _prefilled(session, viewer))


def _read_form(
    session: Session, viewer: Viewer, goal: CompetenceGoal | None = None
) -> tuple[GoalValues, list[Problem]]:
    """The form's values; when its shape is wrong, every other problem of it as well."""
    values, problems = goal_values(request.form)
    if problems:
        named = {p.field for p in problems}
        org_id = viewer.identity.organization_id
        problems += [
            p for p in services.check_values(session, org_id, values, goal) if p.field not in named
        ]
    return values, problems


@bp.post("")
@require_launch()
def create_goal() -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    values, problems = _read_form(session, viewer)
    if problems:
        return _form(session, viewer, values, problems=problems, status=400)
    try:
        goal = services.create_goal(
            session,
            viewer.identity.organization_id,
            values,
            viewer.reach,
            author_id=viewer.identity.person_id,
        )
    except GoalInvalidError as exc:
        session.rollback()
        return _form(session, viewer, values, problems=exc.problems, status=400)
    return redirect(url_with_token("goals.show_goal", goal_id=goal.id, done="created"), 303)


def _page(
    session: Session, viewer: Viewer, goal: CompetenceGoal, status: int = 200, **values: object
) -> Response:
    g.no_store = True
    html = render_template(
        "goals/goal.html",
        page=goal_page(session, viewer, goal),
        measurement=goal_measurement(session, goal, policy_for(goal_organization(session, goal))),
        done=request.args.get("done"),
        **values,
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/<int:goal_id>")
@require_launch()
def show_goal(goal_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    return _page(session, viewer, _visible_goal(session, viewer, goal_id))


@bp.get("/<int:goal_id>/edit")
@require_launch()
def edit_goal(goal_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    goal = _visible_goal(session, viewer, goal_id)
    _refuse_unless_editor(viewer, goal)
    return _form(session, viewer, values_of(goal), goal)


@bp.post("/<int:goal_id>")
@require_launch()
def update_goal(goal_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    goal = _visible_goal(session, viewer, goal_id)
    _refuse_unless_editor(viewer, goal)
    values, problems = _read_form(session, viewer, goal)
    if problems:
        return _form(session, viewer, values, goal, problems, 400)
    try:
        services.update_goal(session, goal, values, viewer.reach)
    except GoalInvalidError as exc:
        session.rollback()
        return _form(session, viewer, values, goal, exc.problems, 400)
    return redirect(url_with_token("goals.show_goal", goal_id=goal.id, done="saved"), 303)


@bp.post("/<int:goal_id>/delete")
@require_launch()
def delete_goal(goal_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    goal = _visible_goal(session, viewer, goal_id)
    _refuse_unless_editor(viewer, goal)
    services.delete_goal(session, goal, viewer.reach)
    return redirect(url_with_token("goals.list_goals", done="deleted"), 303)


def _assignment_target(
    session: Session, viewer: Viewer, choice: AssignmentChoice
) -> tuple[AssignmentLevel, Unit | None, int | None]:
    """The level, unit and person of an assignment the viewer may make; 403 otherwise."""
    reach = viewer.reach
    if choice.kind == "organization" and reach.whole_organization:
        return AssignmentLevel.ORGANIZATION, None, None
    if choice.kind == "unit" and reach.leads_unit(choice.target_id):
        unit = session.get(Unit, choice.target_id)
        if unit is not None and unit.organization_id == reach.organization_id:
            return AssignmentLevel.UNIT, unit, None
    if (
        choice.kind == "person"
        and choice.target_id is not None
        and manages(session, reach, choice.target_id)
    ):
        return AssignmentLevel.INDIVIDUAL, None, choice.target_id
    raise GoalForbiddenError(
        "assignment_forbidden",
        _("You may assign journeys only to the units you lead and the people you follow up."),
    )


@bp.post("/<int:goal_id>/assignments")
@require_launch()
def assign_journey(goal_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = _viewer(session)
    goal = _visible_goal(session, viewer, goal_id)
    choice, problems = assignment_choice(request.form)
    if problems:
        return _page(session, viewer, goal, 400, problems=problems)
    level, unit, person_id = _assignment_target(session, viewer, choice)
    journey = session.get(Journey, choice.journey_id)
    if journey is None or journey.organization_id != viewer.identity.organization_id:
        return _page(
            session,
            viewer,
            goal,
            400,
            problems=[Problem("journey", _("Choose a published journey of your organisation."))],
        )
    try:
        assignments.assign(session, journey, level, unit, person_id, choice.due_at, goal=goal)
    except (JourneyError, GoalError) as exc:
        session.rollback()
        return _page(
            session, viewer, goal, exc.status, problems=[Problem("journey", str(exc.detail))]
        )
    return redirect(url_with_token("goals.show_goal", goal_id=goal.id, done="assigned"), 303)


def goal_organization(session: Session, goal: CompetenceGoal) -> Organization:
    return session.get_one(Organization, goal.organization_id)
