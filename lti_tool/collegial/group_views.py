"""The group pages: a course's groups (staff manage them, learners join), and one group's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial import group_forming, group_import, groups
from lti_tool.collegial.access import (
    can_facilitate,
    can_manage,
    manages_course,
    require_group_view,
)
from lti_tool.collegial.membership import group_of_member, role_in_group
from lti_tool.collegial.models import Group, GroupRole, scope_of
from lti_tool.db import get_session
from lti_tool.journeys.errors import JourneyError, JourneyForbiddenError, JourneyNotFoundError
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.leadership.services import reach_of
from lti_tool.leadership.staff import staff_person_ids
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Context, Person, Unit
from lti_tool.validation import strict_int

bp = Blueprint("groups", __name__, url_prefix="/groups")


def course_of(session: Session, identity: LaunchIdentity) -> Context:
    """The launch's course; a clear 404 for a launch outside a course."""
    context = session.get(Context, identity.context_id) if identity.context_id is not None else None
    if context is None or context.organization_id != identity.organization_id:
        raise JourneyNotFoundError(
            "course_not_found", _("Groups belong to a course: open this page from your course.")
        )
    return context


def unit_of(session: Session, identity: LaunchIdentity, unit_id: int) -> Unit:
    """A unit the launch leads; 404 for another organisation's, 403 for one it does not lead."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organization_id != identity.organization_id:
        raise JourneyNotFoundError("unit_not_found", _("That school unit does not exist."))
    if not reach_of(session, identity).leads_unit(unit.id):
        raise JourneyForbiddenError(
            "unit_forbidden", _("A school unit's groups are managed by its leaders.")
        )
    return unit


def group_rows(session: Session, found: list[Group]) -> list[dict[str, Any]]:
    """Each group with its members, facilitators and places left, for the lists."""
    return [
        {
            "group": group,
            "members": groups.people_in(session, group, GroupRole.MEMBER),
            "facilitators": groups.people_in(session, group, GroupRole.FACILITATOR),
            "places_left": group_forming.places_left(session, group),
        }
        for group in found
    ]


def render_course(
    session: Session, identity: LaunchIdentity, status: int = 200, error: str | None = None
) -> ResponseReturnValue:
    """The course's groups page: management for staff, "my group" and open groups otherwise."""
    context = course_of(session, identity)
    scope = scope_of(context.id, None)
    g.no_store = True
    # The way to the school unit's groups, for those who lead the course's unit.
    unit_url = (
        url_with_token("groups.unit_groups", unit_id=context.unit_id)
        if context.unit_id is not None and reach_of(session, identity).leads_unit(context.unit_id)
        else None
    )
    if manages_course(identity, context.id):
        learners, staff = group_forming.roster_choices(session, context)
        session.commit()
        html = render_template(
            "groups/course.html",
            context=context,
            rows=group_rows(session, groups.groups_of(session, context.organization_id, scope)),
            learners=learners,
            waiting=sum(1 for _person, group in learners if group is None),
            staff=staff,
            offers_import=group_import.offers_groups(context),
            error=error,
            done=request.args.get("done"),
            unit_url=unit_url,
        )
        return html, status
    mine = group_of_member(
        session, identity.organization_id, identity.person_id, context.id, context.unit_id
    )
    led = [
        group
        for group in groups.groups_of(session, context.organization_id, scope)
        if can_facilitate(session, identity, group)
    ]
    open_groups = (
        groups.open_groups_with_places(session, context.organization_id, scope)
        if mine is None or mine.context_id is None
        else []
    )
    html = render_template(
        "groups/mine.html",
        context=context,
        mine=group_rows(session, [mine])[0] if mine is not None else None,
        led=led,
        open_rows=group_rows(session, open_groups),
        error=error,
        done=request.args.get("done"),
        unit_url=unit_url,
    )
    return html, status


