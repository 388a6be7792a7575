"""Course rosters from the platform's Names and Role Provisioning Service (NRPS).

The roster lets instructors see every member of their course, also those who never opened the
tool. Pages never call the platform: they show what is kept and ``request_refresh`` queues a
fetch, which a worker (``roster_worker``) makes with a lease per course and back-off after
failures. Platforms without NRPS show launched members only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Registration
from lti_tool.lti.outbound import outbound_policy
from lti_tool.lti.roles import map_roles
from lti_tool.lti.services import NRPS_SCOPE, AccessTokens, ServiceError, ServiceRegistration
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, RosterMember
from lti_tool.tenancy.roster_events import RosterChange, RosterEvents
from lti_tool.tenancy.roster_models import RosterRefresh

EXTENSION = "lti_journeys_access_tokens"


def access_tokens(app: Flask | None = None) -> AccessTokens:
    """The app's access-token cache (made on first use)."""
    extensions = (app or current_app).extensions
    tokens = extensions.get(EXTENSION)
    if not isinstance(tokens, AccessTokens):
        tokens = extensions[EXTENSION] = AccessTokens(outbound_policy(app))
    return tokens


@dataclass(frozen=True)
class RosterStatus:
    """What a page says about a course's roster: kept since, queued, failed and retried when."""

    fetched_at: datetime | None
    queued: bool
    error_code: str | None
    next_attempt_at: datetime | None
    # The platform's reason, as kept by the worker (cut short, control characters removed).
    error: str | None = None


def request_refresh(session: Session, context: Context) -> None:
    """Queue a fetch of the course's roster (in the caller's transaction; no call goes out).

    A request while one is queued changes nothing, and a course in back-off after a failure
    keeps its next attempt time, so pressing the button again does not hammer the platform.
    """
    table = cast(Table, RosterRefresh.__table__)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    now = utcnow()
    session.execute(
        insert.values(
            context_id=context.id,
            organization_id=context.organization_id,
            requested_at=now,
            attempts=0,
            updated_at=now,
        ).on_conflict_do_update(
            index_elements=[table.c.context_id],
            set_={"requested_at": now, "updated_at": now},
            where=table.c.requested_at.is_(None),
        )
    )


def roster_status(session: Session, context: Context) -> RosterStatus:
    refresh = session.get(RosterRefresh, context.id)
    return RosterStatus(
        fetched_at=context.roster_fetched_at,
        queued=refresh is not None and refresh.requested_at is not None,
        error_code=refresh.error_code if refresh is not None else None,
        next_attempt_at=refresh.next_attempt_at if refresh is not None else None,
        error=refresh.error if refresh is not None else None,
    )


def refresh_roster(
    session: Session,
    context: Context,
    tokens: AccessTokens,
    key: SigningKey,
    deadline_seconds: float = 120.0,
    *,
    recording: Recording,
) -> int:
    """Fetch the course's members from NRPS and keep them; returns how many active members.

    Who joined and who left since the last refresh is recorded (``registered``, ``left``) in
    the same transaction as the roster.
    """
    if not context.nrps_url:
        raise ServiceError(
            "The learning platform offers no roster service for this course.", "no_service"
        )
    registration = session.get(Registration, context.registration_id)
    if registration is None:  # pragma: no cover - foreign key
        raise ServiceError("The course's platform registration is gone.", "no_service")
    service = ServiceRegistration.of(registration)
    members = tokens.fetch_members(
        context.nrps_url, tokens.get(service, (NRPS_SCOPE,), key), deadline_seconds
    )
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    # The LIS roles of every member listed, inactive ones too (for the statements).
    listed_roles: dict[str, list[str]] = {}
    for member in members:
        sub = member.get("user_id")
        if not isinstance(sub, str) or not sub:
            continue
        found = member.get("roles")
        roles: list[Any] = found if isinstance(found, list) else []
        listed_roles[sub[:255]] = [r for r in roles if isinstance(r, str)]
        if member.get("status", "Active") != "Active":
            continue
        name = member.get("name") or " ".join(
            str(member[p]) for p in ("given_name", "family_name") if member.get(p)
        )
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
    RosterEvents(session, recording, context, registration).record_changes(
        joined=[
            RosterChange(
                sub, values["name"], values["email"], values["tool_roles"], listed_roles[sub]
            )
            for sub, values in rows.items()
            if sub not in existing
        ],
        left=[
            RosterChange(
                sub,
                existing[sub].name,
                existing[sub].email,
                existing[sub].tool_roles,
                listed_roles.get(sub),
            )
            for sub in gone
        ],
    )
    if gone:
        session.execute(
            delete(RosterMember).where(
                RosterMember.context_id == context.id, RosterMember.sub.in_(gone)
            )
        )
    context.roster_fetched_at = now
    session.commit()
    return len(rows)
