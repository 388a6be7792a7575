"""Reading statements: one by id, and GET /statements queries with stable ``more`` paging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    exists,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from xapi.db import UTCDateTime
from xapi.lrs.models import ACTIVITIES, AGENTS, ATTACHMENTS, STATEMENTS
from xapi.lrs.sql import chunks, in_values, is_postgresql, loads
from xapi.lrs.statement_params import StatementQuery

# How many StatementRef hops the filter conditions for StatementRefs follow.
MAX_REF_DEPTH = 3


def load_attachments(
    session: Session, tenant: str, hashes: Iterable[str]
) -> dict[str, tuple[str, bytes]]:
    wanted = sorted(set(hashes))
    found: dict[str, tuple[str, bytes]] = {}
    for chunk in chunks(session, wanted):
        for row in session.execute(
            select(ATTACHMENTS.c.sha2, ATTACHMENTS.c.content_type, ATTACHMENTS.c.content).where(
                ATTACHMENTS.c.tenant == tenant, in_values(session, ATTACHMENTS.c.sha2, chunk)
            )
        ):
            found[row.sha2] = (row.content_type, bytes(row.content))
    return found


# -- reading ------------------------------------------------------------------------------------
@dataclass
class SingleStatement:
    statement: dict[str, Any]
    stored: datetime


def get_statement(
    session: Session,
    tenant: str,
    statement_id: str,
    *,
    voided: bool,
    credential_id: int | None = None,
) -> SingleStatement | None:
    """The statement by id; voided statements only when ``voided`` (voidedStatementId)."""
    conditions: list[ColumnElement[bool]] = [
        STATEMENTS.c.tenant == tenant,
        STATEMENTS.c.statement_id == statement_id.lower(),
        STATEMENTS.c.voided.is_(voided),
    ]
    if credential_id is not None:
        conditions.append(STATEMENTS.c.credential_id == credential_id)
    row = session.execute(select(STATEMENTS.c.full, STATEMENTS.c.stored).where(*conditions)).first()
    if row is None:
        return None
    return SingleStatement(row.full, row.stored)


@dataclass
class QueryResult:
    # The statements as stored, JSON text: responses in the exact format use them as they are.
    documents: list[str]
    stored: list[datetime]
    last_seq: int | None
    has_more: bool

    @cached_property
    def statements(self) -> list[dict[str, Any]]:
        return [loads(document) for document in self.documents]


@dataclass(frozen=True)
class _Shape:
    """What a list query's SQL depends on (its values travel as bound parameters)."""

    postgresql: bool
    agent: bool
    related_agents: bool
    activity: bool
    related_activities: bool
    verb: bool
    registration: bool
    since: bool
    until: bool
    after: bool
    mine: bool
    ascending: bool

    @property
    def has_filters(self) -> bool:
        return self.agent or self.activity or self.verb or self.registration


def _filter_conditions(
    shape: _Shape, table: Any, *, driven: str | None = None
) -> list[ColumnElement[bool]]:
    """The non-time filters (agent, verb, activity, registration) on ``table``.

    ``driven`` names the filter ("agent" or "activity") that the query applies by reading its
    index rows (see ``_driven``); it is left out here.
    """
    conditions: list[ColumnElement[bool]] = []
    if shape.verb:
        conditions.append(table.c.verb_id == bindparam("verb"))
    if shape.registration:
        conditions.append(table.c.registration == bindparam("registration"))
    if shape.agent and driven != "agent":
        conditions.append(_indexed(table, AGENTS, "ifi", "agent", shape.related_agents))
    if shape.activity and driven != "activity":
        conditions.append(
            _indexed(table, ACTIVITIES, "activity_id", "activity", shape.related_activities)
        )
    return conditions


def _indexed(table: Any, index: Any, column: str, param: str, related: bool) -> ColumnElement[bool]:
    """The statement has an index row whose ``column`` is the parameter ``param`` (in its
    actor/object only, unless ``related``)."""
    rows = index.alias()
    conditions = [
        rows.c.seq == table.c.seq,
        rows.c.tenant == bindparam("tenant"),
        rows.c[column] == bindparam(param),
    ]
    if not related:
        conditions.append(rows.c.related.is_(False))
    return exists().where(*conditions)


def _seq_bound(shape: _Shape, column: Any) -> ColumnElement[bool]:
    return column > bindparam("after") if shape.ascending else column < bindparam("after")  # type: ignore[no-any-return]


def _base(shape: _Shape, table: Any) -> list[ColumnElement[bool]]:
    """Tenant, not voided, since/until, after the previous page, the reader's own."""
    conditions: list[ColumnElement[bool]] = [
        table.c.tenant == bindparam("tenant"),
        table.c.voided.is_(False),
    ]
    if shape.since:
        conditions.append(table.c.stored > bindparam("since", type_=UTCDateTime()))
    if shape.until:
        conditions.append(table.c.stored <= bindparam("until", type_=UTCDateTime()))
    if shape.after:
        conditions.append(_seq_bound(shape, table.c.seq))
    if shape.mine:
        conditions.append(table.c.credential_id == bindparam("credential_id"))
    return conditions


def _ordered(shape: _Shape, stmt: Select[Any], column: Any) -> Select[Any]:
    return stmt.order_by(column.asc() if shape.ascending else column.desc()).limit(
        bindparam("limit", type_=Integer())
    )


