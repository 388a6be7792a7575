"""Agents as the LRS indexes them: one inverse functional identifier (IFI) as a string key."""

from __future__ import annotations

import json
from typing import Any

from xapi.lrs.errors import BadRequestError

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def ifi_key(agent: dict[str, Any]) -> str | None:
    """A stable key for an agent's IFI (``mbox:mailto:a@b``, ``account:home|name``...)."""
    for prop in IFI_PROPERTIES:
        if prop in agent:
            value = agent[prop]
            if prop == "account":
                if not isinstance(value, dict):
                    return None
                return f"account:{value.get('homePage')}|{value.get('name')}"
            return f"{prop}:{value}"
    return None


def parse_agent_param(raw: str | None, name: str = "agent") -> dict[str, Any]:
    """An agent given as a JSON query parameter, checked to have exactly one IFI."""
    if raw is None:
        raise BadRequestError(f"The {name!r} parameter is required.")
    try:
        agent = json.loads(raw)
    except ValueError:
        raise BadRequestError(f"The {name!r} parameter is not valid JSON.") from None
    if not isinstance(agent, dict):
        raise BadRequestError(f"The {name!r} parameter must be a JSON object.")
    ifis = [p for p in IFI_PROPERTIES if p in agent]
    if len(ifis) != 1:
        raise BadRequestError(
            f"The {name!r} parameter must have exactly one inverse functional identifier "
            f"(mbox, mbox_sha1sum, openid or account); it has {len(ifis)}."
        )
    if agent.get("objectType", "Agent") not in ("Agent", "Group"):
        raise BadRequestError(f"The {name!r} parameter's objectType must be Agent or Group.")
    key = ifi_key(agent)
    if key is None:
        raise BadRequestError(f"The {name!r} parameter's account must be an object.")
    return agent
