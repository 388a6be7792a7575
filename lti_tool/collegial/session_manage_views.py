"""The facilitators' side of live sessions: schedule, change, cancel, attendance, the room screen.

Course staff manage the course's occurrences; a group's facilitators manage their group's
meetings.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Response, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from lti_tool.collegial import attendance, occurrences, signups
from lti_tool.collegial.access import can_facilitate
from lti_tool.collegial.live_step import LOCAL, local
from lti_tool.collegial.models import (
    Attendance,
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
    OccurrenceStatus,
)
from lti_tool.collegial.qr import check_in_url, qr_svg
from lti_tool.collegial.session_views import bp
from lti_tool.db import get_session
from lti_tool.journeys.authoring import journey_by_slug, latest_published
from lti_tool.journeys.errors import JourneyError, JourneyForbiddenError, JourneyNotFoundError
from lti_tool.journeys.models import Journey, Step, StepType
from lti_tool.launch_session import launch_identity, require_launch, url_with_token
from lti_tool.lti.roles import is_staff
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Person
from lti_tool.validation import strict_int

SESSION_STEPS = (StepType.LIVE_SESSION, StepType.COLLEGIAL_CYCLE)


def _forbidden() -> JourneyForbiddenError:
    return JourneyForbiddenError(
        "sessions_forbidden",
        _("Only the course's instructors and the group's facilitators manage this session."),
    )


def may_manage(
    session: Session, identity: LaunchIdentity, group: Group | None, context_id: int | None
) -> bool:
    """Course staff of the course, or whoever runs the group (its facilitators, its managers)."""
    if group is not None and can_facilitate(session, identity, group):
        return True
    return is_staff(identity.roles) and context_id == identity.context_id


def _managed(key: str) -> Occurrence:
    identity = launch_identity()
    session = get_session()
    occurrence = occurrences.occurrence_by_key(session, identity.organization_id, key)
    if not may_manage(
        session, identity, occurrences.group_of(session, occurrence), occurrence.context_id
    ):
        raise _forbidden()
    g.no_store = True
    return occurrence


def _step(session: Session, identity: LaunchIdentity, slug: str, key: str) -> tuple[Journey, Step]:
    journey = journey_by_slug(session, identity.organization_id, slug)
    version = latest_published(session, journey) if journey is not None else None
    step = None
    if version is not None:
        step = next(
            (s for section in version.sections for s in section.steps if s.key == key), None
        )
    if journey is None or step is None or step.type not in SESSION_STEPS:
        raise JourneyNotFoundError(
            "session_step_not_found", _("That live session step is not in a published journey.")
        )
    return journey, step


def _group(session: Session, identity: LaunchIdentity, key: str | None) -> Group | None:
    if not key:
        return None
    group = session.scalar(
        select(Group).where(
            Group.organization_id == identity.organization_id, Group.key == key[:36]
        )
    )
    if group is None:
        raise JourneyNotFoundError("group_not_found", _("That group does not exist."))
    return group


def parse_form(form: MultiDict[str, str]) -> tuple[occurrences.OccurrenceFields, dict[str, str]]:
    """The occurrence's fields from the form (local time), and what could not be read."""
    errors: dict[str, str] = {}
    day = _date(form.get("date", ""))
    starts = _time(form.get("start", ""))
    ends = _time(form.get("end", ""))
    if day is None or starts is None:
        errors["starts_at"] = _("Give the date (YYYY-MM-DD) and the start time (HH:MM).")
    if ends is None:
        errors["ends_at"] = _("Give the end time (HH:MM).")
    raw_capacity = form.get("capacity", "").strip()
    capacity = strict_int(raw_capacity, 1, occurrences.MAX_CAPACITY) if raw_capacity else None
    if raw_capacity and capacity is None:
        errors["capacity"] = _(
            "Places must be a number from 1 to %(n)d, or empty.", n=occurrences.MAX_CAPACITY
        )
    fields = occurrences.OccurrenceFields(
        title=form.get("title", "")[:1000],
        starts_at=datetime.combine(day, starts, LOCAL) if day and starts else None,
        ends_at=datetime.combine(day, ends, LOCAL) if day and ends else None,
        place=form.get("place", "")[:1000],
        meeting_url=form.get("meeting_url", "").strip()[:3000] or None,
        capacity=capacity,
    )
    return fields, errors


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def _time(text: str) -> time | None:
    try:
        return time.fromisoformat(text.strip()) if len(text.strip()) == 5 else None
    except ValueError:
        return None


def _page(template: str, status: int = 200, **values: object) -> Response:
    g.no_store = True
    return Response(render_template(template, **values), status=status, mimetype="text/html")


