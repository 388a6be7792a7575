"""A person's group in a course or unit, and their role in a group."""

from __future__ import annotations

from flask import Flask

from lti_tool.collegial.membership import facilitated_groups, group_of_member, role_in_group
from lti_tool.collegial.models import Group, GroupMember, GroupRole, scope_of
from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Context, Person, Unit


def test_group_of_member_prefers_the_course_group_then_the_units(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        registration = session.get_one(Registration, registration.id)
        org_id = registration.organization_id
        unit = Unit(organization_id=org_id, name="Norrskolan")
        session.add(unit)
        session.flush()
        course = Context(
            organization_id=org_id,
            registration_id=registration.id,
            deployment_id=registration.deployments[0].id,
            context_id="course-1",
            unit_id=unit.id,
        )
        people = [
            Person(organization_id=org_id, registration_id=registration.id, sub=f"p{i}")
            for i in range(3)
        ]
        session.add_all([course, *people])
        session.flush()
        course_group = Group(
            organization_id=org_id, context_id=course.id, scope=scope_of(course.id, None), name="A"
        )
        unit_group = Group(
            organization_id=org_id, unit_id=unit.id, scope=scope_of(None, unit.id), name="Lag 1"
        )
        session.add_all([course_group, unit_group])
        session.flush()
        session.add_all(
            [
                GroupMember(
                    group_id=course_group.id, person_id=people[0].id, scope=course_group.scope
                ),
                GroupMember(group_id=unit_group.id, person_id=people[0].id, scope=unit_group.scope),
                GroupMember(group_id=unit_group.id, person_id=people[1].id, scope=unit_group.scope),
                GroupMember(
                    group_id=unit_group.id,
                    person_id=people[2].id,
                    scope=unit_group.scope,
                    role=GroupRole.FACILITATOR,
                ),
            ]
        )
        session.commit()

        def group_of(person: Person) -> Group | None:
            return group_of_member(session, org_id, person.id, course.id, unit.id)

        assert group_of(people[0]) == course_group
        assert group_of(people[1]) == unit_group
        assert group_of(people[2]) is None  # a facilitator is not a member
        assert role_in_group(session, unit_group, people[2].id) == GroupRole.FACILITATOR
        assert facilitated_groups(session, org_id, people[2].id) == [unit_group]
