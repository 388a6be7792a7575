"""The follow-up reads every unit's staff at once, as the leadership module reads one unit's."""

from __future__ import annotations

from lti_tool.followup.staff import unit_staff
from lti_tool.leadership.staff import staff_person_ids, unit_staff_counts
from tests.followup.conftest import World


def test_staff_of_every_unit_matches_the_leadership_definition(world: World) -> None:
    a, b = world.unit("Skola A"), world.unit("Skola B")
    world.staff(a, 3)
    world.staff(b, 2)
    staff = unit_staff(world.session, world.org.id)
    assert {uid: set(people) for uid, people in staff.people.items()} == {
        u.id: staff_person_ids(world.session, world.org.id, u.id) for u in (a, b)
    }


def test_staff_counts_are_the_leadership_counts(world: World) -> None:
    world.staff(world.unit("Skola A"), 3)
    staff = unit_staff(world.session, world.org.id)
    assert dict(staff.counts) == unit_staff_counts(world.session, world.org.id)
