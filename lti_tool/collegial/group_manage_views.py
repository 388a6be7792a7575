"""Managing groups: create, edit, split the roster, import from the platform, members, delete."""

from __future__ import annotations

from flask import g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.collegial import group_import, groups
from lti_tool.collegial.access import manages_course, require_group_manage
from lti_tool.collegial.group_forming import split_roster
from lti_tool.collegial.group_views import (
    bp,
    chosen_person,
    course_of,
    done,
    group_rows,
    render_course,
    render_group,
    unit_of,
)
from lti_tool.collegial.models import Group, scope_of
from lti_tool.db import get_session
from lti_tool.journeys.errors import JourneyError, JourneyForbiddenError
from lti_tool.launch_session import launch_identity, require_launch
from lti_tool.lti.keys import signing_key
from lti_tool.lti.runtime import get_runtime
from lti_tool.lti.services import ServiceError
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Context, Person
from lti_tool.tenancy.roster import access_tokens
from lti_tool.validation import strict_int


def form_fields() -> groups.GroupFields:
    """The group form's fields; a clear error for a size limit that is not a whole number."""
    raw = (request.form.get("capacity") or "").strip()
    capacity = strict_int(raw, 1, groups.MAX_CAPACITY) if raw else None
    if raw and capacity is None:
        raise groups.GroupError(
            "group_capacity",
            _("The size limit is a whole number from 1 to %(n)d, or empty.", n=groups.MAX_CAPACITY),
        )
    return groups.GroupFields(
        name=request.form.get("name", ""),
        description=request.form.get("description", ""),
        open=request.form.get("open") == "1",
        capacity=capacity,
    )


def staff_course(session: Session, identity: LaunchIdentity) -> Context:
    """The launch's course, when the launch is its staff; 403 otherwise."""
    context = course_of(session, identity)
    if not manages_course(identity, context.id):
        raise JourneyForbiddenError(
            "course_staff_only", _("Only the course's staff manage its groups.")
        )
    return context


@bp.post("/new")
@require_launch()
def create_course_group() -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    context = staff_course(session, identity)
    try:
        group = groups.create_group(
            session,
            form_fields(),
            context=context,
            created_by=session.get(Person, identity.person_id),
        )
    except JourneyError as exc:
        return render_course(session, identity, exc.status, exc.detail)
    return done("groups.group_page", "created", key=group.key)


@bp.post("/split")
@require_launch()
def split_course_roster() -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    context = staff_course(session, identity)
    how = request.form.get("how")
    number = strict_int(request.form.get("number"), 1, 1000)
    try:
        if how not in ("count", "size") or number is None:
            raise groups.GroupError(
                "split_number", _("Give the number of groups or members as a whole number.")
            )
        split_roster(
            session,
            context,
            get_recording(),
            count=number if how == "count" else None,
            size=number if how == "size" else None,
            prefix=request.form.get("prefix", ""),
            created_by=session.get(Person, identity.person_id),
        )
    except JourneyError as exc:
        return render_course(session, identity, exc.status, exc.detail)
    return done("groups.course_groups", "split")


@bp.post("/import")
@require_launch()
def import_groups() -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    context = staff_course(session, identity)
    set_id = request.form.get("set_id")
    box = get_runtime().box
    try:
        result = group_import.import_platform_groups(
            session,
            context,
            get_recording(),
            access_tokens(),
            lambda s: signing_key(s, box),
            set_id=set_id[:255] if set_id is not None else None,
        )
    except JourneyError as exc:
        return render_course(session, identity, exc.status, exc.detail)
    except ServiceError:
        session.rollback()
        message = _(
            "The learning platform did not give the course's groups. Try again in a moment; "
            "if it keeps failing, check the tool's groups and roster services on the platform."
        )
        return render_course(session, identity, 502, message)
    if result.needs_choice:
        g.no_store = True
        return render_template("groups/import_choice.html", sets=result.sets)
    return done(
        "groups.course_groups",
        "imported",
        created=result.created,
        updated=result.updated,
        placed=result.placed,
        skipped=result.skipped,
    )


