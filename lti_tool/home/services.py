"""Read services for the landing page; every query is scoped by the token's organisation."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import BindParameter, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, contains_eager

from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Context, Membership, Person, ResourceLink, Unit


@dataclass(frozen=True)
class LandingView:
    person: Person
    context: Context | None
    resource_link: ResourceLink | None
    member_count: int


@functools.cache
def _landing_statement() -> Select[Person, Context, ResourceLink, int]:
    """Person, context (its unit loaded along), resource link and member count in one query.

    Built once; a token without a context or link matches no row in those outer joins (``= NULL``
    is never true), so they come back as ``None``.
    """
    org: BindParameter[int] = bindparam("org")
    members = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.context_id == bindparam("context_id"), Membership.organization_id == org)
        .scalar_subquery()
    )
    return (
        select(Person, Context, ResourceLink, members)
        .select_from(Person)
        .outerjoin(
            Context, and_(Context.id == bindparam("context_id"), Context.organization_id == org)
        )
        .outerjoin(Unit, Unit.id == Context.unit_id)
        .outerjoin(
            ResourceLink,
            and_(ResourceLink.id == bindparam("link_id"), ResourceLink.organization_id == org),
        )
        .options(contains_eager(Context.unit))
        .where(Person.id == bindparam("person_id"), Person.organization_id == org)
    )


def load_landing(session: Session, identity: LaunchIdentity) -> LandingView:
    person, context, link, count = session.execute(
        _landing_statement(),
        {
            "org": identity.organization_id,
            "person_id": identity.person_id,
            "context_id": identity.context_id,
            "link_id": identity.resource_link_id,
        },
    ).one()
    return LandingView(
        person=person,
        context=context,
        resource_link=link,
        member_count=int(count) if context is not None else 0,
    )


def list_members(session: Session, identity: LaunchIdentity) -> list[Membership]:
    """Everyone who has launched the tool in the token's course, newest activity first."""
    if identity.context_id is None:
        return []
    stmt = (
        select(Membership)
        .join(Membership.person)
        .options(contains_eager(Membership.person))
        .where(
            Membership.context_id == identity.context_id,
            Membership.organization_id == identity.organization_id,
        )
        .order_by(Membership.last_launch_at.desc())
    )
    return list(session.scalars(stmt))
