"""Groups of a course or a school unit: forming them, their members and facilitators, joining.

Every change of membership takes the group's row lock first (an UPDATE of the group), so two
joins of one open group are serialised and a size limit holds; the unique index on
(``scope``, person) keeps a person in one group per course or unit even across groups.
Each service records its statements (``group_events``) in its own transaction and commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.collegial.group_errors import GroupConflictError as GroupConflictError
from lti_tool.collegial.group_errors import GroupError as GroupError
from lti_tool.collegial.group_errors import GroupNotFoundError as GroupNotFoundError
from lti_tool.collegial.group_events import GroupEvents
from lti_tool.collegial.group_queries import find_group as find_group
from lti_tool.collegial.group_queries import groups_of as groups_of
from lti_tool.collegial.group_queries import member_count as member_count
from lti_tool.collegial.group_queries import (
    open_groups_with_places as open_groups_with_places,
)
from lti_tool.collegial.group_queries import people_in as people_in
from lti_tool.collegial.models import Group, GroupMember, GroupRole, GroupSource, scope_of
from lti_tool.db import utcnow
from lti_tool.journeys.errors import JourneyError
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, Organization, Person, Unit

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_CAPACITY = 500


@dataclass(frozen=True)
class GroupFields:
    """What a facilitator sets on a group."""

    name: str
    description: str = ""
    open: bool = False
    capacity: int | None = None


def check_fields(fields: GroupFields) -> GroupFields:
    """The fields trimmed, or a clear error for an empty or too long name or a bad capacity."""
    name = " ".join(fields.name.split())
    if not name:
        raise GroupError("group_name_missing", _("Give the group a name."))
    if len(name) > MAX_NAME:
        raise GroupError(
            "group_name_long", _("The name is longer than %(n)d characters.", n=MAX_NAME)
        )
    description = fields.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise GroupError(
            "group_description_long",
            _("The description is longer than %(n)d characters.", n=MAX_DESCRIPTION),
        )
    if fields.capacity is not None and not 1 <= fields.capacity <= MAX_CAPACITY:
        raise GroupError(
            "group_capacity",
            _("The size limit is a whole number from 1 to %(n)d, or empty.", n=MAX_CAPACITY),
        )
    return GroupFields(name, description, fields.open, fields.capacity)


def _events(session: Session, recording: Recording, organization_id: int) -> GroupEvents:
    return GroupEvents(session, recording, session.get_one(Organization, organization_id))


def create_group(
    session: Session,
    fields: GroupFields,
    *,
    context: Context | None = None,
    unit: Unit | None = None,
    created_by: Person | None = None,
    source: GroupSource = GroupSource.MANUAL,
    external_id: str | None = None,
    commit: bool = True,
) -> Group:
    """A new group of the course or of the school unit (exactly one of them)."""
    if (context is None) == (unit is None):
        raise ValueError("a group belongs to a course or to a unit")
    fields = check_fields(fields)
    owner: Context | Unit = context if context is not None else unit  # type: ignore[assignment]
    group = Group(
        organization_id=owner.organization_id,
        context_id=context.id if context is not None else None,
        unit_id=unit.id if unit is not None else None,
        scope=scope_of(
            context.id if context is not None else None, unit.id if unit is not None else None
        ),
        name=fields.name,
        description=fields.description,
        open=fields.open,
        capacity=fields.capacity,
        source=source,
        external_id=external_id,
        created_by_id=created_by.id if created_by is not None else None,
    )
    session.add(group)
    session.flush()
    if commit:
        session.commit()
    return group


def lock_group(session: Session, group_id: int) -> Group:
    """Hold the group's row lock until commit, and read the group again under it."""
    # As ``player.lock_enrollment``: an UPDATE row-locks on PostgreSQL; on SQLite, as the
    # transaction's first write, it takes the single writer lock.
    found = session.execute(
        update(Group)
        .where(Group.id == group_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    group = session.get(Group, group_id)
    if found.rowcount == 0 or group is None:  # type: ignore[attr-defined]
        session.rollback()
        raise GroupNotFoundError("group_not_found", _("That group does not exist (any more)."))
    return group


def update_group(session: Session, group: Group, fields: GroupFields) -> Group:
    """Change the group's name, description, openness and size limit."""
    fields = check_fields(fields)
    group = lock_group(session, group.id)
    count = member_count(session, group)
    if fields.capacity is not None and fields.capacity < count:
        session.rollback()
        raise GroupError(
            "group_capacity_below_members",
            _(
                "The group already has %(count)d members: the size limit cannot be lower.",
                count=count,
            ),
        )
    group.name, group.description = fields.name, fields.description
    group.open, group.capacity = fields.open, fields.capacity
    session.commit()
    return group


def delete_group(session: Session, group: Group, recording: Recording) -> None:
    """Remove the group; each member is recorded as having left it."""
    group = lock_group(session, group.id)
    events = _events(session, recording, group.organization_id)
    members = [m for m in group.members if m.role == GroupRole.MEMBER]
    statements = []
    for row in members:
        # Out of the collection (delete-orphan deletes it), so the group's own delete skips it.
        group.members.remove(row)
        session.flush()
        events.forget(group)
        statements.append(events.left(group, row.person))
    events.record(statements)
    session.delete(group)
    session.commit()


def _person_name(person: Person) -> str:
    return person.display_name or _("this person")


def _scope_group(session: Session, group: Group, person_id: int) -> Group | None:
    """The group (of the same course or unit) the person is a member of, if any."""
    return session.scalar(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            GroupMember.scope == group.scope,
            GroupMember.person_id == person_id,
            GroupMember.role == GroupRole.MEMBER,
        )
    )


def _place(
    session: Session, group: Group, person: Person, events: GroupEvents, *, own: bool
) -> None:
    """Make the person a member of the locked group, within its size limit; no commit."""
    if person.organization_id != group.organization_id:
        raise GroupNotFoundError("person_not_found", _("That person does not exist."))
    name = _person_name(person)
    current = _scope_group(session, group, person.id)
    if current is not None and current.id == group.id:
        raise GroupConflictError(
            "already_member",
            _("You are already in this group.")
            if own
            else _("%(name)s is already in this group.", name=name),
        )
    if current is not None:
        raise GroupConflictError(
            "in_another_group",
            _(
                "You are in the group %(group)s. Leave it first, then join this one.",
                group=current.name,
            )
            if own
            else _(
                "%(name)s is in the group %(group)s. Remove them there first, then add them here.",
                name=name,
                group=current.name,
            ),
        )
    role = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person.id
        )
    )
    if role is not None:
        raise GroupConflictError(
            "is_facilitator",
            _("%(name)s is a facilitator of this group, not a member.", name=name),
        )
    if group.capacity is not None and member_count(session, group) >= group.capacity:
        raise GroupConflictError(
            "group_full",
            _("The group is full.")
            if own
            else _(
                "The group has reached its size limit of %(n)d: raise the limit first.",
                n=group.capacity,
            ),
        )
    session.add(GroupMember(group_id=group.id, person_id=person.id, scope=group.scope))
    try:
        session.flush()
    except IntegrityError as exc:
        # A join of another group of the same course committed in between.
        raise GroupConflictError(
            "in_another_group", _("You are already in another group of this course.")
        ) from exc
    events.forget(group)
    events.record([events.joined(group, person)])


