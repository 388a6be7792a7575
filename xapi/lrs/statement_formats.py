"""The ``format`` parameter of GET /statements: ``exact``, ``ids`` and ``canonical``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xapi.lrs.models import Activity
from xapi.lrs.validation import CONTEXT_ACTIVITY_KEYS, IFI_KEYS

CHUNK = 500


# -- ids ------------------------------------------------------------------------------------------
def _agent_ids(actor: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "objectType" in actor:
        out["objectType"] = actor["objectType"]
    ifis = [k for k in IFI_KEYS if k in actor]
    for key in ifis:
        out[key] = actor[key]
    if not ifis and "member" in actor:
        out["member"] = [_agent_ids(m) for m in actor["member"]]
    return out


def _object_ids(target: dict[str, Any]) -> dict[str, Any]:
    object_type = target.get("objectType", "Activity")
    if object_type == "Activity":
        return {"id": target["id"]}
    if object_type in ("Agent", "Group"):
        return _agent_ids(target)
    if object_type == "SubStatement":
        return _statement_ids(target)
    return target


def _context_ids(context: dict[str, Any]) -> dict[str, Any]:
    out = dict(context)
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _agent_ids(out[key])
    if "contextActivities" in out:
        out["contextActivities"] = {
            k: [{"id": a["id"]} for a in v] for k, v in out["contextActivities"].items()
        }
    if "contextAgents" in out:
        out["contextAgents"] = [
            {**e, "agent": _agent_ids(e["agent"])} for e in out["contextAgents"]
        ]
    if "contextGroups" in out:
        out["contextGroups"] = [
            {**e, "group": _agent_ids(e["group"])} for e in out["contextGroups"]
        ]
    return out


def _statement_ids(statement: dict[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    out["actor"] = _agent_ids(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _object_ids(statement["object"])
    if "context" in out:
        out["context"] = _context_ids(out["context"])
    if "authority" in out:
        out["authority"] = _agent_ids(out["authority"])
    return out


def to_ids(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_statement_ids(s) for s in statements]


# -- canonical --------------------------------------------------------------------------------------
def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first (RFC 2616 14.4)."""
    if not header:
        return []
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranges)]


def choose_language(mapping: dict[str, str], ranges: list[str]) -> dict[str, str]:
    """One entry of a language map, the best match for the ranges (else the first entry)."""
    if len(mapping) <= 1:
        return mapping
    lowered = {k.lower(): k for k in mapping}
    for wanted in ranges:
        if wanted == "*":
            break
        if wanted in lowered:
            key = lowered[wanted]
            return {key: mapping[key]}
        for tag, key in lowered.items():
            if tag.startswith(wanted + "-"):
                return {key: mapping[key]}
    for fallback in ("und",):
        if fallback in lowered:
            key = lowered[fallback]
            return {key: mapping[key]}
    key = next(iter(mapping))
    return {key: mapping[key]}


def _filter_definition(definition: dict[str, Any], ranges: list[str]) -> dict[str, Any]:
    out = dict(definition)
    for key in ("name", "description"):
        if isinstance(out.get(key), dict):
            out[key] = choose_language(out[key], ranges)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(out.get(key), list):
            out[key] = [
                {**c, "description": choose_language(c["description"], ranges)}
                if isinstance(c.get("description"), dict)
                else c
                for c in out[key]
            ]
    return out


class _Canonicalizer:
    def __init__(self, definitions: dict[str, dict[str, Any] | None], ranges: list[str]) -> None:
        self.definitions = definitions
        self.ranges = ranges

    def activity(self, activity: dict[str, Any]) -> dict[str, Any]:
        out = dict(activity)
        definition = self.definitions.get(activity["id"]) or activity.get("definition")
        if definition:
            out["definition"] = _filter_definition(definition, self.ranges)
        return out

    def statement(self, statement: dict[str, Any]) -> dict[str, Any]:
        out = dict(statement)
        verb = statement["verb"]
        if isinstance(verb.get("display"), dict):
            out["verb"] = {**verb, "display": choose_language(verb["display"], self.ranges)}
        target = statement["object"]
        object_type = target.get("objectType", "Activity")
        if object_type == "Activity":
            out["object"] = self.activity(target)
        elif object_type == "SubStatement":
            out["object"] = self.statement(target)
        context = statement.get("context")
        if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
            out["context"] = {
                **context,
                "contextActivities": {
                    k: [self.activity(a) for a in v]
                    for k, v in context["contextActivities"].items()
                },
            }
        return out


def _activity_ids(statement: dict[str, Any]) -> Iterator[str]:
    target = statement.get("object") or {}
    object_type = target.get("objectType", "Activity")
    if object_type == "Activity":
        yield target["id"]
    elif object_type == "SubStatement":
        yield from _activity_ids(target)
    context = statement.get("context") or {}
    for key in CONTEXT_ACTIVITY_KEYS:
        for activity in (context.get("contextActivities") or {}).get(key) or ():
            yield activity["id"]


def to_canonical(
    session: Session, tenant: str, statements: list[dict[str, Any]], accept_language: str | None
) -> list[dict[str, Any]]:
    """Activities with the LRS's canonical definitions; one language per language map."""
    wanted = sorted({a for s in statements for a in _activity_ids(s)})
    definitions: dict[str, dict[str, Any] | None] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in session.execute(
            select(Activity.activity_id, Activity.definition).where(
                Activity.tenant == tenant, Activity.activity_id.in_(chunk)
            )
        ):
            definitions[row.activity_id] = row.definition
    canonicalizer = _Canonicalizer(definitions, parse_accept_language(accept_language))
    return [canonicalizer.statement(s) for s in statements]


def apply_format(
    session: Session,
    tenant: str,
    statements: list[dict[str, Any]],
    fmt: str,
    accept_language: str | None,
) -> list[dict[str, Any]]:
    if fmt == "ids":
        return to_ids(statements)
    if fmt == "canonical":
        return to_canonical(session, tenant, statements, accept_language)
    return statements
