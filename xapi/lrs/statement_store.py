"""Storing statements: bulk inserts with their index rows, voiding, activity definitions.

``store_statements`` never commits: the Statements resource commits after it, and other components
call it inside their own transaction. Reading is ``xapi.lrs.statement_queries``.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session

from xapi.lrs.agents import ifi_key
from xapi.lrs.auth import Principal
from xapi.lrs.errors import BadRequestError, ConflictError
from xapi.lrs.models import ACTIVITIES, AGENTS, ATTACHMENTS, DEFINITIONS, STATEMENTS
from xapi.lrs.sql import bulk_insert, chunks, dumps, in_values, is_postgresql
from xapi.lrs.validation import (
    CONTEXT_ACTIVITY_KEYS,
    VOIDED_VERB,
    parse_timestamp,
    validate_statements,
)

# Properties the LRS assigns or may change: ignored when comparing two versions of a statement.
LRS_PROPERTIES = ("authority", "stored", "version")
_DURATION_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")


def default_version(xapi_version: str) -> str:
    return "2.0.0" if xapi_version.startswith("2.") else "1.0.0"


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision, as the LRS writes ``stored``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# -- comparison -------------------------------------------------------------------------------
def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _canonical(v) for k, v in value.items()}
        members = out.get("member")
        if isinstance(members, list):
            # The members of a Group are an unordered list.
            out["member"] = sorted(members, key=lambda m: json.dumps(m, sort_keys=True))
        return out
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def comparable(
    statement: dict[str, Any], *, reference: dict[str, Any], attachments: bool = True
) -> Any:
    """``statement`` without what the LRS may assign or reformat, relative to ``reference``."""
    out = {k: v for k, v in statement.items() if k not in LRS_PROPERTIES}
    if not attachments:
        out.pop("attachments", None)
    if "id" not in reference:
        out.pop("id", None)
    elif "id" in out and isinstance(out["id"], str):
        out["id"] = out["id"].lower()
    if "timestamp" not in reference:
        out.pop("timestamp", None)
    elif "timestamp" in out:
        with contextlib.suppress(ValueError):
            out["timestamp"] = parse_timestamp(out["timestamp"]).isoformat()
    out = normalize_context_activities(out)
    out = _truncate_duration(out)
    return _canonical(out)


def _truncate_duration(statement: dict[str, Any]) -> dict[str, Any]:
    """Durations compare to 0.01 s precision (xAPI part 2, 4.6)."""
    out = statement
    result = statement.get("result")
    if isinstance(result, dict) and isinstance(result.get("duration"), str):
        duration = _DURATION_SECONDS.sub(
            lambda m: f"{m[1]}.{(m[2] + '00')[:2]}S", result["duration"]
        )
        out = {**statement, "result": {**result, "duration": duration}}
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        out = {**out, "object": _truncate_duration(target)}
    return out


def same_statement(stored: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether ``received`` matches ``stored`` by the Statement Comparison Requirements."""
    return bool(comparable(stored, reference=received) == comparable(received, reference=received))


def normalize_context_activities(statement: dict[str, Any]) -> dict[str, Any]:
    """A copy with every contextActivities value as an array (single objects are allowed in)."""
    out = statement
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        activities = context["contextActivities"]
        if any(not isinstance(v, list) for v in activities.values()):
            fixed = {k: v if isinstance(v, list) else [v] for k, v in activities.items()}
            out = {**statement, "context": {**context, "contextActivities": fixed}}
    target = out.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        sub = normalize_context_activities(target)
        if sub is not target:
            out = {**out, "object": sub}
    return out


# -- index rows ---------------------------------------------------------------------------------
def _add_agent(found: dict[str, bool], actor: Any, related: bool) -> None:
    if not isinstance(actor, dict):
        return
    key = ifi_key(actor)
    if key is not None:
        found[key] = found.get(key, True) and related
    for member in actor.get("member") or ():
        _add_agent(found, member, related)


def _context_activities(context: dict[str, Any]) -> Iterator[dict[str, Any]]:
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for key in CONTEXT_ACTIVITY_KEYS:
            value = activities.get(key)
            for item in value if isinstance(value, list) else [value] if value else []:
                if isinstance(item, dict):
                    yield item


