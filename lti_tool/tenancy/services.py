"""Organisation and unit administration."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.privacy.suppression import MIN_GROUP_HIGHEST, MIN_GROUP_LOWEST
from lti_tool.tenancy.models import AuditEvent, Organization, Unit, new_pseudonym_key
from lti_tool.validation import (
    InvalidInputError,
    NotFoundError,
    check_slug,
    check_text,
    strict_int,
)


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


# ASCII digits only: str.isdigit() also accepts other scripts' digits.
SCHOOL_UNIT_CODE = re.compile(r"[0-9]{8}")


def check_school_unit_code(code: str) -> str:
    """A skolenhetskod: exactly 8 digits (surrounding spaces are dropped)."""
    value = code.strip()
    if not SCHOOL_UNIT_CODE.fullmatch(value):
        raise InvalidInputError(
            f"School unit code {code[:40]!r} is not valid: a skolenhetskod is exactly 8 digits "
            "(for example 12345678), as in Skolverket's register of school units."
        )
    return value


def _check_code_free(session: Session, org: Organization, code: str, unit_id: int | None) -> None:
    holder = session.scalars(
        select(Unit).where(Unit.organization_id == org.id, Unit.school_unit_code == code)
    ).first()
    if holder is not None and holder.id != unit_id:
        raise InvalidInputError(
            f"Unit {holder.name!r} (id {holder.id}) of {org.slug!r} already has the school "
            f"unit code {code}; clear it there first (lti-journeys unit set-code --clear)."
        )


def add_unit(session: Session, org: Organization, name: str, code: str | None = None) -> Unit:
    name = check_text(name, "Unit name", 200)
    if code is not None:
        code = check_school_unit_code(code)
    existing = session.scalars(
        select(Unit).where(Unit.organization_id == org.id, Unit.name == name)
    ).first()
    if existing:
        raise InvalidInputError(f"Organisation {org.slug!r} already has a unit named {name!r}.")
    if code is not None:
        _check_code_free(session, org, code, None)
    unit = Unit(organization_id=org.id, name=name, school_unit_code=code)
    session.add(unit)
    session.commit()
    return unit


def get_unit(session: Session, org: Organization, name_or_id: str) -> Unit:
    """The organisation's unit with this name, else with this id (a name may be all digits)."""
    unit = session.scalars(
        select(Unit).where(Unit.organization_id == org.id, Unit.name == name_or_id.strip())
    ).first()
    unit_id = strict_int(name_or_id, 1, 2**63 - 1)
    if unit is None and unit_id is not None:
        unit = session.scalars(
            select(Unit).where(Unit.organization_id == org.id, Unit.id == unit_id)
        ).first()
    if unit is None:
        raise NotFoundError(
            f"Organisation {org.slug!r} has no unit named or numbered {name_or_id[:200]!r} "
            f"(see: lti-journeys unit list --org {org.slug})."
        )
    return unit


def set_school_unit_code(session: Session, org: Organization, unit: Unit, code: str | None) -> Unit:
    """Set the unit's skolenhetskod, or clear it with ``None``."""
    if code is not None:
        code = check_school_unit_code(code)
        _check_code_free(session, org, code, unit.id)
    unit.school_unit_code = code
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


def check_privacy_min_group(min_group: int) -> int:
    """A valid smallest group for aggregate views (2..100 people), or InvalidInputError."""
    if (
        isinstance(min_group, bool)
        or not isinstance(min_group, int)
        or not MIN_GROUP_LOWEST <= min_group <= MIN_GROUP_HIGHEST
    ):
        raise InvalidInputError(
            f"The smallest group shown must be between {MIN_GROUP_LOWEST} and "
            f"{MIN_GROUP_HIGHEST} people (got {min_group})."
        )
    return min_group


def set_privacy_min_group(session: Session, org: Organization, min_group: int) -> Organization:
    """The smallest group the organisation's aggregate views may show (2..100 people)."""
    check_privacy_min_group(min_group)
    if org.privacy_min_group != min_group:
        session.add(
            AuditEvent(
                organization_id=org.id,
                kind="privacy_min_group_changed",
                detail=f"{org.privacy_min_group} -> {min_group}",
            )
        )
        org.privacy_min_group = min_group
    session.commit()
    return org


def rotate_pseudonym_key(session: Session, org: Organization) -> Organization:
    """Give the organisation a new random pseudonym key (its old pseudonyms stop matching)."""
    org.xapi_pseudonym_key = new_pseudonym_key()
    session.add(AuditEvent(organization_id=org.id, kind="xapi_pseudonym_key_rotated"))
    session.commit()
    return org
