"""The staff of a school unit: the denominator of every participation figure.

A unit's staff are the people of its courses: those who launched (memberships) and those the
platform's roster lists without having launched yet, each counted once per platform account
(registration and ``sub``).
"""

from __future__ import annotations

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from lti_tool.tenancy.models import Context, Membership, Person, RosterMember


def unit_staff_counts(session: Session, organization_id: int) -> dict[int, int]:
    """Unit id → number of staff, for every unit with at least one person."""
    launched = (
        select(
            Context.unit_id.label("unit_id"),
            Person.registration_id.label("registration_id"),
            Person.sub.label("sub"),
        )
        .join(Membership, Membership.context_id == Context.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Context.organization_id == organization_id, Context.unit_id.is_not(None))
    )
    rostered = (
        select(
            Context.unit_id.label("unit_id"),
            Context.registration_id.label("registration_id"),
            RosterMember.sub.label("sub"),
        )
        .join(RosterMember, RosterMember.context_id == Context.id)
        .where(Context.organization_id == organization_id, Context.unit_id.is_not(None))
    )
    people = union(launched, rostered).subquery()
    rows = session.execute(select(people.c.unit_id, func.count()).group_by(people.c.unit_id)).all()
    return {int(unit_id): int(count) for unit_id, count in rows}


def staff_person_ids(session: Session, organization_id: int, unit_id: int) -> set[int]:
    """The people of the unit's courses who have launched the tool."""
    return set(
        session.scalars(
            select(Membership.person_id)
            .join(Context, Context.id == Membership.context_id)
            .where(Context.organization_id == organization_id, Context.unit_id == unit_id)
            .distinct()
        )
    )
