"""Provisioning from a validated launch: person, context, unit, resource link and membership.

A returning learner's launch costs three statements in the request's transaction: an upsert of the
person, one SELECT of the context with its resource link, and an upsert of the membership. The
person and membership change on every launch (``last_launch_at``), so they are written with
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``; contexts, resource links and units are shared
by many people and rarely change, so they are only written (with the same kind of upsert) when
missing or changed, which keeps launches in one course from queueing on those rows' locks.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert

from lti_tool.db import Base, utcnow
from lti_tool.journeys.content import SLUG_PATTERN
from lti_tool.lti.adapter import DeploymentInfo, RegistrationInfo
from lti_tool.tenancy.models import Context, Membership, Person, ResourceLink, Unit

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MAX_TEXT = 500
MAX_DEPLOYMENT_ID = 255
MAX_JOURNEY_SLUG = 100
# Claims that name a row (or reach a person), by their path under the LTI claim prefix, and their
# columns' lengths: a launch whose value is longer is refused, never stored cut.
STORED_IDENTIFIERS = {"sub": 255, "email": 320, "context.id": 255, "resource_link.id": 255}
_JOURNEY_SLUG = re.compile(SLUG_PATTERN)
_SCHOOL_UNIT_CODE = re.compile(r"[0-9]{8}")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provisioned:
    person: Person
    context: Context | None
    resource_link: ResourceLink | None
    membership: Membership | None
    unit: Unit | None


def journey_slug(custom: dict[str, Any]) -> str | None:
    """The custom ``journey`` parameter if it is a journey's slug (text, at most 100 characters)."""
    slug = _text(custom.get("journey"), MAX_JOURNEY_SLUG + 1)
    return slug if slug is not None and _JOURNEY_SLUG.fullmatch(slug) else None


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] or None


# Per model: its natural key, the columns a launch always sets, and those it only sets to a value
# the platform sent (platforms send only what their privacy settings allow: keep what they sent
# before, never guess, never erase). A unit's no-op update makes RETURNING give the row another
# launch inserted at the same moment.
_UPSERTS: dict[type[Base], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    Person: (
        ("registration_id", "sub"),
        ("last_launch_at",),
        ("name", "given_name", "family_name", "email", "locale"),
    ),
    Context: (
        ("registration_id", "context_id"),
        ("updated_at",),
        (
            "title",
            "label",
            "unit_id",
            "nrps_url",
            "ags_lineitems_url",
            "ags_scopes",
            "groups_url",
            "group_sets_url",
        ),
    ),
    ResourceLink: (
        ("context_id", "resource_link_id"),
        ("updated_at",),
        ("title", "journey_slug", "lineitem_url"),
    ),
    Membership: (("person_id", "context_id"), ("tool_roles", "lti_roles", "last_launch_at"), ()),
    Unit: (("organization_id", "name"), ("name",), ()),
}
# The statements are built once and take their values as parameters; "orm" makes RETURNING give
# the model's objects, fresh in the session.
_ORM_UPSERT = {"dml_strategy": "orm", "populate_existing": True}
M = TypeVar("M", bound=Base)


@functools.cache
def _upsert_statement(dialect: str, model: type[Base]) -> ReturningInsert[Any]:
    """``INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING`` (PostgreSQL, SQLite >= 3.35)."""
    keys, overwrite, keep = _UPSERTS[model]
    table = cast(Table, model.__table__)
    if dialect == "postgresql":
        insert: postgresql.Insert | sqlite.Insert = postgresql.insert(model)
    elif dialect == "sqlite":
        insert = sqlite.insert(model)
    else:
        raise NotImplementedError(f"provisioning supports PostgreSQL and SQLite, not {dialect}")
    new = insert.excluded
    updates: dict[str, Any] = {name: new[name] for name in overwrite}
    updates.update({name: func.coalesce(new[name], table.c[name]) for name in keep})
    return insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys], set_=updates
    ).returning(model)


