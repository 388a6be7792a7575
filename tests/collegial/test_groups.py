"""Group services: forming groups, members and facilitators, open joins, splitting the roster."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial import groups
from lti_tool.collegial.group_forming import sizes, split_roster
from lti_tool.collegial.groups import GroupConflictError, GroupError, GroupFields
from lti_tool.collegial.models import GroupMember, GroupRole, GroupSource
from lti_tool.db import get_database
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, Person
from tests.collegial.conftest import (
    INSTRUCTOR,
    Launches,
    group_by_key,
    person,
    statements,
)
from xapi.profile import PROFILE

GROUP_EXTENSION = PROFILE.extension("group")


def member_names(session: Session, key: str) -> list[str]:
    group = group_by_key(session, key)
    return [p.display_name for p in groups.people_in(session, group, GroupRole.MEMBER)]


def test_create_group_refuses_an_empty_name(launches: Launches, session: Session) -> None:
    launches.launch("anna")
    context = session.get_one(Context, launches.context_id())
    with pytest.raises(GroupError) as refused:
        groups.create_group(session, GroupFields("   "), context=context)
    assert refused.value.code == "group_name_missing"


def test_create_group_refuses_a_size_limit_out_of_range(
    launches: Launches, session: Session
) -> None:
    launches.launch("anna")
    context = session.get_one(Context, launches.context_id())
    with pytest.raises(GroupError) as refused:
        groups.create_group(session, GroupFields("A", capacity=0), context=context)
    assert refused.value.code == "group_capacity"


def test_join_open_group_records_joined_with_the_group_as_team(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    key = launches.group("Lärgrupp 1", open=True)
    groups.join_open_group(session, group_by_key(session, key), person(session, "anna"), recording)
    assert member_names(session, key) == ["Anna"]
    (joined,) = statements(app, "/join")
    assert joined["object"]["id"].endswith(f"/groups/{key}")
    assert joined["context"]["team"]["account"]["name"] == f"groups/{key}"
    assert len(joined["context"]["team"]["member"]) == 1
    assert joined["context"]["extensions"][GROUP_EXTENSION]["members"] == 1


def test_join_refuses_a_closed_group(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    key = launches.group("Stängd")
    with pytest.raises(GroupError) as refused:
        groups.join_open_group(
            session, group_by_key(session, key), person(session, "anna"), recording
        )
    assert refused.value.code == "group_closed"


def test_join_refuses_a_full_group(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    launches.launch("bo")
    key = launches.group("Liten", open=True, capacity=1)
    groups.join_open_group(session, group_by_key(session, key), person(session, "anna"), recording)
    with pytest.raises(GroupConflictError) as refused:
        groups.join_open_group(
            session, group_by_key(session, key), person(session, "bo"), recording
        )
    assert refused.value.code == "group_full"
    assert member_names(session, key) == ["Anna"]


def test_a_person_is_in_one_group_per_course_and_moves_by_leaving_first(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    first = launches.group("Grupp A", open=True)
    second = launches.group("Grupp B", open=True)
    anna = person(session, "anna")
    groups.join_open_group(session, group_by_key(session, first), anna, recording)
    with pytest.raises(GroupConflictError) as refused:
        groups.join_open_group(session, group_by_key(session, second), anna, recording)
    assert refused.value.code == "in_another_group"
    assert "Grupp A" in refused.value.detail
    groups.leave_group(session, group_by_key(session, first), anna, recording)
    groups.join_open_group(session, group_by_key(session, second), anna, recording)
    assert member_names(session, first) == []
    assert member_names(session, second) == ["Anna"]
    (left,) = statements(app, "/leave")
    assert left["context"]["team"].get("member", []) == []


def test_add_member_refuses_someone_in_another_group_of_the_course(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    first, second = launches.group("A"), launches.group("B")
    groups.add_member(session, group_by_key(session, first), person(session, "anna"), recording)
    with pytest.raises(GroupConflictError) as refused:
        groups.add_member(
            session, group_by_key(session, second), person(session, "anna"), recording
        )
    assert "Anna" in refused.value.detail and "A" in refused.value.detail


def test_groups_of_two_courses_do_not_share_the_one_group_rule(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    launches.launch("anna", course="course-2")
    one = launches.group("A")
    two = launches.group("B", course="course-2")
    groups.add_member(session, group_by_key(session, one), person(session, "anna"), recording)
    groups.add_member(session, group_by_key(session, two), person(session, "anna"), recording)
    assert member_names(session, one) == member_names(session, two) == ["Anna"]


def test_update_group_refuses_a_size_limit_below_the_members(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    launches.launch("bo")
    key = launches.group("A")
    for sub in ("anna", "bo"):
        groups.add_member(session, group_by_key(session, key), person(session, sub), recording)
    with pytest.raises(GroupError) as refused:
        groups.update_group(session, group_by_key(session, key), GroupFields("A", capacity=1))
    assert refused.value.code == "group_capacity_below_members"
    groups.update_group(session, group_by_key(session, key), GroupFields("A2", "", True, 2))
    group = group_by_key(session, key)
    assert (group.name, group.open, group.capacity) == ("A2", True, 2)


def test_facilitators_are_not_members_and_a_member_is_not_made_one(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    launches.launch("kim", roles=INSTRUCTOR)
    key = launches.group("A", open=True, capacity=1)
    groups.add_facilitator(session, group_by_key(session, key), person(session, "kim"))
    groups.join_open_group(session, group_by_key(session, key), person(session, "anna"), recording)
    with pytest.raises(GroupConflictError):
        groups.add_facilitator(session, group_by_key(session, key), person(session, "anna"))
    group = group_by_key(session, key)
    assert [p.sub for p in groups.people_in(session, group, GroupRole.FACILITATOR)] == ["kim"]
    groups.remove_facilitator(session, group, person(session, "kim"))
    assert groups.people_in(session, group_by_key(session, key), GroupRole.FACILITATOR) == []


def test_delete_group_records_every_member_as_having_left(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    for sub in ("anna", "bo"):
        launches.launch(sub)
    key = launches.group("A")
    for sub in ("anna", "bo"):
        groups.add_member(session, group_by_key(session, key), person(session, sub), recording)
    groups.delete_group(session, group_by_key(session, key), recording)
    assert session.scalars(select(GroupMember)).all() == []
    assert len(statements(app, "/leave")) == 2


def test_sizes_are_balanced_larger_first() -> None:
    assert sizes(7, 3) == [3, 2, 2]
    assert sizes(6, 3) == [2, 2, 2]


def test_split_roster_places_learners_by_name_in_balanced_groups_and_never_staff(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    names = ["Gun", "Bo", "Eva", "Anna", "Dan", "Cilla", "Fia"]
    for name in names:
        launches.launch(name.lower(), name=name)
    launches.launch("kim", roles=INSTRUCTOR, name="Kim")
    context = session.get_one(Context, launches.context_id())
    made = split_roster(session, context, recording, count=3, prefix="Lag")
    assert [g.name for g in made] == ["Lag 1", "Lag 2", "Lag 3"]
    assert [member_names(session, g.key) for g in made] == [
        ["Anna", "Bo", "Cilla"],
        ["Dan", "Eva"],
        ["Fia", "Gun"],
    ]
    assert {g.source for g in made} == {GroupSource.ROSTER}
    assert len(statements(app, "/join")) == 7


def test_split_roster_by_size_places_only_those_in_no_group(
    launches: Launches, session: Session, recording: Recording
) -> None:
    for sub in ("anna", "bo", "cilla", "dan", "eva"):
        launches.launch(sub)
    key = launches.group("Befintlig")
    groups.add_member(session, group_by_key(session, key), person(session, "anna"), recording)
    context = session.get_one(Context, launches.context_id())
    made = split_roster(session, context, recording, size=2)
    assert [len(member_names(session, g.key)) for g in made] == [2, 2]
    assert "Anna" not in [n for g in made for n in member_names(session, g.key)]


def test_split_roster_includes_roster_members_who_never_launched(
    app: Flask, launches: Launches, session: Session, recording: Recording
) -> None:
    from lti_tool.tenancy.models import RosterMember

    launches.launch("anna")
    context = session.get_one(Context, launches.context_id())
    session.add_all(
        [
            RosterMember(
                organization_id=context.organization_id,
                context_id=context.id,
                sub="nils",
                name="Nils",
                tool_roles=["learner"],
            ),
            RosterMember(
                organization_id=context.organization_id,
                context_id=context.id,
                sub="tove",
                name="Tove",
                tool_roles=["instructor"],
            ),
        ]
    )
    session.commit()
    (made,) = split_roster(session, context, recording, count=1)
    assert member_names(session, made.key) == ["Anna", "Nils"]


def test_split_roster_says_so_when_everyone_is_placed(
    launches: Launches, session: Session, recording: Recording
) -> None:
    launches.launch("anna")
    context = session.get_one(Context, launches.context_id())
    split_roster(session, context, recording, count=1)
    with pytest.raises(GroupError) as refused:
        split_roster(session, context, recording, count=1)
    assert refused.value.code == "split_nobody"


def test_concurrent_joins_never_exceed_the_size_limit(
    app: Flask, database_url: str, launches: Launches, recording: Recording
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the row lock is tested on PostgreSQL (SQLite has one writer)")
    subs = [f"p{i:02d}" for i in range(12)]
    for sub in subs:
        launches.launch(sub)
    key = launches.group("Populär", open=True, capacity=5)
    database = get_database(app)
    barrier = threading.Barrier(len(subs))
    outcomes: list[str] = []

    def join(sub: str) -> None:
        with database.session() as own:
            group = group_by_key(own, key)
            joiner = own.scalars(select(Person).where(Person.sub == sub)).one()
            own.rollback()
            barrier.wait()
            try:
                groups.join_open_group(own, group, joiner, recording)
                outcomes.append("joined")
            except GroupConflictError as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=join, args=(sub,)) for sub in subs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("joined") == 5
    assert outcomes.count("group_full") == 7
    with database.session() as check:
        assert len(member_names(check, key)) == 5
    assert len(statements(app, "/join")) == 5
