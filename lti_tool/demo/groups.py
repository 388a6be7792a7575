"""Group work in the demo: lärgrupper, a live session next week and a group's meeting.

In the course that links the collegial example journey (``formativ-bedomning``), the demo's
learner and two colleagues of the unit form a closed learning group with the demo's instructor as
its facilitator (processledare); an open group with room for more lets learners join one
themselves. The journey's live session gets an occurrence next week (two colleagues have signed
up) and the closed group's meeting phase its own meeting. Everything is found before it is made,
so a second seed creates nothing.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import (
    Group,
    GroupMember,
    GroupRole,
    GroupSource,
    Occurrence,
    Signup,
    SignupStatus,
    scope_of,
)
from lti_tool.db import utcnow
from lti_tool.demo import catalog
from lti_tool.demo.staff import demo_account
from lti_tool.journeys.authoring import journey_by_slug
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Context, Membership, Organization, Person

JOURNEY = "formativ-bedomning"
SESSION_STEP = "uppstart"  # the journey's live session (examples/formativ-bedomning.yaml)
CYCLE_STEP = "cykel-aterkoppling"  # its collegial cycle
CLOSED_GROUP = "Lärgrupp Björken"
OPEN_GROUP = "Lärgrupp Linden"
OPEN_CAPACITY = 5
# Codes shown in the room are read aloud and typed: no 0/O or 1/I/L to mix up.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def _check_in_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """A time ``days`` from today (UTC), on the hour given: a plausible afternoon meeting."""
    day = (utcnow() + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def seed_groups(session: Session, org: Organization, registration: Registration) -> list[str]:
    """The demo's groups, live session and group meeting in each course of the example."""
    done: list[str] = []
    journey = journey_by_slug(session, org.id, JOURNEY)
    if journey is None:
        return done
    for course in catalog.COURSES:
        if course.org_slug != org.slug or course.custom.get("journey") != JOURNEY:
            continue
        context = session.scalars(
            select(Context).where(
                Context.registration_id == registration.id, Context.context_id == course.key
            )
        ).first()
        if context is None:
            continue
        learner, _new = demo_account(session, org, registration, "learner")
        facilitator, _new = demo_account(session, org, registration, "instructor")
        colleagues = _colleagues(session, context, exclude={learner.id, facilitator.id})
        closed = _group(session, org, context, CLOSED_GROUP, facilitator, done)
        if closed is not None:
            _members(session, closed, [learner, *colleagues[:2]], facilitator)
        opened = _group(session, org, context, OPEN_GROUP, facilitator, done, open_=True)
        if opened is not None:
            _members(session, opened, colleagues[2:4], facilitator)
        group = _find_group(session, org, context, CLOSED_GROUP)
        _occurrences(session, org, context, journey.id, group, facilitator, colleagues, done)
    session.flush()
    return done


def _colleagues(session: Session, context: Context, exclude: set[int]) -> list[Person]:
    """The course's staff learners, in the order the seed made them."""
    people = session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.context_id == context.id)
        .order_by(Person.id)
        .limit(6)
    ).all()
    return [p for p in people if p.id not in exclude]


def _find_group(session: Session, org: Organization, context: Context, name: str) -> Group | None:
    return session.scalars(
        select(Group).where(
            Group.organization_id == org.id, Group.context_id == context.id, Group.name == name
        )
    ).first()


def _group(
    session: Session,
    org: Organization,
    context: Context,
    name: str,
    facilitator: Person,
    done: list[str],
    open_: bool = False,
) -> Group | None:
    """A new group of the course, or None when it exists."""
    if _find_group(session, org, context, name) is not None:
        return None
    group = Group(
        organization_id=org.id,
        context_id=context.id,
        scope=scope_of(context.id, None),
        name=name,
        description=(
            "Öppen lärgrupp: gå med om du inte redan har en grupp."
            if open_
            else "Lärgrupp i formativ bedömning, med processledare."
        ),
        open=open_,
        capacity=OPEN_CAPACITY if open_ else None,
        source=GroupSource.MANUAL,
        created_by_id=facilitator.id,
    )
    session.add(group)
    done.append(f"group {name} in {context.context_id}")
    return group


def _members(session: Session, group: Group, members: list[Person], facilitator: Person) -> None:
    for person in members:
        group.members.append(
            GroupMember(person_id=person.id, scope=group.scope, role=GroupRole.MEMBER)
        )
    group.members.append(
        GroupMember(person_id=facilitator.id, scope=group.scope, role=GroupRole.FACILITATOR)
    )
    session.flush()


def _occurrence_exists(
    session: Session, journey_id: int, step_key: str, context: Context, group: Group | None
) -> bool:
    query = select(Occurrence.id).where(
        Occurrence.journey_id == journey_id,
        Occurrence.step_key == step_key,
        Occurrence.context_id == context.id,
    )
    query = query.where(
        Occurrence.group_id.is_(None) if group is None else Occurrence.group_id == group.id
    )
    return session.scalars(query).first() is not None


def _occurrences(
    session: Session,
    org: Organization,
    context: Context,
    journey_id: int,
    group: Group | None,
    facilitator: Person,
    colleagues: list[Person],
    done: list[str],
) -> None:
    """The live session next week (two colleagues signed up) and the group's meeting after it."""
    if not _occurrence_exists(session, journey_id, SESSION_STEP, context, None):
        starts = _at(7, 14)
        occurrence = Occurrence(
            organization_id=org.id,
            journey_id=journey_id,
            step_key=SESSION_STEP,
            context_id=context.id,
            title="Uppstartsträff för alla lärgrupper",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=90),
            place="Björkskolan, aulan",
            capacity=30,
            facilitator_id=facilitator.id,
            check_in_code=_check_in_code(),
            created_by_id=facilitator.id,
        )
        now = utcnow()
        occurrence.signups = [
            Signup(person_id=p.id, status=SignupStatus.REGISTERED, queued_at=now, registered_at=now)
            for p in colleagues[:2]
        ]
        session.add(occurrence)
        done.append(f"live session occurrence in {context.context_id}")
    if group is not None and not _occurrence_exists(
        session, journey_id, CYCLE_STEP, context, group
    ):
        starts = _at(14, 13, 30)
        session.add(
            Occurrence(
                organization_id=org.id,
                journey_id=journey_id,
                step_key=CYCLE_STEP,
                context_id=context.id,
                group_id=group.id,
                title=f"Träff: {group.name}",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=45),
                place="Björkskolan, grupprum 2",
                meeting_url="https://meet.example.org/larggrupp-bjorken",
                facilitator_id=facilitator.id,
                check_in_code=_check_in_code(),
                created_by_id=facilitator.id,
            )
        )
        done.append(f"meeting of {group.name} in {context.context_id}")
