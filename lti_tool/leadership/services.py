"""Who leads whom: granting leadership, and the reach of a launch (the people it may follow up).

An organisation leader (a launch with the admin role, or a person named with ``org leader add``)
reaches every unit and person of the organisation; a unit leader (a rektor: named with ``unit leader
add``, or launching with the LTI ``Administrator`` course role in a course of that unit) reaches the
staff of that unit; a mentor reaches the mentees the platform names. Every query is per organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lti_tool.leadership.models import GrantSource, Leader, Mentorship
from lti_tool.lti.roles import ToolRole
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import AuditEvent, Context, Membership, Organization, Person, Unit
from lti_tool.validation import InvalidInputError, NotFoundError, strict_int


@dataclass(frozen=True)
class Reach:
    """What a launch may follow up: the whole organisation, some units, some mentees, or nothing."""

    organization_id: int
    person_id: int
    whole_organization: bool = False
    unit_ids: frozenset[int] = frozenset()
    mentee_ids: frozenset[int] = frozenset()

    @property
    def is_leader(self) -> bool:
        return self.whole_organization or bool(self.unit_ids) or bool(self.mentee_ids)

    def leads_unit(self, unit_id: int | None) -> bool:
        return unit_id is not None and (self.whole_organization or unit_id in self.unit_ids)


def is_organization_leader(session: Session, organization_id: int, person_id: int) -> bool:
    """Whether the person is named an organisation leader (admins are leaders by their role)."""
    return (
        session.scalar(
            select(
                exists().where(
                    Leader.organization_id == organization_id,
                    Leader.person_id == person_id,
                    Leader.unit_id.is_(None),
                )
            )
        )
        or False
    )


def reach_of(session: Session, identity: LaunchIdentity) -> Reach:
    """The reach of a launch: from its admin role, its leader grants and its mentorships."""
    org_id, person_id = identity.organization_id, identity.person_id
    whole = identity.has_role(ToolRole.ADMIN) or is_organization_leader(session, org_id, person_id)
    if whole:
        units = session.scalars(select(Unit.id).where(Unit.organization_id == org_id))
    else:
        units = session.scalars(
            select(Leader.unit_id).where(
                Leader.organization_id == org_id,
                Leader.person_id == person_id,
                Leader.unit_id.is_not(None),
            )
        )
    mentees = session.scalars(
        select(Person.id)
        .join(
            Mentorship,
            (Mentorship.registration_id == Person.registration_id)
            & (Mentorship.mentee_sub == Person.sub),
        )
        .where(Mentorship.mentor_id == person_id, Person.organization_id == org_id)
    )
    return Reach(
        organization_id=org_id,
        person_id=person_id,
        whole_organization=whole,
        unit_ids=frozenset(u for u in units if u is not None),
        mentee_ids=frozenset(mentees),
    )


def units_of_person(session: Session, organization_id: int, person_id: int) -> list[Unit]:
    """The school units of the courses the person has launched from, by name."""
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.organization_id == organization_id,
                Unit.id.in_(
                    select(Context.unit_id)
                    .join(Membership, Membership.context_id == Context.id)
                    .where(
                        Membership.person_id == person_id,
                        Membership.organization_id == organization_id,
                    )
                ),
            )
            .order_by(Unit.name)
        )
    )


def manages(session: Session, reach: Reach, person_id: int) -> bool:
    """Whether the reach covers this person (of the same organisation)."""
    person_org = session.scalar(select(Person.organization_id).where(Person.id == person_id))
    if person_org is None or person_org != reach.organization_id:
        return False
    if reach.whole_organization or person_id in reach.mentee_ids:
        return True
    if not reach.unit_ids:
        return False
    return (
        session.scalar(
            select(
                exists().where(
                    Membership.person_id == person_id,
                    Membership.context_id == Context.id,
                    Context.unit_id.in_(reach.unit_ids),
                )
            )
        )
        or False
    )


def managed_people(session: Session, reach: Reach) -> list[Person]:
    """Everyone the reach covers (never the leader themselves), by name."""
    if not reach.is_leader:
        return []
    query = select(Person).where(
        Person.organization_id == reach.organization_id, Person.id != reach.person_id
    )
    if not reach.whole_organization:
        in_units = Person.id.in_(
            select(Membership.person_id)
            .join(Context, Context.id == Membership.context_id)
            .where(Context.unit_id.in_(reach.unit_ids))
        )
        query = query.where(in_units | Person.id.in_(reach.mentee_ids))
    people = list(session.scalars(query))
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.id))


# Granting, by administrators (CLI now; the admin pages later use the same functions).


def find_person(session: Session, org: Organization, ref: str) -> Person:
    """The organisation's person with this id or e-mail address; clear errors otherwise."""
    ref = ref.strip()
    person_id = strict_int(ref, 1, 2**63 - 1)
    if person_id is not None:
        person = session.scalars(
            select(Person).where(Person.organization_id == org.id, Person.id == person_id)
        ).first()
    else:
        matches = list(
            session.scalars(
                select(Person).where(
                    Person.organization_id == org.id, Person.email.ilike(ref.replace("%", ""))
                )
            )
        )
        if len(matches) > 1:
            ids = ", ".join(str(p.id) for p in matches)
            raise InvalidInputError(
                f"{len(matches)} people of {org.slug!r} have the e-mail address {ref[:200]!r} "
                f"(one per learning platform): name one by id ({ids})."
            )
        person = matches[0] if matches else None
    if person is None:
        raise NotFoundError(
            f"Organisation {org.slug!r} has nobody with id or e-mail {ref[:200]!r}. People are "
            "known once they have launched the tool; list them with: lti-journeys org people --org "
            f"{org.slug}."
        )
    return person


