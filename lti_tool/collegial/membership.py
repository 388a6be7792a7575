"""Who is in which group: a person's group where they work, and a person's role in a group."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import Group, GroupMember, GroupRole, scope_of


def group_of_member(
    session: Session,
    organization_id: int,
    person_id: int,
    context_id: int | None,
    unit_id: int | None,
) -> Group | None:
    """The person's group (as a member) in the course, else in the course's school unit."""
    scopes = []
    if context_id is not None:
        scopes.append(scope_of(context_id, None))
    if unit_id is not None:
        scopes.append(scope_of(None, unit_id))
    for scope in scopes:
        group = session.scalar(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                Group.organization_id == organization_id,
                GroupMember.scope == scope,
                GroupMember.person_id == person_id,
                GroupMember.role == GroupRole.MEMBER,
            )
        )
        if group is not None:
            return group
    return None


def role_in_group(session: Session, group: Group, person_id: int) -> GroupRole | None:
    """The person's role in the group, or None when they are not in it."""
    return session.scalar(
        select(GroupMember.role).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    )


def facilitated_groups(session: Session, organization_id: int, person_id: int) -> list[Group]:
    """The groups the person facilitates, by name."""
    return list(
        session.scalars(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                Group.organization_id == organization_id,
                GroupMember.person_id == person_id,
                GroupMember.role == GroupRole.FACILITATOR,
            )
            .order_by(Group.name, Group.id)
        )
    )
