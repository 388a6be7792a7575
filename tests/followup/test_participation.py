"""Participation by unit over the unit's staff, overdue plan goals, ratings kept apart."""

from __future__ import annotations

from datetime import date, timedelta

from lti_tool.followup.participation import (
    goal_participation,
    journey_participation,
    overdue_people,
    overdue_table,
    rating_means,
)
from lti_tool.followup.staff import unit_staff
from lti_tool.journeys.models import AssignmentLevel, RatingSource
from lti_tool.privacy import SuppressionPolicy
from tests.followup.conftest import COMPETENCE_IRI, World

POLICY = SuppressionPolicy(5)
TODAY = date(2026, 6, 1)


def test_staff_of_a_unit_is_the_denominator(world: World) -> None:
    a = world.unit("Skola A")
    world.staff(a, 12)
    world.assign(world.journey(), AssignmentLevel.ORGANIZATION)
    (table,) = journey_participation(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY
    )
    row = table.row_of(a.id)
    assert row is not None and row.staff.value == 12


def test_organisation_assignment_assigns_every_unit(world: World) -> None:
    a, b = world.unit("Skola A"), world.unit("Skola B")
    world.staff(a, 12)
    world.staff(b, 10)
    world.assign(world.journey(), AssignmentLevel.ORGANIZATION)
    (table,) = journey_participation(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY
    )
    assert [(r.unit_id, r.staff.value) for r in table.rows] == [(a.id, 12), (b.id, 10)]


def test_started_and_completed_are_counted_per_unit(world: World) -> None:
    a, b = world.unit("Skola A"), world.unit("Skola B")
    people, others = world.staff(a, 20), world.staff(b, 15)
    journey = world.journey()
    world.assign(journey, AssignmentLevel.ORGANIZATION)
    world.enroll(journey, people[:6] + others[:5], completed=True)
    world.enroll(journey, people[6:12] + others[5:10])
    (table,) = journey_participation(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY
    )
    row = table.row_of(a.id)
    assert row is not None
    assert (row.not_started.value, row.in_progress.value, row.completed.value) == (8, 6, 6)
    assert row.completed_share.value == 6 / 20


def test_unit_assignment_leaves_other_units_out(world: World) -> None:
    a, b = world.unit("Skola A"), world.unit("Skola B")
    world.staff(a, 12)
    world.staff(b, 10)
    world.assign(world.journey(), AssignmentLevel.UNIT, unit=a)
    (table,) = journey_participation(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY
    )
    assert [r.unit_id for r in table.rows] == [a.id]


def test_small_counts_are_hidden_with_their_complement(world: World) -> None:
    a, b = world.unit("Skola A"), world.unit("Skola B")
    people = world.staff(a, 20)
    world.staff(b, 10)
    journey = world.journey()
    world.assign(journey, AssignmentLevel.ORGANIZATION)
    world.enroll(journey, people[:2], completed=True)
    (table,) = journey_participation(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY
    )
    completed = [r.completed for r in table.rows]
    assert all(cell.suppressed for cell in completed)


def test_goal_participation_follows_the_assignments_goal(world: World) -> None:
    competence, _ = world.framework()
    a = world.unit("Skola A")
    people = world.staff(a, 12)
    goal = world.goal("Digitala resurser", competence)
    journey, other = world.journey(), world.journey("annan-resa")
    world.assign(journey, AssignmentLevel.ORGANIZATION, goal=goal)
    world.assign(other, AssignmentLevel.ORGANIZATION)
    world.enroll(other, people, completed=True)
    world.enroll(journey, people[:6], completed=True)
    tables = goal_participation(
        world.session,
        world.org.id,
        [(goal.id, goal.title)],
        unit_staff(world.session, world.org.id),
        POLICY,
    )
    row = tables[goal.id].row_of(a.id)
    assert row is not None and row.completed.value == 6


def test_overdue_plan_goals_count_people_per_unit(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 14)
    late = [("Pröva AI-stöd", TODAY - timedelta(days=3), False)]
    for person in people[:6]:
        world.plan(person, people[-1], late)
    row = overdue_table(
        world.session, world.org.id, unit_staff(world.session, world.org.id), POLICY, TODAY
    )[0]
    assert (row.staff.value, row.overdue.value) == (14, 6)


def test_a_done_goal_is_not_overdue(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 2)
    world.plan(people[0], people[1], [("Klart", TODAY - timedelta(days=3), True)])
    named = overdue_people(world.session, world.org.id, people, lambda _: True, TODAY)
    assert named == []


def test_the_plan_deadline_applies_to_goals_without_a_date(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 2)
    world.plan(
        people[0], people[1], [("Utan datum", None, False)], deadline=TODAY - timedelta(days=1)
    )
    named = overdue_people(world.session, world.org.id, people, lambda _: True, TODAY)
    assert [p.goals for p in named] == [("Utan datum",)]


def test_only_the_current_plan_version_counts(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 2)
    plan = world.plan(people[0], people[1], [("Sen", TODAY - timedelta(days=3), False)], version=2)
    plan.versions[-1].goals[0].done_at = plan.versions[0].created_at
    world.session.flush()
    assert overdue_people(world.session, world.org.id, people, lambda _: True, TODAY) == []


def test_overdue_names_only_people_the_viewer_may_name(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 3)
    for person in people[:2]:
        world.plan(person, people[2], [("Sen", TODAY - timedelta(days=3), False)])
    named = overdue_people(world.session, world.org.id, people, lambda p: p == people[0], TODAY)
    assert [p.person_id for p in named] == [people[0]]


def test_self_and_instructor_ratings_are_kept_apart(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 6)
    journey = world.journey()
    enrollments = world.enroll(journey, people)
    world.rate(enrollments, RatingSource.SELF, 3, people[0])
    world.rate(enrollments[:3], RatingSource.SELF, 4, people[0])
    world.rate(enrollments, RatingSource.INSTRUCTOR, 2, people[0])
    world.rate(enrollments[:3], RatingSource.INSTRUCTOR, 3, people[0])
    (row,) = rating_means(world.session, world.org.id, [journey.id], people, POLICY)
    assert (row.competence_iri, row.self_mean.value, row.instructor_mean.value) == (
        COMPETENCE_IRI,
        3.5,
        2.5,
    )


def test_ratings_of_too_few_people_are_hidden(world: World) -> None:
    a = world.unit("Skola A")
    people = world.staff(a, 4)
    journey = world.journey()
    world.rate(world.enroll(journey, people), RatingSource.SELF, 3, people[0])
    (row,) = rating_means(world.session, world.org.id, [journey.id], people, POLICY)
    assert row.self_mean.suppressed and row.instructor_mean.suppressed
