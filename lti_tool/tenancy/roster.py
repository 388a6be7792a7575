"""Course rosters from the platform's Names and Role Provisioning Service (NRPS).

The roster lets instructors see every member of their course, also those who never opened the
tool. It is fetched on request and kept; platforms without NRPS show launched members only.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Registration
from lti_tool.lti.roles import map_roles
from lti_tool.lti.services import NRPS_SCOPE, AccessTokens, ServiceError, ServiceRegistration
from lti_tool.tenancy.models import Context, RosterMember

EXTENSION = "lti_journeys_access_tokens"


def access_tokens(app: Flask | None = None) -> AccessTokens:
    """The app's access-token cache (made on first use)."""
    extensions = (app or current_app).extensions
    tokens = extensions.get(EXTENSION)
    if not isinstance(tokens, AccessTokens):
        tokens = extensions[EXTENSION] = AccessTokens()
    return tokens


def refresh_roster(
    session: Session, context: Context, tokens: AccessTokens, key: SigningKey
) -> int:
    """Fetch the course's members from NRPS and keep them; returns how many active members."""
    if not context.nrps_url:
        raise ServiceError("The learning platform offers no roster service for this course.")
    registration = session.get(Registration, context.registration_id)
    if registration is None:  # pragma: no cover - foreign key
        raise ServiceError("The course's platform registration is gone.")
    service = ServiceRegistration.of(registration)
    members = tokens.fetch_members(context.nrps_url, tokens.get(service, (NRPS_SCOPE,), key))
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for member in members:
        sub = member.get("user_id")
        if not isinstance(sub, str) or not sub or member.get("status", "Active") != "Active":
            continue
        name = member.get("name") or " ".join(
            str(member[p]) for p in ("given_name", "family_name") if member.get(p)
        )
        found = member.get("roles")
        roles: list[Any] = found if isinstance(found, list) else []
        rows[sub[:255]] = {
            "name": str(name)[:255] or None,
            "email": str(member["email"])[:320] if member.get("email") else None,
            "tool_roles": [str(r) for r in map_roles(roles)],
        }
    existing = {
        m.sub: m
        for m in session.scalars(select(RosterMember).where(RosterMember.context_id == context.id))
    }
    for sub, values in rows.items():
        member_row = existing.get(sub)
        if member_row is None:
            session.add(
                RosterMember(
                    organization_id=context.organization_id,
                    context_id=context.id,
                    sub=sub,
                    fetched_at=now,
                    **values,
                )
            )
        else:
            member_row.name = values["name"] or member_row.name
            member_row.email = values["email"] or member_row.email
            member_row.tool_roles = values["tool_roles"]
            member_row.fetched_at = now
    gone = [sub for sub in existing if sub not in rows]
    if gone:
        session.execute(
            delete(RosterMember).where(
                RosterMember.context_id == context.id, RosterMember.sub.in_(gone)
            )
        )
    context.roster_fetched_at = now
    session.commit()
    return len(rows)