def _grant(session: Session, org: Organization, person: Person, unit: Unit | None) -> Leader:
    unit_id = unit.id if unit else None
    existing = session.scalars(
        select(Leader).where(
            Leader.organization_id == org.id,
            Leader.person_id == person.id,
            Leader.unit_id.is_(None) if unit_id is None else Leader.unit_id == unit_id,
        )
    ).first()
    if existing is not None:
        if existing.source == GrantSource.ADMIN:
            where = f"unit {unit.name!r}" if unit else f"organisation {org.slug!r}"
            raise InvalidInputError(f"Person {person.id} already leads {where}.")
        # A launch found them first; the administrator's grant makes it lasting.
        existing.source = GrantSource.ADMIN
        existing.granted_by = "admin"
        leader = existing
    else:
        leader = Leader(
            organization_id=org.id,
            person_id=person.id,
            unit_id=unit_id,
            source=GrantSource.ADMIN,
            granted_by="admin",
        )
        session.add(leader)
    _audit(session, org.id, "leader.granted", person.id, unit_id, "admin")
    session.flush()
    return leader


def grant_organization_leader(session: Session, org: Organization, person: Person) -> Leader:
    """Name an organisation leader (audited); the caller commits."""
    return _grant(session, org, person, None)


def grant_unit_leader(session: Session, org: Organization, unit: Unit, person: Person) -> Leader:
    """Name a unit's leader (audited); the caller commits."""
    if unit.organization_id != org.id:
        raise NotFoundError(f"Unit {unit.id} belongs to another organisation.")
    return _grant(session, org, person, unit)


def revoke_leader(session: Session, org: Organization, person: Person, unit: Unit | None) -> None:
    """Remove a leader grant (audited); the caller commits."""
    unit_id = unit.id if unit else None
    leader = session.scalars(
        select(Leader).where(
            Leader.organization_id == org.id,
            Leader.person_id == person.id,
            Leader.unit_id.is_(None) if unit_id is None else Leader.unit_id == unit_id,
        )
    ).first()
    if leader is None:
        where = f"unit {unit.name!r}" if unit else f"organisation {org.slug!r}"
        raise NotFoundError(f"Person {person.id} does not lead {where}.")
    session.delete(leader)
    _audit(session, org.id, "leader.revoked", person.id, unit_id, "admin")
    session.flush()


def list_leaders(session: Session, org: Organization, unit: Unit | None = None) -> list[Leader]:
    """The organisation's leaders (with ``unit``: that unit's), organisation leaders first."""
    query = select(Leader).where(Leader.organization_id == org.id)
    if unit is not None:
        query = query.where(Leader.unit_id == unit.id)
    leaders = list(session.scalars(query))
    return sorted(leaders, key=lambda lead: (lead.unit_id is not None, lead.unit_id or 0, lead.id))


def _audit(
    session: Session, org_id: int, kind: str, person_id: int, unit_id: int | None, by: str
) -> None:
    scope = f"unit={unit_id}" if unit_id is not None else "organization"
    session.add(
        AuditEvent(
            organization_id=org_id,
            kind=kind,
            detail=f"person={person_id} {scope} by={by}",
        )
    )
