"""Agents as the LRS indexes them: one inverse functional identifier (IFI) as a string key."""

from __future__ import annotations

import json
import re
from typing import Any

from xapi.lrs.errors import BadRequestError

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")
# What a JSON escape (\u0000, \ud800) can put in a string that no identifier needs and the
# database cannot store: control characters other than whitespace, and lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


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
    if _has_unstorable(agent):
        raise BadRequestError(
            f"The {name!r} parameter contains a control character (such as U+0000) or a lone "
            "surrogate escape, which is not allowed; remove it."
        )
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


def _has_unstorable(value: Any) -> bool:
    """Whether any key or string in a JSON value holds a character the database cannot store."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