# --- a school unit's groups ---------------------------------------------------------------------
@bp.get("/units/<int:unit_id>")
@require_launch()
def unit_groups(unit_id: int) -> ResponseReturnValue:
    return _unit_page(unit_id)


def _unit_page(unit_id: int, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    unit = unit_of(session, identity, unit_id)
    found = groups.groups_of(session, identity.organization_id, scope_of(None, unit.id))
    g.no_store = True
    html = render_template(
        "groups/unit.html", unit=unit, rows=group_rows(session, found), error=error
    )
    return html, status


@bp.post("/units/<int:unit_id>/new")
@require_launch()
def create_unit_group(unit_id: int) -> ResponseReturnValue:
    session = get_session()
    identity = launch_identity()
    unit = unit_of(session, identity, unit_id)
    try:
        group = groups.create_group(
            session, form_fields(), unit=unit, created_by=session.get(Person, identity.person_id)
        )
    except JourneyError as exc:
        return _unit_page(unit_id, exc.status, exc.detail)
    return done("groups.group_page", "created", key=group.key)


# --- one group ----------------------------------------------------------------------------------
def _managed(key: str) -> tuple[Session, LaunchIdentity, Group]:
    session = get_session()
    identity = launch_identity()
    group = groups.find_group(session, identity.organization_id, key)
    require_group_manage(session, identity, group)
    return session, identity, group


@bp.post("/<key>/edit")
@require_launch()
def edit_group(key: str) -> ResponseReturnValue:
    session, identity, group = _managed(key)
    try:
        groups.update_group(session, group, form_fields())
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.group_page", "saved", key=key)


@bp.post("/<key>/members")
@require_launch()
def add_member(key: str) -> ResponseReturnValue:
    session, identity, group = _managed(key)
    try:
        groups.add_member(session, group, chosen_person(session, identity), get_recording())
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.group_page", "added", key=key)


@bp.post("/<key>/members/remove")
@require_launch()
def remove_member(key: str) -> ResponseReturnValue:
    session, identity, group = _managed(key)
    try:
        groups.remove_member(session, group, chosen_person(session, identity), get_recording())
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.group_page", "removed", key=key)


@bp.post("/<key>/facilitators")
@require_launch()
def add_facilitator(key: str) -> ResponseReturnValue:
    session, identity, group = _managed(key)
    try:
        groups.add_facilitator(session, group, chosen_person(session, identity))
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.group_page", "facilitator", key=key)


@bp.post("/<key>/facilitators/remove")
@require_launch()
def remove_facilitator(key: str) -> ResponseReturnValue:
    session, identity, group = _managed(key)
    try:
        groups.remove_facilitator(session, group, chosen_person(session, identity))
    except JourneyError as exc:
        return render_group(session, identity, group, exc.status, exc.detail)
    return done("groups.group_page", "facilitator-removed", key=key)


@bp.get("/<key>/delete")
@require_launch()
def confirm_delete(key: str) -> ResponseReturnValue:
    session, _identity, group = _managed(key)
    g.no_store = True
    return render_template("groups/delete.html", row=group_rows(session, [group])[0])


@bp.post("/<key>/delete")
@require_launch()
def delete_group(key: str) -> ResponseReturnValue:
    session, _identity, group = _managed(key)
    unit_id = group.unit_id
    if request.form.get("confirm") != "1":
        g.no_store = True
        html = render_template(
            "groups/delete.html",
            row=group_rows(session, [group])[0],
            error=_("Tick the box to confirm that the group is to be deleted."),
        )
        return html, 400
    groups.delete_group(session, group, get_recording())
    if unit_id is not None:
        return done("groups.unit_groups", "deleted", unit_id=unit_id)
    return done("groups.course_groups", "deleted")
