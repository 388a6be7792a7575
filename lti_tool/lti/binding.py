"""Binding a launch to the browser that started its login, with or without cookies.

The state and nonce live server-side, so any process can finish a login. What must also hold is
that the id_token comes back in the *same browser* that started the login (otherwise an attacker
could post their own launch into someone else's browser: login CSRF). The tool proves it in the
first of these ways that the browser allows:

1. **A login cookie** named after the state, set when the login starts. Where the tool is served
   from a secure context it is ``Secure; SameSite=None; Partitioned`` (CHIPS), so browsers that
   block third-party cookies still keep it for the LMS page that frames the tool.
2. **LTI Platform Storage** (Client Side postMessages): when the login carries
   ``lti_storage_target``, the login page stores the state in the platform's frame with
   ``lti.put_data``; a launch that arrives without the cookie is held server-side, and a page in
   the frame reads the state back with ``lti.get_data`` (answer checked for its ``message_id``
   and for the origin of the platform's OIDC authorisation URL) and hands it to the tool, which
   compares it with the held launch before finishing it. The nonce never leaves the server.
3. **A new window**: when neither works, the frame shows a page that opens the tool in a window
   of its own, where the login starts again as a first-party page and its cookie is kept.

Whichever way is taken, the id_token, its state and nonce and the deployment are validated first:
a launch the tool would refuse gets its 4xx page at once, never the platform-storage page or the
new-window offer, and a held launch is the validated one (its state already taken, so it cannot be
replayed, and finishing it validates nothing twice).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Request, Response

from lti_tool.lti.launches import ValidatedLaunch
from lti_tool.lti.state_store import StateStore

COOKIE_PREFIX = "ltij_login_"
PENDING_PREFIX = "launch-pending:"
RELAUNCH_PREFIX = "relaunch:"
# A held launch waits for its page to read the platform's storage; a new-window link for a click.
PENDING_TTL_SECONDS = 120
RELAUNCH_TTL_SECONDS = 600
# "_parent", or the name of a frame of the platform's page (lti_storage_target).
STORAGE_TARGET = re.compile(r"^(?:_parent|[A-Za-z0-9_.-]{1,64})$")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def cookie_name(state: str) -> str:
    return COOKIE_PREFIX + _digest(state)[:20]


def storage_key(state: str) -> str:
    """The key the state is kept under in the platform's storage."""
    return "lti-journeys-state-" + _digest(state)[:24]


def secure_context(base_url: str) -> bool:
    """Whether browsers accept ``Secure`` cookies from the tool: https, or a loopback host."""
    parts = urlsplit(base_url)
    return parts.scheme == "https" or (parts.hostname or "") in LOOPBACK


def set_login_cookie(response: Response, state: str, base_url: str, ttl_seconds: int) -> None:
    secure = secure_context(base_url)
    response.set_cookie(
        cookie_name(state),
        "1",
        max_age=ttl_seconds,
        path="/lti/",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        partitioned=secure,
    )


def clear_login_cookie(response: Response, state: str, base_url: str) -> None:
    secure = secure_context(base_url)
    response.delete_cookie(
        cookie_name(state),
        path="/lti/",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        partitioned=secure,
    )


def has_login_cookie(request: Request, state: str) -> bool:
    return request.cookies.get(cookie_name(state)) == "1"


def valid_storage_target(value: str | None) -> str | None:
    return value if value and STORAGE_TARGET.match(value) else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class HeldLaunch:
    """A validated launch waiting for its page to prove the browser, with the state to compare."""

    state: str
    launch: ValidatedLaunch


def hold_launch(store: StateStore, state: str, launch: ValidatedLaunch) -> str:
    """Keep a validated launch until its page proves the browser; returns the single-use ticket.

    The launch was validated (its state and nonce taken) before it is held, so only a launch the
    tool would accept waits here, and finishing it later validates nothing twice.
    """
    ticket = secrets.token_urlsafe(24)
    store.put(
        PENDING_PREFIX + ticket, {"state": state, "launch": launch.as_dict()}, PENDING_TTL_SECONDS
    )
    return ticket


def take_launch(store: StateStore, ticket: str) -> HeldLaunch | None:
    held = store.take(PENDING_PREFIX + ticket) if ticket else None
    if not isinstance(held, dict) or not isinstance(held.get("launch"), dict):
        return None
    return HeldLaunch(
        state=str(held.get("state") or ""), launch=ValidatedLaunch.of_dict(held["launch"])
    )


def relaunch_ticket(store: StateStore, login: dict[str, Any]) -> str | None:
    """A single-use ticket that starts the same login again in a new window."""
    params = login.get("login")
    if not isinstance(params, dict) or not params.get("iss") or not params.get("login_hint"):
        return None
    ticket = secrets.token_urlsafe(24)
    stored = {
        **{k: v for k, v in params.items() if isinstance(v, str)},
        "target_link_uri": login.get("target_link_uri"),
        "lti_deployment_id": login.get("deployment_id"),
        "registration_id": login.get("registration_id"),
    }
    store.put(RELAUNCH_PREFIX + ticket, stored, RELAUNCH_TTL_SECONDS)
    return ticket


def take_relaunch(store: StateStore, ticket: str) -> dict[str, Any] | None:
    found = store.take(RELAUNCH_PREFIX + ticket) if ticket else None
    return found if isinstance(found, dict) else None
