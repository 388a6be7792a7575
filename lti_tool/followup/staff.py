"""The staff of every school unit of an organisation, read at once for the follow-up pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.followup.participation import UnitStaff
from lti_tool.leadership.staff import unit_staff_counts
from lti_tool.tenancy.models import Context, Membership, Unit


def unit_staff(session: Session, organization_id: int) -> UnitStaff:
    """Every unit by name, with its staff count (the leadership denominator) and its launched
    staff: the people of the unit's courses, as ``leadership.staff.staff_person_ids`` reads
    them, for every unit in one query."""
    units = tuple(
        (uid, name)
        for uid, name in session.execute(
            select(Unit.id, Unit.name)
            .where(Unit.organization_id == organization_id)
            .order_by(Unit.name, Unit.id)
        )
    )
    people: dict[int, set[int]] = {}
    rows = session.execute(
        select(Context.unit_id, Membership.person_id)
        .join(Context, Context.id == Membership.context_id)
        .where(Context.organization_id == organization_id, Context.unit_id.is_not(None))
        .distinct()
    )
    for unit_id, person_id in rows:
        if unit_id is not None:
            people.setdefault(unit_id, set()).add(person_id)
    return UnitStaff(
        units,
        unit_staff_counts(session, organization_id),
        {uid: frozenset(members) for uid, members in people.items()},
    )