def _driven(shape: _Shape, s: Any) -> Select[Any]:
    """Statements matching the filters, in ``seq`` order, at most ``limit``.

    The lookup indexes of agents and activities are ordered by (tenant, id, related, seq), so
    a filter on one ``related`` value reads a range already in ``seq`` order, and the planner
    stops at the limit. With ``related_agents`` (or ``related_activities``) both values match:
    the query then reads the two ranges in ``seq`` order, each up to the limit, and merges them
    (they never overlap: there is one row per statement and agent or activity), instead of
    reading every row of the agent or activity and sorting them.
    """
    if shape.agent and shape.related_agents:
        index, key, param, name = AGENTS, "ifi", "agent", "agent"
    elif shape.activity and shape.related_activities:
        index, key, param, name = ACTIVITIES, "activity_id", "activity", "activity"
    else:
        direct = select(s.c.seq).where(*_base(shape, s), *_filter_conditions(shape, s))
        return _ordered(shape, direct, s.c.seq)
    branches = []
    for related in (False, True):
        rows = index.alias()
        conditions = [
            rows.c.tenant == bindparam("tenant"),
            rows.c[key] == bindparam(param),
            rows.c.related.is_(related),
            *_base(shape, s),
            *_filter_conditions(shape, s, driven=name),
        ]
        if shape.after:
            # On the index rows too: the bound is then part of the index range.
            conditions.append(_seq_bound(shape, rows.c.seq))
        branch = (
            select(rows.c.seq.label("seq"))
            .select_from(rows.join(s, s.c.seq == rows.c.seq))
            .where(*conditions)
        )
        branches.append(_ordered(shape, branch, rows.c.seq).subquery())
    merged = union_all(*(select(b.c.seq) for b in branches)).subquery()
    return _ordered(shape, select(merged.c.seq), merged.c.seq)


_CUSTOM_PLANS = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


@lru_cache(maxsize=512)
def _list_query(shape: _Shape) -> Select[Any]:
    """The SELECT of a list query of this shape, built once (building one is not cheap)."""
    s = STATEMENTS
    if shape.postgresql:
        document: Any = cast(s.c.full, Text)
    else:
        document = type_coerce(s.c.full, Text)
    document = document.label("document")
    if not shape.has_filters:
        return _ordered(
            shape, select(s.c.seq, document, s.c.stored).where(*_base(shape, s)), s.c.seq
        )
    # Filter Conditions for StatementRefs: a statement whose object refers to a matching
    # statement (voided or not, following up to MAX_REF_DEPTH references) matches too.
    # Referrers are few and have their own partial index, so they drive this part.
    referrer = STATEMENTS.alias()
    referrer_ref = referrer.c.object_statement_id
    chains = []
    for depth in range(1, MAX_REF_DEPTH + 1):
        hops = [STATEMENTS.alias() for _ in range(depth)]
        conditions: list[ColumnElement[bool]] = [*_filter_conditions(shape, hops[-1])]
        previous = referrer_ref
        for hop in hops:
            conditions += [hop.c.tenant == bindparam("tenant"), hop.c.statement_id == previous]
            previous = hop.c.object_statement_id
        for hop in hops[:-1]:
            conditions.append(hop.c.object_statement_id.is_not(None))
        # OFFSET 0 keeps each chain a subplan run per referrer (referrers are few) rather than
        # joins pulled up into the main query, whose planning would then cost more than running
        # it (tens of milliseconds).
        chains.append(exists(select(literal(1)).where(*conditions).offset(literal(0))))
    referring = select(referrer.c.seq).where(
        *_base(shape, referrer), referrer_ref.is_not(None), or_(*chains)
    )
    parts = [_driven(shape, s), _ordered(shape, referring, referrer.c.seq)]
    wrapped = [select(p.subquery().c.seq) for p in parts]
    matched = union(*wrapped).subquery()
    return _ordered(
        shape,
        select(s.c.seq, document, s.c.stored).join(matched, matched.c.seq == s.c.seq),
        s.c.seq,
    )


def query_statements(
    session: Session,
    tenant: str,
    query: StatementQuery,
    *,
    page_size: int,
    credential_id: int | None = None,
) -> QueryResult:
    """One page of statements, newest first (or oldest first with ``ascending``), by ``seq``."""
    limit = page_size if query.limit == 0 else min(query.limit, page_size)
    postgresql = is_postgresql(session)
    shape = _Shape(
        postgresql=postgresql,
        agent=query.agent_ifi is not None,
        related_agents=query.related_agents,
        activity=query.activity is not None,
        related_activities=query.related_activities,
        verb=query.verb is not None,
        registration=query.registration is not None,
        since=query.since is not None,
        until=query.until is not None,
        after=query.after_seq is not None,
        mine=credential_id is not None,
        ascending=query.ascending,
    )
    values: dict[str, Any] = {
        "tenant": tenant,
        "limit": limit + 1,
        "agent": query.agent_ifi,
        "activity": query.activity,
        "verb": query.verb,
        "registration": query.registration,
        "since": query.since,
        "until": query.until,
        "after": query.after_seq,
        "credential_id": credential_id,
    }
    stmt = _list_query(shape)
    if postgresql and (shape.agent or shape.activity):
        # A prepared statement's generic plan cannot know how many rows an agent or activity
        # has: plan every execution for its values. Parallel workers only slow these short,
        # LIMITed queries down (and compete with concurrent requests for the cores).
        session.execute(_CUSTOM_PLANS)
    rows = session.execute(stmt, values).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    return QueryResult(
        documents=[row.document for row in rows],
        stored=[row.stored for row in rows],
        last_seq=rows[-1].seq if rows else None,
        has_more=has_more,
    )


# GET /statements without statementId / voidedStatementId.
query = query_statements


def iter_attachment_hashes(statements: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The sha2 of every attachment (of statements and their SubStatements)."""
    for statement in statements:
        for attachment in statement.get("attachments") or ():
            yield attachment["sha2"]
        target = statement.get("object") or {}
        if target.get("objectType") == "SubStatement":
            yield from iter_attachment_hashes([target])
