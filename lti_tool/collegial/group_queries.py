"""Reading groups: a course's or unit's groups, one group by key, its people, its size."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.collegial.group_errors import GroupNotFoundError
from lti_tool.collegial.models import Group, GroupMember, GroupRole
from lti_tool.tenancy.models import Person


def member_count(session: Session, group: Group) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(GroupMember)
            .where(GroupMember.group_id == group.id, GroupMember.role == GroupRole.MEMBER)
        )
        or 0
    )


def groups_of(session: Session, organization_id: int, scope: str) -> list[Group]:
    """The groups of a course or unit (``scope_of``), by name."""
    return list(
        session.scalars(
            select(Group)
            .where(Group.organization_id == organization_id, Group.scope == scope)
            .order_by(Group.name, Group.id)
        )
    )


def open_groups_with_places(session: Session, organization_id: int, scope: str) -> list[Group]:
    """The open groups of a course or unit that have a place left, by name."""
    return [
        g
        for g in groups_of(session, organization_id, scope)
        if g.open and (g.capacity is None or member_count(session, g) < g.capacity)
    ]


def find_group(session: Session, organization_id: int, key: str) -> Group:
    """The organisation's group with this key; a 404 for any other (another organisation's)."""
    group = session.scalar(
        select(Group).where(Group.key == key[:36], Group.organization_id == organization_id)
    )
    if group is None:
        raise GroupNotFoundError("group_not_found", _("That group does not exist (any more)."))
    return group


def people_in(session: Session, group: Group, role: GroupRole) -> list[Person]:
    """The group's members or facilitators, by name."""
    people = session.scalars(
        select(Person)
        .join(GroupMember, GroupMember.person_id == Person.id)
        .where(GroupMember.group_id == group.id, GroupMember.role == role)
    )
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.id))
