"""Who may see and manage a group, in one place for every page of group work.

Course staff (staff roles on a launch in the group's course) manage the course's groups; a
unit's groups are managed by the unit's leaders and the organisation's leaders; a group's
facilitators see and run their group; its members see it. Another organisation's group does not
exist (404); anyone else of the organisation is refused (403).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lti_tool.collegial.groups import GroupNotFoundError
from lti_tool.collegial.membership import role_in_group
from lti_tool.collegial.models import Group, GroupRole
from lti_tool.journeys.errors import JourneyForbiddenError
from lti_tool.leadership.services import reach_of
from lti_tool.lti.roles import is_staff
from lti_tool.lti.session_token import LaunchIdentity


def manages_course(identity: LaunchIdentity, context_id: int | None) -> bool:
    """Whether the launch is staff in this very course."""
    return context_id is not None and identity.context_id == context_id and is_staff(identity.roles)


def can_manage(session: Session, identity: LaunchIdentity, group: Group) -> bool:
    """Course staff for a course's group; the unit's or organisation's leaders for a unit's."""
    if group.organization_id != identity.organization_id:
        return False
    if group.context_id is not None:
        return manages_course(identity, group.context_id)
    return reach_of(session, identity).leads_unit(group.unit_id)


def can_facilitate(session: Session, identity: LaunchIdentity, group: Group) -> bool:
    """Whether the launch runs the group: one of its facilitators, or one who manages it."""
    if group.organization_id != identity.organization_id:
        return False
    if role_in_group(session, group, identity.person_id) == GroupRole.FACILITATOR:
        return True
    return can_manage(session, identity, group)


def can_view(session: Session, identity: LaunchIdentity, group: Group) -> bool:
    """Members, facilitators and those who manage the group."""
    if group.organization_id != identity.organization_id:
        return False
    if role_in_group(session, group, identity.person_id) is not None:
        return True
    return can_manage(session, identity, group)


def _refuse(group: Group, identity: LaunchIdentity) -> None:
    if group.organization_id != identity.organization_id:
        raise GroupNotFoundError("group_not_found", _("That group does not exist (any more)."))
    raise JourneyForbiddenError(
        "group_forbidden",
        _(
            "This group's page is for its members, its facilitators and those who manage the "
            "course's or school unit's groups."
        ),
    )


def require_group_view(session: Session, identity: LaunchIdentity, group: Group) -> None:
    """Refuse (404 for another organisation, else 403) unless the launch may see the group."""
    if not can_view(session, identity, group):
        _refuse(group, identity)


def require_group_manage(session: Session, identity: LaunchIdentity, group: Group) -> None:
    """Refuse unless the launch manages the group (forms it, names facilitators, deletes it)."""
    if not can_manage(session, identity, group):
        if can_view(session, identity, group):
            raise JourneyForbiddenError(
                "group_manage_forbidden",
                _("Only the course's staff or the school unit's leaders change this group."),
            )
        _refuse(group, identity)


def require_group_facilitate(session: Session, identity: LaunchIdentity, group: Group) -> None:
    """Refuse unless the launch runs the group (a facilitator, or one who manages it)."""
    if not can_facilitate(session, identity, group):
        if can_view(session, identity, group):
            raise JourneyForbiddenError(
                "group_facilitate_forbidden",
                _("Only the group's facilitators and the staff who manage it do this."),
            )
        _refuse(group, identity)
