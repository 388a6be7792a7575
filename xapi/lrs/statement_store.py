"""Storing and querying statements: bulk inserts with their index rows, voiding, paging.

``store_statements`` never commits: the Statements resource commits after it, and other components
call it inside their own transaction. ``query`` implements GET /statements without a statementId.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    Text,
    any_,
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
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xapi.db import UTCDateTime
from xapi.lrs.agents import ifi_key, parse_agent_param
from xapi.lrs.auth import Principal
from xapi.lrs.errors import BadRequestError, ConflictError
from xapi.lrs.models import Activity, Attachment, Statement, StatementActivity, StatementAgent
from xapi.lrs.validation import (
    CONTEXT_ACTIVITY_KEYS,
    VOIDED_VERB,
    is_iri,
    is_uuid,
    parse_timestamp,
    validate_statements,
)

STATEMENTS: Table = Statement.__table__  # type: ignore[assignment]
AGENTS: Table = StatementAgent.__table__  # type: ignore[assignment]
ACTIVITIES: Table = StatementActivity.__table__  # type: ignore[assignment]
DEFINITIONS: Table = Activity.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]

# Properties the LRS assigns or may change: ignored when comparing two versions of a statement.
LRS_PROPERTIES = ("authority", "stored", "version")
_DURATION_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")
# How many StatementRef hops the filter conditions for StatementRefs follow.
MAX_REF_DEPTH = 3
# Values per IN (...) list, well below every backend's limit on bound parameters.
CHUNK = 500


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


def _chunks(session: Session, items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices of ``items`` for IN lists (PostgreSQL takes them whole, as one array)."""
    if _is_postgresql(session):
        if items:
            yield items
        return
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _is_postgresql(session: Session) -> bool:
    return bool(session.get_bind().dialect.name == "postgresql")


