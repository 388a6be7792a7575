"""Leadership read from launches: a course Administrator leads the course's school unit, and a
Mentor follows the people of the launch's ``role_scope_mentor`` claim.

Both follow the platform: the grants are renewed on each launch and end when the platform no
longer says so. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.leadership.models import GrantSource, Leader, Mentorship
from lti_tool.lti.roles import LIS
from lti_tool.tenancy.models import AuditEvent, Context, Membership
from lti_tool.tenancy.provisioning import Provisioned

ROLE_SCOPE_MENTOR = "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor"
ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
# A platform names at most this many mentees in one launch; more are ignored (and logged as such).
MAX_MENTEES = 500
MAX_SUB = 255


def _has_context_role(roles: list[Any], name: str) -> bool:
    for role in roles:
        if not isinstance(role, str):
            continue
        if role == name or role.startswith(LIS + "membership"):
            rest = role[len(LIS + "membership") :].lstrip("/#") if role != name else name
            if rest.partition("#")[0] == name:
                return True
    return False


def is_unit_administrator(roles: list[Any]) -> bool:
    """Whether the launch's roles hold the course (membership) ``Administrator`` role."""
    return _has_context_role(roles, "Administrator")


def apply_launch_grants(session: Session, provisioned: Provisioned, claims: dict[str, Any]) -> None:
    """Renew or end the leadership this launch speaks for; the caller commits."""
    roles = claims.get(ROLES) or []
    roles = roles if isinstance(roles, list) else []
    context = provisioned.context
    if context is not None and context.unit_id is not None:
        _sync_unit_leader(session, provisioned, context, is_unit_administrator(roles))
    if _has_context_role(roles, "Mentor") or ROLE_SCOPE_MENTOR in claims:
        _sync_mentees(session, provisioned, claims.get(ROLE_SCOPE_MENTOR))


def _sync_unit_leader(
    session: Session, provisioned: Provisioned, context: Context, administrator: bool
) -> None:
    person = provisioned.person
    unit_id = context.unit_id
    leader = session.scalars(
        select(Leader).where(Leader.person_id == person.id, Leader.unit_id == unit_id)
    ).first()
    if administrator:
        if leader is None:
            session.add(
                Leader(
                    organization_id=person.organization_id,
                    person_id=person.id,
                    unit_id=unit_id,
                    source=GrantSource.LAUNCH,
                    granted_by="launch",
                )
            )
            _audit(session, person.organization_id, "leader.granted", person.id, unit_id)
        return
    if leader is None or leader.source != GrantSource.LAUNCH:
        return
    # Not an Administrator in this course: the grant stays while another course of the unit
    # still names them so (memberships hold each course's roles as of its latest launch).
    others = session.scalars(
        select(Membership.lti_roles)
        .join(Context, Context.id == Membership.context_id)
        .where(
            Membership.person_id == person.id,
            Context.unit_id == unit_id,
            Context.id != context.id,
        )
    )
    if any(is_unit_administrator(list(r or [])) for r in others):
        return
    session.delete(leader)
    _audit(session, person.organization_id, "leader.revoked", person.id, unit_id)


def _sync_mentees(session: Session, provisioned: Provisioned, claim: Any) -> None:
    person = provisioned.person
    named = claim if isinstance(claim, list) else []
    subs = {s for s in named if isinstance(s, str) and 0 < len(s) <= MAX_SUB}
    subs = set(sorted(subs)[:MAX_MENTEES])
    current = {
        m.mentee_sub: m
        for m in session.scalars(
            select(Mentorship).where(
                Mentorship.mentor_id == person.id,
                Mentorship.registration_id == person.registration_id,
            )
        )
    }
    now = utcnow()
    for sub in subs - current.keys():
        session.add(
            Mentorship(
                organization_id=person.organization_id,
                mentor_id=person.id,
                registration_id=person.registration_id,
                mentee_sub=sub,
                source=GrantSource.LAUNCH,
                confirmed_at=now,
            )
        )
    for sub in subs & current.keys():
        current[sub].confirmed_at = now
    ended = [m for sub, m in current.items() if sub not in subs and m.source == GrantSource.LAUNCH]
    for mentorship in ended:
        session.delete(mentorship)
    added = len(subs - current.keys())
    if added or ended:
        session.add(
            AuditEvent(
                organization_id=person.organization_id,
                kind="mentor.synced",
                detail=f"person={person.id} added={added} ended={len(ended)} by=launch",
            )
        )


def _audit(session: Session, org_id: int, kind: str, person_id: int, unit_id: int | None) -> None:
    session.add(
        AuditEvent(
            organization_id=org_id,
            kind=kind,
            detail=f"person={person_id} unit={unit_id} by=launch",
        )
    )
