"""Importing a course's groups from the platform's LTI Course Groups Service (Canvas group sets).

The launch names the service (claim ``…/lti-gs/claim/groupsservice``); the tool reads the course's
groups (and group sets) with the ``contextgroup.readonly`` scope and who is in which group from
the Names and Roles roster, whose members list their ``group_enrollments``. A person is in one
group per course here, so one group set is imported at a time. A new import updates the groups
it made before (by the platform's group id) and their members.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.group_events import GroupEvents
from lti_tool.collegial.group_forming import course_people
from lti_tool.collegial.groups import GroupError, GroupFields, create_group, lock_group
from lti_tool.collegial.models import Group, GroupMember, GroupRole, GroupSource, scope_of
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Registration
from lti_tool.lti.outbound import HttpError
from lti_tool.lti.roles import is_staff, map_roles
from lti_tool.lti.services import (
    MAX_PAGE_BYTES,
    MAX_PAGES,
    NRPS_SCOPE,
    AccessTokens,
    ServiceError,
    ServiceRegistration,
    json_body,
    reason_of,
)
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, Organization, Person

GROUPS_SCOPE = "https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly"
GROUPS_MEDIA_TYPE = "application/vnd.ims.lti-gs.v1.contextgroupcontainer+json"
GROUP_SETS_MEDIA_TYPE = "application/vnd.ims.lti-gs.v1.contextgroupsetcontainer+json"
MAX_GROUPS = 1000


@dataclass(frozen=True)
class PlatformGroup:
    id: str
    name: str
    set_id: str | None


@dataclass(frozen=True)
class Listed:
    """A member of the course as the platform's roster lists them."""

    name: str | None
    email: str | None
    staff: bool


@dataclass(frozen=True)
class ImportResult:
    """What an import did, or the group sets to choose from when it needs a choice first."""

    created: int = 0
    updated: int = 0
    placed: int = 0
    removed: int = 0
    # People the platform lists in a group who are already in another group of the course.
    skipped: int = 0
    sets: list[tuple[str, str]] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        return bool(self.sets)


def offers_groups(context: Context) -> bool:
    """Whether the platform's launch named a Course Groups Service for the course."""
    return bool(context.groups_url and context.nrps_url)


def _pages(
    tokens: AccessTokens, url: str, token: str, media_type: str, item: str, ends: float
) -> list[dict[str, Any]]:
    """Every item of a paged container, bounded in pages, bytes and time."""
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    for _page in range(MAX_PAGES):
        if next_url is None:
            return found
        left = ends - time.monotonic()
        if left <= 0:
            raise ServiceError("The course's groups took too long to fetch.", "unreachable")
        try:
            response = tokens.policy.request(
                "GET",
                next_url,
                headers={"Authorization": f"Bearer {token}", "Accept": media_type},
                max_bytes=MAX_PAGE_BYTES,
                deadline_seconds=min(left, tokens.policy.limits.deadline_seconds),
            )
        except HttpError as exc:
            code = "too_large" if exc.kind == "too_large" else "unreachable"
            raise ServiceError("The course's groups could not be fetched.", code) from exc
        body = json_body(response)
        if response.status != 200 or not isinstance(body, dict):
            raise ServiceError(
                f"The platform refused the course's groups (HTTP {response.status}): "
                f"{reason_of(body)}",
                "refused",
                response.status,
            )
        page = body.get(item)
        if isinstance(page, list):
            found.extend(g for g in page if isinstance(g, dict))
        if len(found) > MAX_GROUPS:
            raise ServiceError(f"The course has more than {MAX_GROUPS} groups.", "too_large")
        next_url = response.next_link
    raise ServiceError(f"The course's groups have more than {MAX_PAGES} pages.", "too_large")


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, int | str) and not isinstance(value, bool):
        text = " ".join(str(value).split())[:limit]
        return text or None
    return None


def fetch_platform_groups(
    context: Context, registration: Registration, tokens: AccessTokens, key: SigningKey, ends: float
) -> tuple[list[PlatformGroup], dict[str, str]]:
    """The course's groups and its group sets' names, from the platform."""
    token = tokens.get(ServiceRegistration.of(registration), (GROUPS_SCOPE,), key)
    groups = []
    for raw in _pages(tokens, context.groups_url or "", token, GROUPS_MEDIA_TYPE, "groups", ends):
        group_id, name = _text(raw.get("id"), 255), _text(raw.get("name"), 200)
        if group_id and name:
            groups.append(PlatformGroup(group_id, name, _text(raw.get("set_id"), 255)))
    sets: dict[str, str] = {}
    if context.group_sets_url:
        for raw in _pages(
            tokens, context.group_sets_url, token, GROUP_SETS_MEDIA_TYPE, "sets", ends
        ):
            set_id, name = _text(raw.get("id"), 255), _text(raw.get("name"), 200)
            if set_id and name:
                sets[set_id] = name
    return groups, sets