def _index_statement(
    statement: dict[str, Any],
    agents: dict[str, bool],
    activities: dict[str, bool],
    definitions: list[tuple[str, dict[str, Any] | None]],
    related: bool,
) -> None:
    """Collect IFIs and activity ids: ``related`` False for the actor/object of a statement."""
    _add_agent(agents, statement.get("actor"), related)
    target = statement.get("object") or {}
    object_type = target.get("objectType", "Activity")
    if object_type in ("Agent", "Group"):
        _add_agent(agents, target, related)
    elif object_type == "Activity":
        activities[target["id"]] = activities.get(target["id"], True) and related
        definitions.append((target["id"], target.get("definition")))
    elif object_type == "SubStatement":
        _index_statement(target, agents, activities, definitions, True)
    context = statement.get("context")
    if isinstance(context, dict):
        _add_agent(agents, context.get("instructor"), True)
        _add_agent(agents, context.get("team"), True)
        for entry in context.get("contextAgents") or ():
            _add_agent(agents, entry.get("agent"), True)
        for entry in context.get("contextGroups") or ():
            _add_agent(agents, entry.get("group"), True)
        for activity in _context_activities(context):
            activities.setdefault(activity["id"], True)
            definitions.append((activity["id"], activity.get("definition")))


def merge_definition(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The canonical definition updated by ``new``: language maps and extensions merge."""
    if not old:
        return dict(new)
    merged = dict(old)
    for key, value in new.items():
        if key in ("name", "description", "extensions") and isinstance(old.get(key), dict):
            merged[key] = {**old[key], **value}
        else:
            merged[key] = value
    return merged


# -- storing ------------------------------------------------------------------------------------
@dataclass
class StoreResult:
    ids: list[str]
    # Ids stored by this call (the others were already stored, identically).
    stored_ids: list[str] = field(default_factory=list)


def store_statements(
    session: Session,
    tenant: str,
    statements: Sequence[dict[str, Any]],
    principal: Principal | None = None,
    *,
    authority: dict[str, Any] | None = None,
    credential_id: int | None = None,
    can_define: bool | None = None,
    version: str = "2.0.0",
    attachments: dict[str, tuple[str, bytes]] | None = None,
    validated: bool = False,
    fresh_ids: bool = False,
) -> StoreResult:
    """Store statements in ``tenant``; the caller commits.

    Assigns id, stored, timestamp, version and authority (the credential's), fills the agent and
    activity index tables, upserts activity definitions (existing ones only change when the
    credential may ``define``), applies voiding and stores attachment content (``sha2`` ->
    (content type, bytes)). A statement whose id is already stored is skipped when it matches;
    otherwise ``ConflictError`` (409). Invalid statements raise ``BadRequestError`` (400).

    ``fresh_ids``: the caller made every id just now (a new UUID), so none can be stored or
    voided already and those look-ups are skipped (a duplicate would still be skipped by the
    insert's ``ON CONFLICT DO NOTHING``).
    """
    if principal is not None:
        authority = authority or principal.authority
        credential_id = credential_id if credential_id is not None else principal.credential_id
        if can_define is None:
            can_define = principal.can("define")
    if authority is None:
        raise ValueError("store_statements needs a principal or an authority")
    if can_define is None:
        can_define = True
    if not validated:
        validate_statements(list(statements), version)

    stored_at = _now_ms()
    stored_text = format_timestamp(stored_at)
    prepared: list[dict[str, Any]] = []
    ids: list[str] = []
    seen: set[str] = set()
    for raw in statements:
        statement = normalize_context_activities(dict(raw))
        statement_id = str(statement.get("id") or uuid.uuid4()).lower()
        if statement_id in seen:
            raise BadRequestError(
                f"The batch has the statement id {statement_id} more than once; ids must be unique."
            )
        seen.add(statement_id)
        statement["id"] = statement_id
        ids.append(statement_id)
        prepared.append(statement)

    postgresql = is_postgresql(session)
    # PostgreSQL checks stored ids and earlier voiding statements inside its one INSERT (ON
    # CONFLICT, EXISTS), so the common case of new ids costs no look-up before it.
    existing = {} if fresh_ids or postgresql else _existing(session, tenant, ids)
    new: list[dict[str, Any]] = []
    for statement in prepared:
        stored = existing.get(statement["id"])
        if stored is None:
            new.append(statement)
        elif not same_statement(stored, statement):
            raise _conflict(statement["id"])
    if not new:
        return StoreResult(ids)

    voided_targets = _voiding_targets(session, tenant, new)
    new_ids = [s["id"] for s in new]
    already_voided = (
        set() if fresh_ids or postgresql else _voided_on_arrival(session, tenant, new_ids)
    )
    rows: list[dict[str, Any]] = []
    for statement in new:
        full = dict(statement)
        full["stored"] = stored_text
        full["authority"] = authority
        full.setdefault("version", default_version(version))
        full.setdefault("timestamp", stored_text)
        target = statement["object"]
        is_voiding = statement["verb"]["id"] == VOIDED_VERB
        ref_id = target["id"].lower() if target.get("objectType") == "StatementRef" else None
        context = statement.get("context") or {}
        registration = context.get("registration")
        timestamp = (
            stored_at if "timestamp" not in statement else parse_timestamp(statement["timestamp"])
        )
        rows.append(
            {
                "statement_id": statement["id"],
                "verb_id": statement["verb"]["id"],
                "registration": registration.lower() if registration else None,
                "object_statement_id": ref_id,
                "voided": statement["id"] in already_voided and not is_voiding,
                "is_voiding": is_voiding,
                "timestamp": timestamp,
                "version": full["version"],
                "full": full,
            }
        )

    if postgresql:
        seq_by_id = _insert_postgresql(
            session, tenant, rows, new, authority, stored_at, credential_id, can_define
        )
    else:
        seq_by_id = _insert_rows(
            session, tenant, rows, new, authority, stored_at, credential_id, can_define
        )
    if len(seq_by_id) < len(rows):
        # Already stored (before, or concurrently by another request): a no-op when identical,
        # else a conflict.
        racing = _existing(
            session, tenant, [r["statement_id"] for r in rows if r["statement_id"] not in seq_by_id]
        )
        for statement in new:
            other = racing.get(statement["id"])
            if other is not None and not same_statement(other, statement):
                raise _conflict(statement["id"])
        if postgresql:
            # The INSERT left the definitions alone (see _INSERT_POSTGRESQL): only the
            # statements stored now may change them.
            definitions: list[tuple[str, dict[str, Any] | None]] = []
            for statement in new:
                if statement["id"] in seq_by_id:
                    _index_statement(statement, {}, {}, definitions, False)
            _upsert_definitions(session, tenant, definitions, can_define)
    stored_ids = [s["id"] for s in new if s["id"] in seq_by_id]
    if voided_targets:
        for chunk in chunks(session, sorted(voided_targets)):
            session.execute(
                update(STATEMENTS)
                .where(
                    STATEMENTS.c.tenant == tenant,
                    in_values(session, STATEMENTS.c.statement_id, chunk),
                    STATEMENTS.c.is_voiding.is_(False),
                )
                .values(voided=True)
            )
    if attachments:
        store_attachments(session, tenant, attachments)
    return StoreResult(ids, stored_ids)


def _conflict(statement_id: str) -> ConflictError:
    return ConflictError(
        f"A different statement with the id {statement_id} is already stored; "
        "statements are immutable."
    )


def _index_rows(
    statement: dict[str, Any],
    authority: dict[str, Any],
    definitions: list[tuple[str, dict[str, Any] | None]],
) -> tuple[dict[str, bool], dict[str, bool]]:
    """The agents and activities of one statement (``related`` flags); adds to ``definitions``."""
    agents: dict[str, bool] = {}
    activities: dict[str, bool] = {}
    _index_statement(statement, agents, activities, definitions, False)
    _add_agent(agents, authority, True)
    return agents, activities


def _insert_rows(
    session: Session,
    tenant: str,
    rows: list[dict[str, Any]],
    new: list[dict[str, Any]],
    authority: dict[str, Any],
    stored_at: datetime,
    credential_id: int | None,
    can_define: bool,
) -> dict[str, int]:
    """Statements, then their index rows and definitions, one statement each (SQLite)."""
    common = {"tenant": tenant, "stored": stored_at, "credential_id": credential_id}
    returned = bulk_insert(
        session,
        STATEMENTS,
        [{**common, **row} for row in rows],
        unique=("tenant", "statement_id"),
        returning=("seq", "statement_id"),
    )
    seq_by_id: dict[str, int] = {row.statement_id: row.seq for row in returned}
    agent_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    definitions: list[tuple[str, dict[str, Any] | None]] = []
    for statement in new:
        seq = seq_by_id.get(statement["id"])
        if seq is None:
            continue
        agents, activities = _index_rows(statement, authority, definitions)
        agent_rows.extend(
            {"seq": seq, "tenant": tenant, "ifi": ifi, "related": related}
            for ifi, related in agents.items()
        )
        activity_rows.extend(
            {"seq": seq, "tenant": tenant, "activity_id": activity_id, "related": related}
            for activity_id, related in activities.items()
        )
    bulk_insert(session, AGENTS, agent_rows)
    bulk_insert(session, ACTIVITIES, activity_rows)
    _upsert_definitions(session, tenant, definitions, can_define)
    return seq_by_id


def _merged_definition_sql(old: str, new: str) -> str:
    """``merge_definition(old, new)`` in SQL, for two jsonb expressions (``old`` not empty)."""
    merged = f"{old} || {new}"
    for key in ("name", "description", "extensions"):
        merged += (
            f" || CASE WHEN {new} -> '{key}' IS NOT NULL"
            f" AND jsonb_typeof({old} -> '{key}') = 'object'"
            f" THEN jsonb_build_object('{key}', ({old} -> '{key}') || ({new} -> '{key}'))"
            " ELSE '{}'::jsonb END"
        )
    return merged


# Typed once: a bare parameter would be deduced as text in a select list and varchar elsewhere.
_TENANT = "CAST(:tenant AS VARCHAR(64))"
_EMPTY_DEFINITION = "(a.definition IS NULL OR a.definition IN ('null'::jsonb, '{}'::jsonb))"
_MERGED = _merged_definition_sql("a.definition", "r.definition")
# Statements, their agent and activity index rows and the activity definitions in one statement
# (one round trip): the index rows join the statements actually inserted (RETURNING), so a
# statement stored before or concurrently by another request gets none here; a statement that
# an earlier voiding statement targets arrives voided (EXISTS, on the partial index of
# references). When any id was already stored the definitions are left to the caller, which
# applies only those of the statements inserted now (rare: a resent batch). Definitions as
# ``_upsert_definitions`` stores them: new activities inserted (an activity already there is left
# alone, and not locked); known ones updated only when ``merge_definition`` changes them and the
# credential may define, or when they have no definition yet (an UPDATE locks only the rows it
# changes, so concurrent batches about the same activities do not wait for each other).
_INSERT_POSTGRESQL = f"""
WITH s AS (
    INSERT INTO xapi_statements (
        tenant, statement_id, verb_id, registration, object_statement_id, voided, is_voiding,
        stored, "timestamp", version, "full", credential_id
    )
    SELECT {_TENANT}, r.statement_id, r.verb_id, r.registration, r.object_statement_id,
        r.voided OR (NOT r.is_voiding AND EXISTS (
            SELECT 1 FROM xapi_statements AS v
            WHERE v.tenant = {_TENANT} AND v.object_statement_id = r.statement_id
                AND v.is_voiding
        )),
        r.is_voiding, :stored, r."timestamp", r.version, r."full", :credential_id
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        statement_id VARCHAR(36), verb_id VARCHAR(1000), registration VARCHAR(36),
        object_statement_id VARCHAR(36), voided BOOLEAN, is_voiding BOOLEAN,
        "timestamp" TIMESTAMP WITH TIME ZONE, version VARCHAR(16), "full" JSONB
    )
    ON CONFLICT (tenant, statement_id) DO NOTHING
    RETURNING seq, statement_id
), agents AS (
    INSERT INTO xapi_statement_agents (seq, tenant, ifi, related)
    SELECT s.seq, {_TENANT}, r.ifi, r.related
    FROM jsonb_to_recordset(CAST(:agents AS jsonb))
        AS r(statement_id VARCHAR(36), ifi VARCHAR(600), related BOOLEAN)
    JOIN s ON s.statement_id = r.statement_id
), activities AS (
    INSERT INTO xapi_statement_activities (seq, tenant, activity_id, related)
    SELECT s.seq, {_TENANT}, r.activity_id, r.related
    FROM jsonb_to_recordset(CAST(:activities AS jsonb))
        AS r(statement_id VARCHAR(36), activity_id VARCHAR(1000), related BOOLEAN)
    JOIN s ON s.statement_id = r.statement_id
), new_definitions AS (
    INSERT INTO xapi_activities (tenant, activity_id, definition, updated_at)
    SELECT {_TENANT}, r.activity_id, r.definition, :stored
    FROM jsonb_to_recordset(CAST(:definitions AS jsonb))
        AS r(activity_id VARCHAR(1000), definition JSONB)
    WHERE (SELECT count(*) FROM s) = :row_count
    ON CONFLICT (tenant, activity_id) DO NOTHING
), changed_definitions AS (
    UPDATE xapi_activities AS a
    SET definition = CASE WHEN {_EMPTY_DEFINITION} THEN r.definition ELSE {_MERGED} END,
        updated_at = :stored
    FROM jsonb_to_recordset(CAST(:definitions AS jsonb))
        AS r(activity_id VARCHAR(1000), definition JSONB)
    WHERE a.tenant = {_TENANT} AND a.activity_id = r.activity_id
        AND (SELECT count(*) FROM s) = :row_count
        AND r.definition IS NOT NULL
        AND (:can_define OR {_EMPTY_DEFINITION})
        AND ({_EMPTY_DEFINITION} OR ({_MERGED}) IS DISTINCT FROM a.definition)
)
SELECT seq, statement_id FROM s
"""  # noqa: S608 (fixed SQL fragments, no input)
# Parsed once: building a TextClause scans the SQL for its parameters on every call.
_INSERT_POSTGRESQL_CLAUSE = text(_INSERT_POSTGRESQL)


def _insert_postgresql(
    session: Session,
    tenant: str,
    rows: list[dict[str, Any]],
    new: list[dict[str, Any]],
    authority: dict[str, Any],
    stored_at: datetime,
    credential_id: int | None,
    can_define: bool,
) -> dict[str, int]:
    """Statements, index rows and definitions in one round trip (PostgreSQL)."""
    agent_rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    definitions: list[tuple[str, dict[str, Any] | None]] = []
    for statement in new:
        statement_id = statement["id"]
        agents, activities = _index_rows(statement, authority, definitions)
        agent_rows.extend(
            {"statement_id": statement_id, "ifi": ifi, "related": related}
            for ifi, related in agents.items()
        )
        activity_rows.extend(
            {"statement_id": statement_id, "activity_id": activity_id, "related": related}
            for activity_id, related in activities.items()
        )
    incoming = _incoming_definitions(definitions)
    result = session.execute(
        _INSERT_POSTGRESQL_CLAUSE,
        {
            "tenant": tenant,
            "stored": stored_at,
            "credential_id": credential_id,
            "can_define": can_define,
            "row_count": len(rows),
            "rows": dumps(rows).decode("utf-8"),
            "agents": dumps(agent_rows).decode("utf-8"),
            "activities": dumps(activity_rows).decode("utf-8"),
            "definitions": dumps(
                [{"activity_id": a, "definition": d} for a, d in incoming.items()]
            ).decode("utf-8"),
        },
    )
    return {row.statement_id: row.seq for row in result}


def _existing(session: Session, tenant: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(session, ids):
        for row in session.execute(
            select(STATEMENTS.c.statement_id, STATEMENTS.c.full).where(
                STATEMENTS.c.tenant == tenant, in_values(session, STATEMENTS.c.statement_id, chunk)
            )
        ):
            found[row.statement_id] = row.full
    return found


def _voiding_targets(session: Session, tenant: str, new: list[dict[str, Any]]) -> set[str]:
    """Ids the voiding statements among ``new`` void; refuses voiding a voiding statement."""
    targets = {s["object"]["id"].lower(): s["id"] for s in new if s["verb"]["id"] == VOIDED_VERB}
    if not targets:
        return set()
    batch_voiding = {s["id"] for s in new if s["verb"]["id"] == VOIDED_VERB}
    voiding_targets = [t for t in targets if t in batch_voiding]
    for chunk in chunks(session, list(targets)):
        voiding_targets.extend(
            session.scalars(
                select(STATEMENTS.c.statement_id).where(
                    STATEMENTS.c.tenant == tenant,
                    in_values(session, STATEMENTS.c.statement_id, chunk),
                    STATEMENTS.c.is_voiding.is_(True),
                )
            )
        )
    if voiding_targets:
        target = voiding_targets[0]
        raise BadRequestError(
            f"Statement {targets[target]} voids {target}, which is itself a voiding statement; "
            "voiding statements cannot be voided."
        )
    return set(targets)


def _voided_on_arrival(session: Session, tenant: str, ids: list[str]) -> set[str]:
    """Ids (among new statements) that a voiding statement stored earlier or now targets."""
    found: set[str] = set()
    for chunk in chunks(session, ids):
        found.update(
            session.scalars(
                select(STATEMENTS.c.object_statement_id).where(
                    STATEMENTS.c.tenant == tenant,
                    in_values(session, STATEMENTS.c.object_statement_id, chunk),
                    STATEMENTS.c.is_voiding.is_(True),
                )
            )
        )
    return found


def _incoming_definitions(
    definitions: list[tuple[str, dict[str, Any] | None]],
) -> dict[str, dict[str, Any] | None]:
    """One definition per activity id: the batch's definitions merged in order."""
    incoming: dict[str, dict[str, Any] | None] = {}
    for activity_id, definition in definitions:
        if definition:
            incoming[activity_id] = merge_definition(incoming.get(activity_id), definition)
        else:
            incoming.setdefault(activity_id, None)
    return incoming


def _upsert_definitions(
    session: Session,
    tenant: str,
    definitions: list[tuple[str, dict[str, Any] | None]],
    can_define: bool,
) -> None:
    if not definitions:
        return
    incoming = _incoming_definitions(definitions)
    known: dict[str, tuple[int, dict[str, Any] | None]] = {}
    ids = list(incoming)
    for chunk in chunks(session, ids):
        for row in session.execute(
            select(DEFINITIONS.c.id, DEFINITIONS.c.activity_id, DEFINITIONS.c.definition).where(
                DEFINITIONS.c.tenant == tenant, in_values(session, DEFINITIONS.c.activity_id, chunk)
            )
        ):
            known[row.activity_id] = (row.id, row.definition)
    now = datetime.now(UTC)
    inserts = [
        {"tenant": tenant, "activity_id": a, "definition": d, "updated_at": now}
        for a, d in incoming.items()
        if a not in known
    ]
    updates = []
    for activity_id, definition in incoming.items():
        if activity_id not in known or not definition:
            continue
        row_id, current = known[activity_id]
        if current and not can_define:
            continue
        merged = merge_definition(current, definition)
        if merged != current:
            updates.append({"b_id": row_id, "b_definition": merged, "b_updated": now})
    bulk_insert(session, DEFINITIONS, inserts, unique=("tenant", "activity_id"))
    if updates:
        session.execute(
            update(DEFINITIONS)
            .where(DEFINITIONS.c.id == bindparam("b_id"))
            .values(definition=bindparam("b_definition"), updated_at=bindparam("b_updated")),
            updates,
        )


def store_attachments(session: Session, tenant: str, parts: dict[str, tuple[str, bytes]]) -> None:
    """Attachment content, once per tenant and hash."""
    rows = [
        {"tenant": tenant, "sha2": sha2, "content_type": content_type[:255], "content": content}
        for sha2, (content_type, content) in parts.items()
    ]
    bulk_insert(session, ATTACHMENTS, rows, unique=("tenant", "sha2"))
