"""Forming a course's groups from its roster: who the learners are, and splitting them evenly.

The roster is what the tool already keeps: the course's memberships (everyone who launched) and
the platform's roster (NRPS, refreshed by the roster worker). Course staff are never placed as
members; a person either list names as staff counts as staff.
"""

from __future__ import annotations

import math

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.group_events import GroupEvents
from lti_tool.collegial.groups import (
    GroupError,
    GroupFields,
    create_group,
    groups_of,
    member_count,
)
from lti_tool.collegial.models import Group, GroupMember, GroupRole, GroupSource, scope_of
from lti_tool.lti.roles import is_staff
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, Membership, Organization, Person, RosterMember

MAX_GROUPS = 100


def _by_name(people: list[Person]) -> list[Person]:
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.sub, p.id))


def course_people(session: Session, context: Context) -> tuple[list[Person], list[Person]]:
    """The course's learners and staff, each by name; roster members who never launched are
    added as people of the organisation (so they can be placed before their first launch)."""
    staff_subs: set[str] = set()
    people: dict[str, Person] = {}
    for membership, person in session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.context_id == context.id,
            Membership.organization_id == context.organization_id,
        )
    ):
        people[person.sub] = person
        if is_staff(membership.tool_roles):
            staff_subs.add(person.sub)
    roster = list(
        session.scalars(
            select(RosterMember).where(
                RosterMember.context_id == context.id,
                RosterMember.organization_id == context.organization_id,
            )
        )
    )
    missing = [m.sub for m in roster if m.sub not in people]
    if missing:
        for person in session.scalars(
            select(Person).where(
                Person.registration_id == context.registration_id, Person.sub.in_(missing)
            )
        ):
            people[person.sub] = person
    for member in roster:
        if is_staff(member.tool_roles):
            staff_subs.add(member.sub)
        if member.sub not in people:
            person = Person(
                organization_id=context.organization_id,
                registration_id=context.registration_id,
                sub=member.sub,
                name=member.name,
                email=member.email,
            )
            session.add(person)
            people[member.sub] = person
    session.flush()
    learners = [p for sub, p in people.items() if sub not in staff_subs]
    staff = [p for sub, p in people.items() if sub in staff_subs]
    return _by_name(learners), _by_name(staff)


def unplaced(session: Session, scope: str, people: list[Person]) -> list[Person]:
    """Those of ``people`` who are a member of no group of the course or unit."""
    placed = set(
        session.scalars(
            select(GroupMember.person_id).where(
                GroupMember.scope == scope, GroupMember.role == GroupRole.MEMBER
            )
        )
    )
    return [p for p in people if p.id not in placed]


def sizes(total: int, count: int) -> list[int]:
    """``total`` split in ``count`` parts that differ by at most one, the larger first."""
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


def split_roster(
    session: Session,
    context: Context,
    recording: Recording,
    *,
    count: int | None = None,
    size: int | None = None,
    prefix: str = "",
    created_by: Person | None = None,
) -> list[Group]:
    """New groups of the course's learners who are in no group yet: ``count`` groups, or groups
    of about ``size``; balanced, in order of name. Staff are never placed."""
    if (count is None) == (size is None):
        raise GroupError(
            "split_how", _("Say either how many groups or how many members per group.")
        )
    scope = scope_of(context.id, None)
    learners, _staff = course_people(session, context)
    learners = unplaced(session, scope, learners)
    if not learners:
        session.rollback()
        raise GroupError(
            "split_nobody",
            _(
                "Every learner of the course is already in a group (or the course has no "
                "learners yet: refresh the roster from the platform)."
            ),
        )
    if count is None:
        if size is None or size < 1:
            session.rollback()
            raise GroupError("split_size", _("A group has at least one member."))
        count = math.ceil(len(learners) / size)
    if not 1 <= count <= min(MAX_GROUPS, len(learners)):
        session.rollback()
        raise GroupError(
            "split_count",
            _(
                "The number of groups must be between 1 and %(n)d (the learners not yet in "
                "a group).",
                n=min(MAX_GROUPS, len(learners)),
            ),
        )
    prefix = " ".join(prefix.split())[:150] or _("Group")
    existing = {g.name for g in groups_of(session, context.organization_id, scope)}
    events = GroupEvents(session, recording, session.get_one(Organization, context.organization_id))
    made: list[Group] = []
    number, start, statements = 1, 0, []
    for part in sizes(len(learners), count):
        while f"{prefix} {number}" in existing:
            number += 1
        group = create_group(
            session,
            GroupFields(f"{prefix} {number}"),
            context=context,
            source=GroupSource.ROSTER,
            created_by=created_by,
            commit=False,
        )
        number += 1
        for person in learners[start : start + part]:
            session.add(GroupMember(group_id=group.id, person_id=person.id, scope=scope))
        session.flush()
        start += part
        events.forget(group)
        statements += [events.joined(group, p) for p in learners[start - part : start]]
        made.append(group)
    events.record(statements)
    session.commit()
    return made


def roster_choices(
    session: Session, context: Context
) -> tuple[list[tuple[Person, Group | None]], list[Person]]:
    """The course's learners with their group (or None), and its staff, for the staff page."""
    learners, staff = course_people(session, context)
    scope = scope_of(context.id, None)
    groups = {
        person_id: group
        for person_id, group in session.execute(
            select(GroupMember.person_id, Group)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.scope == scope, GroupMember.role == GroupRole.MEMBER)
        )
    }
    return [(p, groups.get(p.id)) for p in learners], staff


def places_left(session: Session, group: Group) -> int | None:
    """How many more may join (None: no limit)."""
    if group.capacity is None:
        return None
    return max(group.capacity - member_count(session, group), 0)
