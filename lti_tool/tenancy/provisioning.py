"""Provisioning from a validated launch: person, context, unit, resource link and membership."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.lti.models import Deployment, Registration
from lti_tool.tenancy.models import Context, Membership, Person, ResourceLink, Unit

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MAX_TEXT = 500


@dataclass(frozen=True)
class Provisioned:
    person: Person
    context: Context | None
    resource_link: ResourceLink | None
    membership: Membership | None
    unit: Unit | None


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


def provision_launch(
    session: Session,
    registration: Registration,
    deployment: Deployment,
    claims: dict[str, Any],
    tool_roles: list[str],
) -> Provisioned:
    """Create or update the rows a launch describes; the caller commits."""
    org_id = registration.organization_id
    now = utcnow()
    person = _upsert_person(session, registration, claims)
    person.last_launch_at = now
    custom = claims.get(CLAIM + "custom") or {}
    unit = (
        _unit_for(session, org_id, _text(custom.get("unit"), 200))
        if isinstance(custom, dict)
        else None
    )

    context_claim = claims.get(CLAIM + "context") or {}
    context: Context | None = None
    membership: Membership | None = None
    if isinstance(context_claim, dict) and _text(context_claim.get("id"), 255):
        context = _upsert_context(session, registration, deployment, context_claim, unit)
        membership = session.scalars(
            select(Membership).where(
                Membership.person_id == person.id, Membership.context_id == context.id
            )
        ).first()
        if membership is None:
            membership = Membership(
                organization_id=org_id, person_id=person.id, context_id=context.id
            )
            session.add(membership)
        membership.tool_roles = list(tool_roles)
        raw_roles = claims.get(CLAIM + "roles") or []
        membership.lti_roles = [r for r in raw_roles if isinstance(r, str)][:50]
        membership.last_launch_at = now

    link: ResourceLink | None = None
    link_claim = claims.get(CLAIM + "resource_link") or {}
    if context is not None and isinstance(link_claim, dict) and _text(link_claim.get("id"), 255):
        link = _upsert_link(
            session, context, link_claim, custom if isinstance(custom, dict) else {}
        )
    session.flush()
    return Provisioned(
        person=person, context=context, resource_link=link, membership=membership, unit=unit
    )


def _upsert_person(session: Session, registration: Registration, claims: dict[str, Any]) -> Person:
    sub = _text(claims.get("sub"), 255) or ""
    person = session.scalars(
        select(Person).where(Person.registration_id == registration.id, Person.sub == sub)
    ).first()
    if person is None:
        person = Person(
            organization_id=registration.organization_id, registration_id=registration.id, sub=sub
        )
        session.add(person)
    # Platforms send only what their privacy settings allow; keep what they send, never guess.
    person.name = _text(claims.get("name"), 255) or person.name
    person.given_name = _text(claims.get("given_name"), 255) or person.given_name
    person.family_name = _text(claims.get("family_name"), 255) or person.family_name
    person.email = _text(claims.get("email"), 320) or person.email
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    locale = presentation.get("locale") if isinstance(presentation, dict) else None
    person.locale = _text(locale, 35) or _text(claims.get("locale"), 35) or person.locale
    session.flush()
    return person


def _unit_for(session: Session, org_id: int, name: str | None) -> Unit | None:
    if not name:
        return None
    unit = session.scalars(
        select(Unit).where(Unit.organization_id == org_id, Unit.name == name)
    ).first()
    if unit is None:
        unit = Unit(organization_id=org_id, name=name)
        session.add(unit)
        session.flush()
    return unit


def _upsert_context(
    session: Session,
    registration: Registration,
    deployment: Deployment,
    claim: dict[str, Any],
    unit: Unit | None,
) -> Context:
    context_id = _text(claim.get("id"), 255) or ""
    context = session.scalars(
        select(Context).where(
            Context.registration_id == registration.id, Context.context_id == context_id
        )
    ).first()
    if context is None:
        context = Context(
            organization_id=registration.organization_id,
            registration_id=registration.id,
            deployment_id=deployment.id,
            context_id=context_id,
        )
        session.add(context)
    context.title = _text(claim.get("title")) or context.title
    context.label = _text(claim.get("label"), 255) or context.label
    if unit is not None:
        context.unit = unit
    session.flush()
    return context


def _upsert_link(
    session: Session, context: Context, claim: dict[str, Any], custom: dict[str, Any]
) -> ResourceLink:
    link_id = _text(claim.get("id"), 255) or ""
    link = session.scalars(
        select(ResourceLink).where(
            ResourceLink.context_id == context.id, ResourceLink.resource_link_id == link_id
        )
    ).first()
    if link is None:
        link = ResourceLink(
            organization_id=context.organization_id, context_id=context.id, resource_link_id=link_id
        )
        session.add(link)
    link.title = _text(claim.get("title")) or link.title
    journey = _text(custom.get("journey"), 100)
    if journey:
        link.journey_slug = journey
    return link