@bp.route("/<slug>/steps/<key>/manage", methods=["GET", "POST"])
@require_launch()
def manage_step(slug: str, key: str) -> ResponseReturnValue:
    """The step's occurrences in this course (or a group's meetings) and the form to add one."""
    identity = launch_identity()
    session = get_session()
    journey, step = _step(session, identity, slug, key)
    group = _group(session, identity, request.values.get("group"))
    place = group.context_id if group is not None and group.context_id else identity.context_id
    if not may_manage(session, identity, group, place):
        raise _forbidden()
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields, errors = parse_form(request.form)
        if not errors:
            try:
                occurrence = occurrences.schedule_occurrence(
                    session,
                    organization_id=identity.organization_id,
                    journey_id=journey.id,
                    step_key=step.key,
                    context_id=identity.context_id,
                    group_id=group.id if group is not None else None,
                    title=fields.title,
                    starts_at=fields.starts_at,
                    ends_at=fields.ends_at,
                    place=fields.place,
                    meeting_url=fields.meeting_url,
                    capacity=None if group is not None else fields.capacity,
                    facilitator_id=identity.person_id,
                    created_by_id=identity.person_id,
                )
            except occurrences.OccurrenceInvalidError as exc:
                session.rollback()
                errors = exc.fields
            else:
                return redirect(url_with_token("sessions.occurrence", key=occurrence.key), 303)
    listed = (
        occurrences.group_step_occurrences(
            session, identity.organization_id, journey.id, step.key, [group.id]
        )
        if group is not None
        else occurrences.step_occurrences(
            session, identity.organization_id, journey.id, step.key, identity.context_id
        )
    )
    return _page(
        "sessions/manage.html",
        status=400 if errors else 200,
        journey=journey,
        step=step,
        group=group,
        listed=[(o, local(o.starts_at), local(o.ends_at)) for o in listed],
        errors=errors,
        form=request.form if request.method == "POST" else None,
    )


def _people(session: Session, ids: list[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


@bp.get("/occurrences/<key>")
@require_launch()
def occurrence(key: str) -> ResponseReturnValue:
    """One occurrence: details, who has a place, the waiting list and attendance marking."""
    item = _managed(key)
    session = get_session()
    return _occurrence_page(session, item)


def _occurrence_page(
    session: Session, item: Occurrence, status: int = 200, error: str | None = None
) -> Response:
    if item.group_id is not None:
        expected = list(
            session.scalars(
                select(GroupMember.person_id).where(
                    GroupMember.group_id == item.group_id, GroupMember.role == GroupRole.MEMBER
                )
            )
        )
        waiting: list[int] = []
    else:
        expected = [s.person_id for s in signups.registered(session, item)]
        waiting = [s.person_id for s in signups.waiting_list(session, item)]
    present = {
        a.person_id: a
        for a in session.scalars(select(Attendance).where(Attendance.occurrence_id == item.id))
    }
    extra = [pid for pid in present if pid not in expected]
    people = _people(session, expected + waiting + extra)
    journey = session.get_one(Journey, item.journey_id)
    return _page(
        "sessions/occurrence.html",
        status=status,
        item=item,
        journey=journey,
        group=occurrences.group_of(session, item),
        starts=local(item.starts_at),
        ends=local(item.ends_at),
        expected=[people[p] for p in expected + extra if p in people],
        waiting=[people[p] for p in waiting if p in people],
        present=present,
        places_left=signups.places_left(session, item),
        cancelled=item.status == OccurrenceStatus.CANCELLED,
        error=error,
    )


@bp.post("/occurrences/<key>/attendance")
@require_launch()
def mark_attendance(key: str) -> ResponseReturnValue:
    """Mark one person present or absent."""
    item = _managed(key)
    session = get_session()
    person_id = strict_int(request.form.get("person"), 1, 2**62)
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or person.organization_id != item.organization_id:
        raise JourneyNotFoundError("person_not_found", _("That person is not in this session."))
    try:
        attendance.mark_attendance(
            session,
            item,
            person.id,
            request.form.get("present") == "1",
            launch_identity().person_id,
        )
    except JourneyError as exc:
        session.rollback()
        return _occurrence_page(session, item, status=exc.status, error=str(exc.detail))
    return redirect(url_with_token("sessions.occurrence", key=item.key), 303)


@bp.route("/occurrences/<key>/edit", methods=["GET", "POST"])
@require_launch()
def edit_occurrence(key: str) -> ResponseReturnValue:
    item = _managed(key)
    session = get_session()
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields, errors = parse_form(request.form)
        if not errors:
            try:
                occurrences.edit_occurrence(session, item, fields)
            except occurrences.OccurrenceInvalidError as exc:
                session.rollback()
                errors = exc.fields
            except JourneyError as exc:
                session.rollback()
                errors = {"status": str(exc.detail)}
            else:
                return redirect(url_with_token("sessions.occurrence", key=item.key), 303)
    return _page(
        "sessions/edit.html",
        status=400 if errors else 200,
        item=item,
        starts=local(item.starts_at),
        ends=local(item.ends_at),
        errors=errors,
        form=request.form if request.method == "POST" else None,
    )


@bp.route("/occurrences/<key>/cancel", methods=["GET", "POST"])
@require_launch()
def cancel_occurrence(key: str) -> ResponseReturnValue:
    item = _managed(key)
    if request.method == "POST":
        occurrences.cancel_occurrence(get_session(), item)
        return redirect(url_with_token("sessions.occurrence", key=item.key), 303)
    return _page("sessions/cancel.html", item=item, starts=local(item.starts_at))


@bp.get("/occurrences/<key>/screen")
@require_launch()
def check_in_screen(key: str) -> ResponseReturnValue:
    """The code and its QR code, big, to show in the room."""
    item = _managed(key)
    url = check_in_url(get_recording().base_url, item)
    return _page(
        "sessions/screen.html",
        item=item,
        starts=local(item.starts_at),
        ends=local(item.ends_at),
        url=url,
        qr=qr_svg(url, _("QR code: the check-in link of this session")),
    )