def _enrollments(
    context: Context, registration: Registration, tokens: AccessTokens, key: SigningKey, ends: float
) -> tuple[dict[str, list[str]], dict[str, Listed]]:
    """Per platform group id the ``sub`` of its active members, and each member, from the
    roster."""
    token = tokens.get(ServiceRegistration.of(registration), (NRPS_SCOPE,), key)
    members = tokens.fetch_members(context.nrps_url or "", token, max(ends - time.monotonic(), 1.0))
    found: dict[str, list[str]] = {}
    listed: dict[str, Listed] = {}
    for member in members:
        sub = member.get("user_id")
        if not isinstance(sub, str) or not sub or member.get("status", "Active") != "Active":
            continue
        roles = member.get("roles")
        listed[sub[:255]] = Listed(
            _text(member.get("name"), 255),
            _text(member.get("email"), 320),
            is_staff(map_roles(roles if isinstance(roles, list) else [])),
        )
        enrollments = member.get("group_enrollments")
        for enrollment in enrollments if isinstance(enrollments, list) else []:
            group_id = (
                _text(enrollment.get("group_id"), 255) if isinstance(enrollment, dict) else None
            )
            if group_id:
                found.setdefault(group_id, []).append(sub[:255])
    return found, listed


def import_platform_groups(
    session: Session,
    context: Context,
    recording: Recording,
    tokens: AccessTokens,
    key: Callable[[Session], SigningKey],
    *,
    set_id: str | None = None,
    deadline_seconds: float = 30.0,
) -> ImportResult:
    """Import the groups of one of the platform's group sets (the only one, or ``set_id``)."""
    if not offers_groups(context):
        raise GroupError(
            "groups_service_missing",
            _("The learning platform offers no groups service for this course."),
        )
    registration = session.get_one(Registration, context.registration_id)
    ends = time.monotonic() + deadline_seconds
    signing = key(session)
    groups, sets = fetch_platform_groups(context, registration, tokens, signing, ends)
    set_ids = sorted({g.set_id or "" for g in groups})
    if set_id is None and len(set_ids) > 1:
        return ImportResult(
            sets=[(s, sets.get(s, s or _("Groups without a set"))) for s in set_ids]
        )
    if set_id is not None and set_id not in set_ids:
        raise GroupError("group_set_unknown", _("The platform has no such group set any more."))
    target = set_id if set_id is not None else (set_ids[0] if set_ids else "")
    chosen = [g for g in groups if (g.set_id or "") == target]
    enrolled, listed = _enrollments(context, registration, tokens, signing, ends)
    return _apply(session, context, recording, chosen, enrolled, listed)


def _listed_people(
    session: Session, context: Context, listed: dict[str, Listed], known: set[str]
) -> dict[str, Person]:
    """The people of the roster the course does not know yet: found, or added (as the roster
    worker would have), so the platform's groups are whole before everyone has launched."""
    wanted = [sub for sub in listed if sub not in known]
    found = (
        {
            p.sub: p
            for p in session.scalars(
                select(Person).where(
                    Person.registration_id == context.registration_id, Person.sub.in_(wanted)
                )
            )
        }
        if wanted
        else {}
    )
    for sub in wanted:
        if sub not in found:
            member = listed[sub]
            found[sub] = Person(
                organization_id=context.organization_id,
                registration_id=context.registration_id,
                sub=sub,
                name=member.name,
                email=member.email,
            )
            session.add(found[sub])
    session.flush()
    return found


def _apply(
    session: Session,
    context: Context,
    recording: Recording,
    chosen: list[PlatformGroup],
    enrolled: dict[str, list[str]],
    listed: dict[str, Listed],
) -> ImportResult:
    """Make or update the groups and their members in one transaction."""
    scope = scope_of(context.id, None)
    learners, staff = course_people(session, context)
    by_sub = {p.sub: p for p in learners}
    staff_subs = {p.sub for p in staff} | {sub for sub, m in listed.items() if m.staff}
    by_sub.update(_listed_people(session, context, listed, set(by_sub) | staff_subs))
    existing = {
        g.external_id: g
        for g in session.scalars(
            select(Group).where(
                Group.organization_id == context.organization_id,
                Group.scope == scope,
                Group.source == GroupSource.PLATFORM,
            )
        )
    }
    events = GroupEvents(session, recording, session.get_one(Organization, context.organization_id))
    created = updated = placed = removed = skipped = 0
    statements: list[dict[str, Any]] = []
    for platform_group in chosen:
        group = existing.get(platform_group.id)
        if group is None:
            group = create_group(
                session,
                GroupFields(platform_group.name),
                context=context,
                source=GroupSource.PLATFORM,
                external_id=platform_group.id,
                commit=False,
            )
            created += 1
        else:
            group = lock_group(session, group.id)
            group.name = platform_group.name[:200]
            updated += 1
        wanted = [
            by_sub[s]
            for s in dict.fromkeys(enrolled.get(platform_group.id, []))
            if s in by_sub and s not in staff_subs
        ]
        wanted_ids = {p.id for p in wanted}
        rows = {m.person_id: m for m in group.members if m.role == GroupRole.MEMBER}
        for person_id, row in rows.items():
            if person_id not in wanted_ids:
                session.delete(row)
                session.flush()
                events.forget(group)
                statements.append(events.left(group, row.person))
                removed += 1
        taken = set(
            session.scalars(
                select(GroupMember.person_id).where(
                    GroupMember.scope == scope,
                    GroupMember.role == GroupRole.MEMBER,
                    GroupMember.group_id != group.id,
                )
            )
        )
        added = []
        for person in wanted:
            if person.id in rows:
                continue
            if person.id in taken:
                skipped += 1
                continue
            session.add(GroupMember(group_id=group.id, person_id=person.id, scope=scope))
            added.append(person)
        session.flush()
        events.forget(group)
        statements += [events.joined(group, p) for p in added]
        placed += len(added)
    events.record(statements)
    session.commit()
    return ImportResult(created, updated, placed, removed, skipped)
