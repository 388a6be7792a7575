"""The facilitator's view of a cycle step: each group's phase, who is behind, meetings, logbook;
and a nudge to a member who is behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial import logbook
from lti_tool.collegial.cycle_state import GroupCycle, find_phase, load_cycle
from lti_tool.collegial.membership import facilitated_groups, role_in_group
from lti_tool.collegial.models import Group, GroupRole
from lti_tool.db import utcnow
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.errors import JourneyError, JourneyForbiddenError, JourneyNotFoundError
from lti_tool.journeys.models import Journey, JourneyVersion, Step, StepType
from lti_tool.lti.roles import is_staff
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.reminders.models import Notice, NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Context, Person


@dataclass(frozen=True)
class GroupOverview:
    cycle: GroupCycle
    activity: logbook.LogbookActivity


@dataclass(frozen=True)
class CycleStep:
    journey: Journey
    version: JourneyVersion
    step: Step


def cycle_step(session: Session, journey: Journey, key: str) -> CycleStep:
    """The cycle step ``key`` of the journey's latest published version."""
    version = latest_published(session, journey)
    for section in version.sections if version is not None else []:
        for step in section.steps:
            if step.key == key and step.type == StepType.COLLEGIAL_CYCLE:
                assert version is not None  # noqa: S101 - the loop ran over it
                return CycleStep(journey, version, step)
    raise JourneyNotFoundError("step_not_found", _l("That step is not part of this journey."))


def visible_groups(session: Session, identity: LaunchIdentity) -> list[Group]:
    """Course staff: every group of the course (and of its school unit); else the groups the
    person facilitates in the course or its unit."""
    if identity.context_id is None:
        return []
    unit_id = session.scalar(select(Context.unit_id).where(Context.id == identity.context_id))
    in_scope = Group.context_id == identity.context_id
    if unit_id is not None:
        in_scope = in_scope | (Group.unit_id == unit_id)
    if is_staff(identity.roles):
        return list(
            session.scalars(
                select(Group)
                .where(Group.organization_id == identity.organization_id, in_scope)
                .order_by(Group.name, Group.id)
            )
        )
    return [
        g
        for g in facilitated_groups(session, identity.organization_id, identity.person_id)
        if g.context_id == identity.context_id or (unit_id is not None and g.unit_id == unit_id)
    ]


def overview(session: Session, identity: LaunchIdentity, found: CycleStep) -> list[GroupOverview]:
    """Every visible group's state on the step; refused for someone who leads no group here."""
    groups = visible_groups(session, identity)
    if not groups and not is_staff(identity.roles):
        raise JourneyForbiddenError(
            "not_facilitator", _l("Only the course's staff and the groups' facilitators see this.")
        )
    activity = logbook.activity(session, [g.id for g in groups])
    return [
        GroupOverview(load_cycle(session, g, found.journey.id, found.step), activity[g.id])
        for g in groups
    ]


def nudge(
    session: Session,
    identity: LaunchIdentity,
    found: CycleStep,
    group: Group,
    member_id: int,
    phase_key: str,
    today: datetime | None = None,
) -> Notice | None:
    """A reminder to a member behind on a phase, once per facilitator, member, phase and day
    (None when they were reminded already today)."""
    if group not in visible_groups(session, identity):
        raise JourneyForbiddenError(
            "group_forbidden",
            _l("Only the group's facilitators and the course's staff can remind its members."),
        )
    if role_in_group(session, group, member_id) != GroupRole.MEMBER:
        raise JourneyNotFoundError("member_not_found", _l("That person is not in the group."))
    cycle = load_cycle(session, group, found.journey.id, found.step)
    phase = find_phase(cycle.config, phase_key)
    member = cycle.member(member_id)
    if member is None or member.phase(phase.key).done:
        raise JourneyError(
            "nudge_not_behind", _l("That member has done this phase; there is nothing to remind.")
        )
    day = (today or utcnow()).date().isoformat()
    facilitator = session.get_one(Person, identity.person_id)
    notice = notify(
        session,
        organization_id=group.organization_id,
        person_id=member_id,
        kind=NoticeKind.NUDGE,
        dedupe_key=(
            f"nudge:{identity.person_id}:{member_id}:{found.journey.id}:{found.step.key}:"
            f"{phase.key}:{day}"
        ),
        payload={
            "group": group.name,
            "group_key": group.key,
            "journey": found.journey.slug,
            "journey_title": found.version.title,
            "step": found.step.key,
            "step_title": found.step.title,
            "phase": phase.key,
            "phase_kind": phase.kind,
            "phase_title": phase.title,
            "from": facilitator.display_name,
        },
    )
    session.commit()
    return notice
