"""Read services for the landing page; every query is scoped by the token's organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Context, Membership, Person, ResourceLink


@dataclass(frozen=True)
class LandingView:
    person: Person
    context: Context | None
    resource_link: ResourceLink | None
    member_count: int


def load_landing(session: Session, identity: LaunchIdentity) -> LandingView:
    org = identity.organization_id
    person = session.scalars(
        select(Person).where(Person.id == identity.person_id, Person.organization_id == org)
    ).one()
    context = (
        session.scalars(
            select(Context).where(Context.id == identity.context_id, Context.organization_id == org)
        ).first()
        if identity.context_id
        else None
    )
    link = (
        session.scalars(
            select(ResourceLink).where(
                ResourceLink.id == identity.resource_link_id, ResourceLink.organization_id == org
            )
        ).first()
        if identity.resource_link_id
        else None
    )
    count = len(list_members(session, identity)) if context else 0
    return LandingView(person=person, context=context, resource_link=link, member_count=count)


def list_members(session: Session, identity: LaunchIdentity) -> list[Membership]:
    """Everyone who has launched the tool in the token's course, newest activity first."""
    if identity.context_id is None:
        return []
    stmt = (
        select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.context_id == identity.context_id,
            Membership.organization_id == identity.organization_id,
        )
        .order_by(Membership.last_launch_at.desc())
    )
    return list(session.scalars(stmt))