def in_values(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``; one array parameter (``= ANY(...)``) on PostgreSQL."""
    if _is_postgresql(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(String())))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON: orjson, or the standard library for what orjson refuses (integers
    beyond 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), default=_json_default
        ).encode("utf-8")


# Digits mapped to NUL: a run of 19 NULs then marks a run of digits that may be an integer
# beyond 64 bits, which orjson would read as a float (much faster than a regular expression).
_DIGITS_TO_NUL = bytes.maketrans(b"0123456789", b"\0" * 10)
_LONG_DIGITS = b"\0" * 19


def loads(document: str | bytes) -> Any:
    """Parse JSON text: orjson, or the standard library when it may hold a very long integer."""
    raw = document.encode("utf-8") if isinstance(document, str) else document
    if _LONG_DIGITS not in raw.translate(_DIGITS_TO_NUL):
        return orjson.loads(raw)
    return json.loads(raw)


def document_text(session: Session, column: Any) -> Any:
    """``column`` (a JSON document) as its JSON text, read without parsing it."""
    if _is_postgresql(session):
        return cast(column, Text)
    return type_coerce(column, Text)


def bulk_insert(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    unique: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[Any]:
    """Insert ``rows`` in one statement, skipping rows that hit the ``unique`` constraint.

    PostgreSQL gets ``INSERT ... SELECT ... FROM jsonb_to_recordset(:rows)``: one statement with
    one parameter, whatever the number of rows (binary columns use a plain multi-row insert).
    SQLite gets an executemany.
    """
    if not rows:
        return []
    columns = list(rows[0])
    if _is_postgresql(session) and not any(
        isinstance(table.c[c].type, LargeBinary) for c in columns
    ):
        dialect = session.get_bind().dialect
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        types = ", ".join(f"{quote(c)} {table.c[c].type.compile(dialect=dialect)}" for c in columns)
        # Identifiers come from the table metadata; the rows travel as one JSON parameter.
        sql = (
            f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "  # noqa: S608
            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({types})"
        )
        if unique:
            sql += f" ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {', '.join(quote(c) for c in returning)}"
        result = session.execute(text(sql), {"rows": dumps(rows).decode("utf-8")})
        return list(result.all()) if returning else []
    if _is_postgresql(session):
        insert: Any = postgresql.insert(table)
    else:
        insert = sqlite.insert(table)
    if unique:
        insert = insert.on_conflict_do_nothing(index_elements=list(unique))
    if returning:
        return list(session.execute(insert.returning(*(table.c[c] for c in returning)), rows).all())
    session.execute(insert, rows)
    return []


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

    postgresql = _is_postgresql(session)
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
        for chunk in _chunks(session, sorted(voided_targets)):
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
    for chunk in _chunks(session, ids):
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
    for chunk in _chunks(session, list(targets)):
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
    for chunk in _chunks(session, ids):
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
    for chunk in _chunks(session, ids):
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


def load_attachments(
    session: Session, tenant: str, hashes: Iterable[str]
) -> dict[str, tuple[str, bytes]]:
    wanted = sorted(set(hashes))
    found: dict[str, tuple[str, bytes]] = {}
    for chunk in _chunks(session, wanted):
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


QUERY_PARAMS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
)
FORMATS = ("exact", "ids", "canonical")


def _boolean(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadRequestError(f"The {name!r} parameter must be true or false, got {value[:20]!r}.")
    return value == "true"


@dataclass
class StatementQuery:
    """The parsed parameters of GET /statements (a list query)."""

    params: dict[str, str]
    agent_ifi: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int | None = None

    @classmethod
    def parse(cls, params: dict[str, str], after_seq: int | None = None) -> StatementQuery:
        unknown = sorted(set(params) - set(QUERY_PARAMS))
        if unknown:
            raise BadRequestError(
                f"Unknown parameter(s) {', '.join(unknown)} for GET statements (parameters are "
                f"case sensitive; use {', '.join(QUERY_PARAMS)}, statementId or voidedStatementId)."
            )
        query = cls(params=dict(params), after_seq=after_seq)
        if "agent" in params:
            query.agent_ifi = ifi_key(parse_agent_param(params["agent"]))
        if "verb" in params:
            if not is_iri(params["verb"]):
                raise BadRequestError("The 'verb' parameter must be an IRI (a verb id).")
            query.verb = params["verb"]
        if "activity" in params:
            if not is_iri(params["activity"]):
                raise BadRequestError("The 'activity' parameter must be an IRI (an activity id).")
            query.activity = params["activity"]
        if "registration" in params:
            if not is_uuid(params["registration"]):
                raise BadRequestError("The 'registration' parameter must be a UUID.")
            query.registration = params["registration"].lower()
        query.related_activities = _boolean(params, "related_activities")
        query.related_agents = _boolean(params, "related_agents")
        query.attachments = _boolean(params, "attachments")
        query.ascending = _boolean(params, "ascending")
        for name in ("since", "until"):
            if name in params:
                try:
                    setattr(query, name, parse_timestamp(params[name]))
                except ValueError:
                    raise BadRequestError(
                        f"The {name!r} parameter must be an ISO 8601 timestamp."
                    ) from None
        if "limit" in params:
            raw = params["limit"]
            if not raw.isdigit():
                raise BadRequestError("The 'limit' parameter must be a non-negative integer.")
            query.limit = int(raw)
        if "format" in params:
            if params["format"] not in FORMATS:
                raise BadRequestError("The 'format' parameter must be ids, exact or canonical.")
            query.format = params["format"]
        return query

    @property
    def has_filters(self) -> bool:
        return any(
            v is not None for v in (self.agent_ifi, self.verb, self.activity, self.registration)
        )

    def more_token(self, last_seq: int) -> str:
        raw = json.dumps({"p": self.params, "a": last_seq}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    @classmethod
    def from_more(cls, token: str) -> StatementQuery:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            params, after = data["p"], data["a"]
            if not isinstance(params, dict) or not isinstance(after, int):
                raise ValueError
            if not 0 <= after < 2**63:
                raise ValueError
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise BadRequestError("The 'more' parameter is not a token this LRS issued.") from None
        return cls.parse(params, after_seq=after)


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
        agents = AGENTS.alias()
        agent_conditions = [
            agents.c.seq == table.c.seq,
            agents.c.tenant == bindparam("tenant"),
            agents.c.ifi == bindparam("agent"),
        ]
        if not shape.related_agents:
            agent_conditions.append(agents.c.related.is_(False))
        conditions.append(exists().where(*agent_conditions))
    if shape.activity and driven != "activity":
        activities = ACTIVITIES.alias()
        activity_conditions = [
            activities.c.seq == table.c.seq,
            activities.c.tenant == bindparam("tenant"),
            activities.c.activity_id == bindparam("activity"),
        ]
        if not shape.related_activities:
            activity_conditions.append(activities.c.related.is_(False))
        conditions.append(exists().where(*activity_conditions))
    return conditions


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
    postgresql = _is_postgresql(session)
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
