"""The demo's people beyond the launch page: synthetic staff of every unit, and the named people
(learner, principal) whose plans the demo holds before their first launch.

The rows are what launches would have left: a Person per platform account and a Membership per
course, so the staff count of a unit (``lti_tool.leadership.staff``) is the same as on a real
site. A later launch of the same account updates these rows (provisioning upserts them).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.demo import catalog
from lti_tool.demo.names import staff_email, staff_name, staff_sub
from lti_tool.lti.models import Deployment, Registration
from lti_tool.lti.roles import LIS, ToolRole
from lti_tool.tenancy.models import Context, Membership, Organization, Person, Unit

STAFF_PER_UNIT = 24
STAFF_ROLES = [LIS + "membership#Learner", LIS + "institution/person#Staff"]


def spread(*parts: object) -> int:
    """A stable number from its parts: the demo's varied data is the same on every seed."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def deployment_of(session: Session, registration: Registration, deployment_id: str) -> Deployment:
    deployment = session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id,
            Deployment.deployment_id == deployment_id,
        )
    ).one()
    return deployment


def course_context(
    session: Session,
    org: Organization,
    registration: Registration,
    deployment: Deployment,
    course: catalog.DemoCourse,
    unit: Unit,
) -> Context:
    """The course as its first launch creates it."""
    context = session.scalars(
        select(Context).where(
            Context.registration_id == registration.id, Context.context_id == course.key
        )
    ).first()
    if context is None:
        context = Context(
            organization_id=org.id,
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id=course.key,
            title=course.title,
            label=course.label,
            unit_id=unit.id,
        )
        session.add(context)
        session.flush()
    return context


def account(
    session: Session,
    org: Organization,
    registration: Registration,
    sub: str,
    given: str,
    family: str,
    email: str,
) -> tuple[Person, bool]:
    """The person of this platform account, created when missing; ``True`` when created."""
    person = session.scalars(
        select(Person).where(Person.registration_id == registration.id, Person.sub == sub)
    ).first()
    if person is not None:
        return person, False
    person = Person(
        organization_id=org.id,
        registration_id=registration.id,
        sub=sub,
        name=f"{given} {family}",
        given_name=given,
        family_name=family,
        email=email,
        locale="sv-SE",
    )
    session.add(person)
    session.flush()
    return person, True


def demo_account(
    session: Session, org: Organization, registration: Registration, key: str
) -> tuple[Person, bool]:
    """The person of a launch-page person (``learner``, ``rektor``…), as their launch names them."""
    who = catalog.person(key)
    if who is None:
        raise LookupError(f"the demo has no person {key!r}")
    return account(
        session, org, registration, f"demo-{who.key}", who.given_name, who.family_name, who.email
    )


def seed_staff(
    session: Session,
    org: Organization,
    registration: Registration,
    contexts: dict[int, list[Context]],
) -> tuple[dict[int, list[Person]], int]:
    """``STAFF_PER_UNIT`` members of staff in each unit (a membership in each of its courses).

    Returns the staff by unit id, in number order, and how many people were created.
    """
    staff: dict[int, list[Person]] = {}
    created = 0
    now = utcnow()
    number = 0
    for unit_id in sorted(contexts):
        staff[unit_id] = []
        for _ in range(STAFF_PER_UNIT):
            number += 1
            given, family = staff_name(number)
            person, new = account(
                session,
                org,
                registration,
                staff_sub(number),
                given,
                family,
                staff_email(number),
            )
            if new:
                created += 1
                person.last_launch_at = now - timedelta(days=spread(person.sub) % 60)
            staff[unit_id].append(person)
            for context in contexts[unit_id]:
                _membership(session, org, person, context)
    session.flush()
    return staff, created


def _membership(session: Session, org: Organization, person: Person, context: Context) -> None:
    exists = session.scalars(
        select(Membership.id).where(
            Membership.person_id == person.id, Membership.context_id == context.id
        )
    ).first()
    if exists is None:
        session.add(
            Membership(
                organization_id=org.id,
                person_id=person.id,
                context_id=context.id,
                tool_roles=[ToolRole.LEARNER.value],
                lti_roles=list(STAFF_ROLES),
                last_launch_at=person.last_launch_at or utcnow(),
            )
        )
