"""Parts shared by the statement builders: the organisation as a grouping, a person as actor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Organization, Person
from xapi.statements import ActivityRef, StatementFactory
from xapi.statements import Person as Actor


def organization_activity(factory: StatementFactory, org: Organization) -> ActivityRef:
    """The organisation as a grouping activity, by its id."""
    return factory.activity(
        "organization", factory.activity_iri("organizations", org.id), {"sv": org.name}
    )


def person_actor(session: Session, person: Person) -> Actor:
    """A launched person as the actor of a statement, identified as their platform knows them."""
    registration = session.get(Registration, person.registration_id)
    if registration is None:  # pragma: no cover - a foreign key
        raise LookupError(f"registration of person {person.id} is gone")
    return Actor(
        issuer=registration.issuer,
        sub=person.sub,
        name=person.display_name or None,
        email=person.email,
    )


def person_actor_by_id(session: Session, person_id: int, owner: str) -> Actor:
    """:func:`person_actor` for a person id held by ``owner`` (named in the error)."""
    person = session.get(Person, person_id)
    if person is None:  # pragma: no cover - a foreign key
        raise LookupError(f"person {person_id} of {owner} is gone")
    return person_actor(session, person)
