"""Who may see a group's cycle work (contributions, logbook, feedback): its people and staff."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.access import can_manage
from lti_tool.collegial.membership import role_in_group
from lti_tool.collegial.models import Group, GroupRole
from lti_tool.journeys.errors import JourneyForbiddenError, JourneyNotFoundError
from lti_tool.lti.roles import is_staff
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Context


class Viewer(StrEnum):
    """How a person sees a group: as a member, its facilitator, or the course's staff."""

    MEMBER = "member"
    FACILITATOR = "facilitator"
    STAFF = "staff"


def group_viewer(session: Session, identity: LaunchIdentity, group: Group) -> Viewer | None:
    """The person's standing in the group, or None when its work is not theirs to see."""
    if group.organization_id != identity.organization_id:
        return None
    role = role_in_group(session, group, identity.person_id)
    if role == GroupRole.MEMBER:
        return Viewer.MEMBER
    if role == GroupRole.FACILITATOR:
        return Viewer.FACILITATOR
    if can_manage(session, identity, group):
        return Viewer.STAFF
    # The staff of a course in a unit follow the unit's groups' work in their course.
    if is_staff(identity.roles) and _staff_scope(session, identity, group):
        return Viewer.STAFF
    return None


def _staff_scope(session: Session, identity: LaunchIdentity, group: Group) -> bool:
    # Course staff see the course's groups, and the groups of the course's school unit.
    if identity.context_id is None:
        return False
    if group.context_id is not None:
        return group.context_id == identity.context_id
    unit_id = session.scalar(select(Context.unit_id).where(Context.id == identity.context_id))
    return unit_id is not None and unit_id == group.unit_id


def require_viewer(session: Session, identity: LaunchIdentity, group: Group | None) -> Viewer:
    """The person's standing in the group; a group of another organisation is not found."""
    if group is None or group.organization_id != identity.organization_id:
        raise JourneyNotFoundError("group_not_found", _l("That group does not exist."))
    viewer = group_viewer(session, identity, group)
    if viewer is None:
        raise JourneyForbiddenError(
            "group_forbidden",
            _l("Only the group's members and facilitators can see the group's work."),
        )
    return viewer
