"""Which sites may frame the tool: the origins of an organisation's learning platforms.

A page tied to a session sends ``frame-ancestors 'self'`` plus the origins of its organisation's
registrations: each registration's issuer and OIDC authorisation URL, the origins its validated
launches named (on Canvas the issuer is ``canvas.instructure.com`` while the course pages live on
``<school>.instructure.com``), and the origins an administrator added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.models import Registration, RegistrationOrigin
from lti_tool.validation import InvalidInputError, NotFoundError

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
ADMIN = "admin"
LAUNCH = "launch"
# A platform names a handful of hosts; the cap keeps a misbehaving one from growing the header.
MAX_LEARNED = 20
# Only what a browser sends as an origin: no paths, wildcards or characters that could end a
# CSP source list.
_ORIGIN = re.compile(r"^https?://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::[0-9]{1,5})?$")


class PlatformUrls(Protocol):
    """What is needed of a registration (its row, or the launch's cached copy)."""

    @property
    def id(self) -> int: ...

    @property
    def issuer(self) -> str: ...

    @property
    def auth_login_url(self) -> str: ...


def origin_of(url: object) -> str | None:
    """The origin (scheme://host[:port]) of an http(s) URL, or ``None`` for anything else."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port and port != default else "")
    return origin if _ORIGIN.match(origin) else None


def check_origin(value: str, require_https: bool = False) -> str:
    """An administrator's origin, normalised; refused with a message saying how to write it."""
    origin = origin_of(value)
    path = urlsplit(value.strip()).path if origin else ""
    if origin is None or path not in ("", "/") or "?" in value or "#" in value:
        raise InvalidInputError(
            f"Origin {value!r} is not valid: give the scheme and host of the learning platform's "
            "pages, and a port if it is not the default, for example "
            "https://skolan.instructure.com."
        )
    if require_https and not origin.startswith("https://"):
        raise InvalidInputError(f"Origin {origin!r} must use https in production.")
    return origin


def launch_origins(claims: Mapping[str, Any]) -> list[str]:
    """The origins a validated launch names for the platform's own pages."""
    presentation = claims.get(CLAIM + "launch_presentation") or {}
    platform = claims.get(CLAIM + "tool_platform") or {}
    deep_linking = claims.get(DEEP_LINKING_SETTINGS) or {}
    urls = [
        presentation.get("return_url") if isinstance(presentation, dict) else None,
        platform.get("url") if isinstance(platform, dict) else None,
        deep_linking.get("deep_link_return_url") if isinstance(deep_linking, dict) else None,
    ]
    return list(dict.fromkeys(o for o in map(origin_of, urls) if o))


def learn_from_launch(
    session: Session, registration: PlatformUrls, claims: Mapping[str, Any]
) -> None:
    """Remember the origins a validated launch names (the caller commits)."""
    candidates = set(launch_origins(claims)) - set(registration_origins(registration))
    if not candidates:
        return
    rows = session.execute(
        select(RegistrationOrigin.origin, RegistrationOrigin.source).where(
            RegistrationOrigin.registration_id == registration.id
        )
    ).all()
    known = {origin for origin, _ in rows}
    room = MAX_LEARNED - sum(1 for _, source in rows if source == LAUNCH)
    for origin in sorted(candidates - known)[: max(room, 0)]:
        session.add(
            RegistrationOrigin(registration_id=registration.id, origin=origin, source=LAUNCH)
        )


def add_origin(
    session: Session, registration: Registration, value: str, require_https: bool = False
) -> RegistrationOrigin:
    """Let the sites at ``value`` frame the tool for this registration."""
    origin = check_origin(value, require_https)
    row = _find(session, registration, origin)
    if row is not None:
        if row.source == ADMIN:
            raise InvalidInputError(
                f"Origin {origin} is already allowed for registration {registration.id}."
            )
        row.source = ADMIN
    else:
        row = RegistrationOrigin(registration_id=registration.id, origin=origin, source=ADMIN)
        session.add(row)
    session.commit()
    return row


def remove_origin(session: Session, registration: Registration, value: str) -> None:
    """Stop allowing an origin that was added or learned for this registration."""
    origin = origin_of(value) or value
    row = _find(session, registration, origin)
    if row is None:
        raise NotFoundError(
            f"Registration {registration.id} has no origin {origin} "
            "(see: lti-journeys platform origins list)."
        )
    session.delete(row)
    session.commit()


def list_origins(session: Session, registration: Registration) -> list[RegistrationOrigin]:
    return list(
        session.scalars(
            select(RegistrationOrigin)
            .where(RegistrationOrigin.registration_id == registration.id)
            .order_by(RegistrationOrigin.origin)
        )
    )


def organization_origins(session: Session, organization_id: int) -> list[str]:
    """Every origin allowed to frame pages of this organisation, sorted."""
    registrations = session.execute(
        select(Registration.id, Registration.issuer, Registration.auth_login_url).where(
            Registration.organization_id == organization_id
        )
    ).all()
    ids = [row.id for row in registrations]
    stored = session.scalars(
        select(RegistrationOrigin.origin).where(RegistrationOrigin.registration_id.in_(ids))
    )
    derived = (o for row in registrations for o in map(origin_of, row[1:]) if o)
    return sorted({*derived, *stored})


def registration_origins(registration: PlatformUrls) -> list[str]:
    """The origins a registration's own URLs name (issuer and OIDC authorisation URL)."""
    urls: Iterable[str] = (registration.issuer, registration.auth_login_url)
    return [o for o in map(origin_of, urls) if o]


def _find(session: Session, registration: Registration, origin: str) -> RegistrationOrigin | None:
    return session.scalars(
        select(RegistrationOrigin).where(
            RegistrationOrigin.registration_id == registration.id,
            RegistrationOrigin.origin == origin,
        )
    ).first()
