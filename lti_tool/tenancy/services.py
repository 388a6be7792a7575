"""Organisation and unit administration."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.tenancy.models import AuditEvent, Organization, Unit, new_pseudonym_key
from lti_tool.validation import InvalidInputError, NotFoundError, check_slug, check_text


def add_organization(session: Session, slug: str, name: str) -> Organization:
    check_slug(slug, "Organisation slug")
    name = check_text(name, "Organisation name", 200)
    if session.scalars(select(Organization).where(Organization.slug == slug)).first():
        raise InvalidInputError(f"An organisation with slug {slug!r} already exists.")
    org = Organization(slug=slug, name=name)
    session.add(org)
    session.commit()
    return org


def get_organization(session: Session, slug: str) -> Organization:
    org = session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        known = ", ".join(session.scalars(select(Organization.slug).order_by(Organization.slug)))
        raise NotFoundError(
            f"No organisation with slug {slug!r}. Known: {known or 'none'} "
            "(add one with: lti-journeys org add --slug SLUG --name NAME)."
        )
    return org


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.slug)))


def add_unit(session: Session, org: Organization, name: str) -> Unit:
    name = check_text(name, "Unit name", 200)
    existing = session.scalars(
        select(Unit).where(Unit.organization_id == org.id, Unit.name == name)
    ).first()
    if existing:
        raise InvalidInputError(f"Organisation {org.slug!r} already has a unit named {name!r}.")
    unit = Unit(organization_id=org.id, name=name)
    session.add(unit)
    session.commit()
    return unit


def list_units(session: Session, org: Organization) -> list[Unit]:
    return list(
        session.scalars(select(Unit).where(Unit.organization_id == org.id).order_by(Unit.name))
    )


def set_xapi_privacy(
    session: Session,
    org: Organization,
    pseudonymise: bool | None = None,
    include_identity: bool | None = None,
) -> Organization:
    """How the organisation's people appear in xAPI statements."""
    if pseudonymise is not None:
        org.xapi_pseudonymise = pseudonymise
    if include_identity is not None:
        org.xapi_include_identity = include_identity
    if org.xapi_pseudonymise and org.xapi_include_identity:
        session.rollback()
        raise InvalidInputError(
            "An organisation cannot both pseudonymise people and include their names in "
            "statements; choose one (--no-pseudonymise or --no-include-identity)."
        )
    session.commit()
    return org


def rotate_pseudonym_key(session: Session, org: Organization) -> Organization:
    """Give the organisation a new random pseudonym key (its old pseudonyms stop matching)."""
    org.xapi_pseudonym_key = new_pseudonym_key()
    session.add(AuditEvent(organization_id=org.id, kind="xapi_pseudonym_key_rotated"))
    session.commit()
    return org