def render_group(
    session: Session,
    identity: LaunchIdentity,
    group: Group,
    status: int = 200,
    error: str | None = None,
) -> ResponseReturnValue:
    """One group's page: its members and facilitators; the forms for those who manage it."""
    require_group_view(session, identity, group)
    manage = can_manage(session, identity, group)
    choices: list[Person] = []
    unplaced: list[Person] = []
    if manage:
        choices, unplaced = _people_choices(session, group)
        session.commit()
    role = role_in_group(session, group, identity.person_id)
    g.no_store = True
    html = render_template(
        "groups/group.html",
        row=group_rows(session, [group])[0],
        manage=manage,
        facilitate=can_facilitate(session, identity, group),
        is_member=role == GroupRole.MEMBER,
        choices=choices,
        unplaced=unplaced,
        error=error,
        done=request.args.get("done"),
        back=_back_url(group),
    )
    return html, status


def _back_url(group: Group) -> str:
    if group.unit_id is not None:
        return url_with_token("groups.unit_groups", unit_id=group.unit_id)
    return url_with_token("groups.course_groups")


def _people_choices(session: Session, group: Group) -> tuple[list[Person], list[Person]]:
    """Who may be named a facilitator (the course's or unit's people) and who may be added as a
    member (those in no group of the course or unit yet)."""
    if group.context_id is not None:
        context = session.get_one(Context, group.context_id)
        learners, staff = group_forming.course_people(session, context)
        unplaced = group_forming.unplaced(session, group.scope, learners)
        return sorted(
            [*staff, *learners], key=lambda p: (p.display_name.casefold(), p.id)
        ), unplaced
    ids = staff_person_ids(session, group.organization_id, group.unit_id or 0)
    people = list(
        session.scalars(
            select(Person).where(
                Person.organization_id == group.organization_id, Person.id.in_(ids)
            )
        )
    )
    people.sort(key=lambda p: (p.display_name.casefold(), p.id))
    return people, group_forming.unplaced(session, group.scope, people)


def chosen_person(session: Session, identity: LaunchIdentity, field: str = "person") -> Person:
    """The person named in the form (by id), of the launch's organisation."""
    person_id = strict_int(request.form.get(field), 1, 2**63 - 1)
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or person.organization_id != identity.organization_id:
        raise groups.GroupError("person_missing", _("Choose a person from the list."))
    return person


def done(endpoint: str, what: str, **values: Any) -> ResponseReturnValue:
    return redirect(url_with_token(endpoint, done=what, **values), 303)


# --- the course's groups ------------------------------------------------------------------------
@bp.get("/")
@require_launch()
def course_groups() -> ResponseReturnValue:
    return render_course(get_session(), launch_identity())


@bp.get("/<key>")
@require_launch()
def group_page(key: str) -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    return render_group(
        session, identity, groups.find_group(session, identity.organization_id, key)
    )


@bp.post("/<key>/join")
@require_launch()
def join_group(key: str) -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    group = groups.find_group(session, identity.organization_id, key)
    context = course_of(session, identity)
    if group.context_id not in (None, context.id) or (
        group.unit_id is not None and group.unit_id != context.unit_id
    ):
        raise JourneyNotFoundError("group_not_found", _("That group does not exist (any more)."))
    try:
        person = session.get_one(Person, identity.person_id)
        groups.join_open_group(session, group, person, get_recording())
    except JourneyError as exc:
        return render_course(session, identity, exc.status, exc.detail)
    return done("groups.group_page", "joined", key=key)


@bp.post("/<key>/leave")
@require_launch()
def leave_group(key: str) -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    group = groups.find_group(session, identity.organization_id, key)
    require_group_view(session, identity, group)
    try:
        person = session.get_one(Person, identity.person_id)
        groups.leave_group(session, group, person, get_recording())
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.course_groups", "left")


def groups_link() -> dict[str, Any]:
    """``groups_url()`` in templates: the launch's groups page, when it is in a course."""

    def groups_url() -> str | None:
        identity: LaunchIdentity | None = g.get("identity")
        if identity is None or identity.context_id is None:
            return None
        return url_with_token("groups.course_groups")

    return {"groups_url": groups_url}


def register_groups(app: Flask) -> None:
    """The blueprint (with the management routes) and the ``groups_url()`` template helper."""
    from lti_tool.collegial import group_manage_views  # noqa: F401 (its routes are on ``bp``)

    app.register_blueprint(bp)
    app.context_processor(groups_link)