def _remove(session: Session, group: Group, person: Person, events: GroupEvents) -> None:
    row = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.person_id == person.id,
            GroupMember.role == GroupRole.MEMBER,
        )
    )
    if row is None:
        raise GroupNotFoundError(
            "not_a_member", _("%(name)s is not a member of this group.", name=_person_name(person))
        )
    session.delete(row)
    session.flush()
    events.forget(group)
    events.record([events.left(group, person)])


def add_member(session: Session, group: Group, person: Person, recording: Recording) -> None:
    """Place the person in the group (by its facilitators or staff)."""
    group = lock_group(session, group.id)
    try:
        _place(
            session, group, person, _events(session, recording, group.organization_id), own=False
        )
    except JourneyError:
        session.rollback()
        raise
    session.commit()


def remove_member(session: Session, group: Group, person: Person, recording: Recording) -> None:
    """Take the person out of the group."""
    group = lock_group(session, group.id)
    try:
        _remove(session, group, person, _events(session, recording, group.organization_id))
    except JourneyError:
        session.rollback()
        raise
    session.commit()


def join_open_group(session: Session, group: Group, person: Person, recording: Recording) -> None:
    """The person joins an open group themselves, if it has a place left."""
    group = lock_group(session, group.id)
    try:
        if not group.open:
            raise GroupError(
                "group_closed", _("This group is not open for joining: ask its facilitator.")
            )
        _place(session, group, person, _events(session, recording, group.organization_id), own=True)
    except JourneyError:
        session.rollback()
        raise
    session.commit()


def leave_group(session: Session, group: Group, person: Person, recording: Recording) -> None:
    """The person leaves their group."""
    group = lock_group(session, group.id)
    try:
        _remove(session, group, person, _events(session, recording, group.organization_id))
    except JourneyError:
        session.rollback()
        raise
    session.commit()


def add_facilitator(session: Session, group: Group, person: Person) -> None:
    """Name the person (anyone of the organisation) a facilitator of the group."""
    group = lock_group(session, group.id)
    if person.organization_id != group.organization_id:
        session.rollback()
        raise GroupNotFoundError("person_not_found", _("That person does not exist."))
    role = session.scalar(
        select(GroupMember.role).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person.id
        )
    )
    if role is not None:
        session.rollback()
        name = _person_name(person)
        raise GroupConflictError(
            "already_in_group",
            _("%(name)s is already a facilitator of this group.", name=name)
            if role == GroupRole.FACILITATOR
            else _("%(name)s is a member of this group: remove them as a member first.", name=name),
        )
    session.add(
        GroupMember(
            group_id=group.id, person_id=person.id, scope=group.scope, role=GroupRole.FACILITATOR
        )
    )
    session.commit()


def remove_facilitator(session: Session, group: Group, person: Person) -> None:
    """The person no longer facilitates the group."""
    group = lock_group(session, group.id)
    row = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id,
            GroupMember.person_id == person.id,
            GroupMember.role == GroupRole.FACILITATOR,
        )
    )
    if row is None:
        session.rollback()
        raise GroupNotFoundError(
            "not_a_facilitator",
            _("%(name)s is not a facilitator of this group.", name=_person_name(person)),
        )
    session.delete(row)
    session.commit()