def _upsert(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """Insert the row or update it by its natural key, in one statement; the row as an object."""
    stmt = _upsert_statement(session.get_bind().dialect.name, model)
    return cast(M, session.scalars(stmt, values, execution_options=_ORM_UPSERT).one())


@functools.cache
def _context_with_link() -> Select[Context, ResourceLink]:
    return (
        select(Context, ResourceLink)
        .outerjoin(
            ResourceLink,
            and_(
                ResourceLink.context_id == Context.id,
                ResourceLink.resource_link_id == bindparam("link_id"),
            ),
        )
        .where(
            Context.registration_id == bindparam("registration_id"),
            Context.context_id == bindparam("context_id"),
        )
    )


def provision_launch(
    session: Session,
    registration: RegistrationInfo,
    deployment: DeploymentInfo,
    claims: dict[str, Any],
    tool_roles: list[str],
) -> Provisioned:
    """Create or update the rows a launch describes; the caller commits."""
    now = utcnow()
    org_id = registration.organization_id
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    locale = presentation.get("locale") if isinstance(presentation, dict) else None
    person = _upsert(
        session,
        Person,
        {
            "organization_id": org_id,
            "registration_id": registration.id,
            "sub": _text(claims.get("sub"), 255) or "",
            "name": _text(claims.get("name"), 255),
            "given_name": _text(claims.get("given_name"), 255),
            "family_name": _text(claims.get("family_name"), 255),
            "email": _text(claims.get("email"), 320),
            "locale": _text(locale, 35) or _text(claims.get("locale"), 35),
            "created_at": now,
            "last_launch_at": now,
        },
    )
    custom = claims.get(CLAIM + "custom") or {}
    if not isinstance(custom, dict):
        custom = {}
    unit = _unit_for(session, org_id, _text(custom.get("unit"), 200))
    if unit is not None and unit.school_unit_code is None and "unit_code" in custom:
        _learn_unit_code(session, unit, custom["unit_code"])

    context_claim = claims.get(CLAIM + "context") or {}
    link_claim = claims.get(CLAIM + "resource_link") or {}
    if not isinstance(link_claim, dict):
        link_claim = {}
    context: Context | None = None
    link: ResourceLink | None = None
    membership: Membership | None = None
    if isinstance(context_claim, dict) and _text(context_claim.get("id"), 255):
        context, link = _context_and_link(
            session,
            registration,
            deployment,
            context_claim,
            unit,
            link_claim,
            custom,
            _nrps_url(claims),
            _ags_endpoint(claims),
            _groups_endpoint(claims),
        )
        raw_roles = claims.get(CLAIM + "roles") or []
        membership = _upsert(
            session,
            Membership,
            {
                "organization_id": org_id,
                "person_id": person.id,
                "context_id": context.id,
                "tool_roles": list(tool_roles),
                "lti_roles": [r for r in raw_roles if isinstance(r, str)][:50],
                "last_launch_at": now,
            },
        )
    return Provisioned(
        person=person, context=context, resource_link=link, membership=membership, unit=unit
    )


def _unit_for(session: Session, org_id: int, name: str | None) -> Unit | None:
    if not name:
        return None
    unit = session.scalars(
        select(Unit).where(Unit.organization_id == org_id, Unit.name == name)
    ).first()
    if unit is not None:
        return unit
    return _upsert(session, Unit, {"organization_id": org_id, "name": name, "created_at": utcnow()})


def _learn_unit_code(session: Session, unit: Unit, value: Any) -> None:
    """Give a unit without a skolenhetskod the one the launch's custom ``unit_code`` names.

    Only a unit without a code takes one (an admin's code is never overwritten by a launch), and
    a code another unit of the organisation holds is left alone: the launch goes on either way.
    """
    code = value.strip() if isinstance(value, str) else None
    if not code:
        return
    if not _SCHOOL_UNIT_CODE.fullmatch(code):
        log.warning(
            "Launch custom parameter unit_code ignored for unit %s: %r is not 8 digits.",
            unit.id,
            code[:40],
        )
        return
    held = session.scalars(
        select(Unit.id).where(
            Unit.organization_id == unit.organization_id, Unit.school_unit_code == code
        )
    ).first()
    if held is not None:
        log.warning(
            "Launch custom parameter unit_code %s ignored for unit %s: unit %s holds it.",
            code,
            unit.id,
            held,
        )
        return
    try:
        # A savepoint: a launch of another unit storing the same code at the same moment
        # must not undo this launch's provisioning.
        with session.begin_nested():
            session.execute(
                update(Unit)
                .where(Unit.id == unit.id, Unit.school_unit_code.is_(None))
                .values(school_unit_code=code)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        log.warning("Launch custom parameter unit_code %s ignored: taken meanwhile.", code)
        return
    set_committed_value(unit, "school_unit_code", code)


NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def _nrps_url(claims: dict[str, Any]) -> str | None:
    service = claims.get(NRPS_CLAIM)
    url = service.get("context_memberships_url") if isinstance(service, dict) else None
    return _text(url, 1000) if isinstance(url, str) and url.startswith("http") else None


GROUPS_CLAIM = "https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice"


@dataclass(frozen=True)
class GroupsEndpoint:
    """The launch's Course Groups Service claim: the course's groups and group sets URLs."""

    groups: str
    group_sets: str | None


def _groups_endpoint(claims: dict[str, Any]) -> GroupsEndpoint | None:
    service = claims.get(GROUPS_CLAIM)
    if not isinstance(service, dict):
        return None
    groups = _url(service.get("context_groups_url"))
    if groups is None:
        return None
    return GroupsEndpoint(groups=groups, group_sets=_url(service.get("context_group_sets_url")))


AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@dataclass(frozen=True)
class AgsEndpoint:
    """The launch's Assignment and Grade Services claim: scopes, line items, the link's line item."""

    scopes: list[str]
    lineitems: str | None
    lineitem: str | None


def _url(value: Any) -> str | None:
    return _text(value, 1000) if isinstance(value, str) and value.startswith("http") else None


def _ags_endpoint(claims: dict[str, Any]) -> AgsEndpoint | None:
    service = claims.get(AGS_CLAIM)
    if not isinstance(service, dict):
        return None
    scopes = service.get("scope")
    return AgsEndpoint(
        scopes=sorted({s for s in scopes if isinstance(s, str)})[:10]
        if isinstance(scopes, list)
        else [],
        lineitems=_url(service.get("lineitems")),
        lineitem=_url(service.get("lineitem")),
    )


def _context_and_link(
    session: Session,
    registration: RegistrationInfo,
    deployment: DeploymentInfo,
    claim: dict[str, Any],
    unit: Unit | None,
    link_claim: dict[str, Any],
    custom: dict[str, Any],
    nrps_url: str | None = None,
    ags: AgsEndpoint | None = None,
    groups: GroupsEndpoint | None = None,
) -> tuple[Context, ResourceLink | None]:
    """The launch's context and resource link: read together, written only if missing or changed."""
    context_id = _text(claim.get("id"), 255) or ""
    title, label = _text(claim.get("title")), _text(claim.get("label"), 255)
    link_id = _text(link_claim.get("id"), 255)
    row = session.execute(
        _context_with_link(),
        {"registration_id": registration.id, "context_id": context_id, "link_id": link_id},
    ).first()
    context: Context | None = row[0] if row else None
    link: ResourceLink | None = row[1] if row else None
    if (
        context is None
        or (title and title != context.title)
        or (label and label != context.label)
        or (unit is not None and unit.id != context.unit_id)
        or (nrps_url and nrps_url != context.nrps_url)
        or (ags is not None and ags.lineitems and ags.lineitems != context.ags_lineitems_url)
        or (ags is not None and ags.scopes != context.ags_scopes)
        or (groups is not None and groups.groups != context.groups_url)
        or (groups is not None and groups.group_sets != context.group_sets_url)
    ):
        now = utcnow()
        context = _upsert(
            session,
            Context,
            {
                "organization_id": registration.organization_id,
                "registration_id": registration.id,
                "deployment_id": deployment.id,
                "context_id": context_id,
                "title": title,
                "label": label,
                "unit_id": unit.id if unit is not None else None,
                "nrps_url": nrps_url,
                "ags_lineitems_url": ags.lineitems if ags is not None else None,
                "ags_scopes": ags.scopes if ags is not None else None,
                "groups_url": groups.groups if groups is not None else None,
                "group_sets_url": groups.group_sets if groups is not None else None,
                "created_at": now,
                "updated_at": now,
            },
        )
    if not link_id:
        return context, None
    link_title = _text(link_claim.get("title"))
    journey = journey_slug(custom)
    lineitem = ags.lineitem if ags is not None else None
    if (
        link is None
        or (link_title and link_title != link.title)
        or (journey and journey != link.journey_slug)
        or (lineitem and lineitem != link.lineitem_url)
    ):
        now = utcnow()
        link = _upsert(
            session,
            ResourceLink,
            {
                "organization_id": context.organization_id,
                "context_id": context.id,
                "resource_link_id": link_id,
                "title": link_title,
                "journey_slug": journey,
                "lineitem_url": lineitem,
                "created_at": now,
                "updated_at": now,
            },
        )
    return context, link
