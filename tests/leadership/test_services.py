"""Reach: who a leader may follow up; units of a person; staff counts as denominators."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.leadership.services import managed_people, manages, units_of_person
from lti_tool.leadership.staff import staff_person_ids, unit_staff_counts
from lti_tool.tenancy.models import Context, Organization, Person, RosterMember
from lti_tool.tenancy.services import add_organization
from tests.leadership.conftest import Launches


def test_unit_leader_manages_the_staff_of_their_unit(app: Flask, launches: Launches) -> None:
    launches.launch("anna", unit="Skola A")
    reach = launches.reach("anna", unit_ids=frozenset({launches.unit_id("Skola A")}))
    launches.launch("bo", unit="Skola A")
    with get_database(app).session() as session:
        assert manages(session, reach, launches.person_id("bo"))


def test_unit_leader_does_not_manage_another_units_staff(app: Flask, launches: Launches) -> None:
    launches.launch("anna", unit="Skola A")
    launches.launch("cia", unit="Skola B")
    reach = launches.reach("anna", unit_ids=frozenset({launches.unit_id("Skola A")}))
    with get_database(app).session() as session:
        assert not manages(session, reach, launches.person_id("cia"))


def test_organisation_leader_manages_nobody_of_another_organisation(
    app: Flask, launches: Launches
) -> None:
    launches.launch("anna")
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        stranger = Person(organization_id=other.id, registration_id=1, sub="x")
        session.add(stranger)
        session.commit()
        reach = launches.reach("anna", whole_organization=True)
        assert not manages(session, reach, stranger.id)


def test_mentor_manages_their_mentee_only(app: Flask, launches: Launches) -> None:
    for sub in ("mentor", "elev", "annan"):
        launches.launch(sub)
    reach = launches.reach("mentor", mentee_ids=frozenset({launches.person_id("elev")}))
    with get_database(app).session() as session:
        assert manages(session, reach, launches.person_id("elev"))
        assert not manages(session, reach, launches.person_id("annan"))


def test_managed_people_leaves_out_the_leader_and_other_units(
    app: Flask, launches: Launches
) -> None:
    launches.launch("anna", unit="Skola A")
    launches.launch("bo", unit="Skola A")
    launches.launch("cia", unit="Skola B")
    reach = launches.reach("anna", unit_ids=frozenset({launches.unit_id("Skola A")}))
    with get_database(app).session() as session:
        assert [p.sub for p in managed_people(session, reach)] == ["bo"]


def test_units_of_a_person_are_the_units_of_their_courses(app: Flask, launches: Launches) -> None:
    launches.launch("anna", unit="Skola B")
    launches.launch("anna", unit="Skola A")
    with get_database(app).session() as session:
        units = units_of_person(session, 1, launches.person_id("anna"))
        assert [u.name for u in units] == ["Skola A", "Skola B"]


def test_staff_counts_join_launched_people_and_the_roster_once_each(
    app: Flask, launches: Launches
) -> None:
    launches.launch("anna", unit="Skola A")
    launches.launch("bo", unit="Skola A")
    launches.launch("cia", unit="Skola B")
    with get_database(app).session() as session:
        course = session.scalars(
            select(Context).where(Context.context_id == "course-Skola A")
        ).one()
        # anna on the roster too (counted once), dag only on the roster (counted).
        for sub in ("anna", "dag"):
            session.add(RosterMember(organization_id=1, context_id=course.id, sub=sub))
        session.commit()
        assert unit_staff_counts(session, 1) == {
            launches.unit_id("Skola A"): 3,
            launches.unit_id("Skola B"): 1,
        }


def test_staff_person_ids_are_the_launched_people_of_the_unit(
    app: Flask, launches: Launches
) -> None:
    launches.launch("anna", unit="Skola A")
    launches.launch("cia", unit="Skola B")
    with get_database(app).session() as session:
        assert staff_person_ids(session, 1, launches.unit_id("Skola A")) == {
            launches.person_id("anna")
        }


def test_staff_counts_stay_within_the_organisation(app: Flask, launches: Launches) -> None:
    launches.launch("anna", unit="Skola A")
    with get_database(app).session() as session:
        other = session.scalars(select(Organization).where(Organization.slug == "org-a")).one()
        assert unit_staff_counts(session, other.id + 1) == {}
