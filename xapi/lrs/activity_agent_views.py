"""The Activities resource (GET /activities) and the Agents resource (GET /agents)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response
from sqlalchemy import select

from xapi.lrs.agents import IFI_PROPERTIES, ifi_key
from xapi.lrs.context import LrsContext, route
from xapi.lrs.document_views import activity_param, agent_param, check_params
from xapi.lrs.models import Activity, Statement, StatementAgent

# Scopes that may read activity definitions and what the LRS knows about agents ("all" always).
READ_SCOPES = ("all/read", "statements/read", "define")
# Statements looked at for the names an agent is known by (the most recent first).
PERSON_STATEMENTS = 50


def _json(body: object) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=200,
        mimetype="application/json",
    )


@route("activities", "GET")
def get_activity(ctx: LrsContext) -> Response:
    ctx.principal.require(*READ_SCOPES)
    params = ctx.request.params
    check_params(params, ("activityId",), ("activityId",), "GET activities")
    activity_id = activity_param(params)
    definition = ctx.session.scalars(
        select(Activity.definition).where(
            Activity.tenant == ctx.principal.tenant, Activity.activity_id == activity_id
        )
    ).first()
    body: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        body["definition"] = definition
    return _json(body)


def _agents_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every agent-like object of a statement (extensions are not looked into)."""
    if isinstance(value, dict):
        if value.get("objectType", "Agent") in ("Agent", "Group") and any(
            p in value for p in IFI_PROPERTIES
        ):
            yield value
        for key, child in value.items():
            if key != "extensions":
                yield from _agents_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from _agents_in(child)


def _known_names(ctx: LrsContext, key: str) -> list[str]:
    """Names the agent goes by in the tenant's most recent statements about it."""
    rows = ctx.session.scalars(
        select(Statement.full)
        .join(StatementAgent, StatementAgent.seq == Statement.seq)
        .where(StatementAgent.tenant == ctx.principal.tenant, StatementAgent.ifi == key)
        .order_by(Statement.seq.desc())
        .limit(PERSON_STATEMENTS)
    )
    names: list[str] = []
    for full in rows:
        for agent in _agents_in(full):
            name = agent.get("name")
            if isinstance(name, str) and name and name not in names and ifi_key(agent) == key:
                names.append(name)
    return names


@route("agents", "GET")
def get_person(ctx: LrsContext) -> Response:
    ctx.principal.require(*READ_SCOPES)
    params = ctx.request.params
    check_params(params, ("agent",), ("agent",), "GET agents")
    agent, key = agent_param(params, ctx.version, group_allowed=False)
    names: list[str] = []
    if isinstance(agent.get("name"), str) and agent["name"]:
        names.append(agent["name"])
    names += [n for n in _known_names(ctx, key) if n not in names]
    person: dict[str, Any] = {"objectType": "Person"}
    if names:
        person["name"] = names
    for prop in IFI_PROPERTIES:
        if prop in agent:
            person[prop] = [agent[prop]]
    return _json(person)
