"""SQL and JSON helpers of the LRS's stores: IN lists, bulk inserts, JSON documents as text.

PostgreSQL takes lists as one array parameter and rows as one JSON parameter; SQLite gets IN lists
in chunks and an executemany.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Values per IN (...) list, well below every backend's limit on bound parameters.
CHUNK = 500


def chunks(session: Session, items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Slices of ``items`` for IN lists (PostgreSQL takes them whole, as one array)."""
    if is_postgresql(session):
        if items:
            yield items
        return
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def is_postgresql(session: Session) -> bool:
    return bool(session.get_bind().dialect.name == "postgresql")


def in_values(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``; one array parameter (``= ANY(...)``) on PostgreSQL."""
    if is_postgresql(session):
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
    if is_postgresql(session):
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
    if is_postgresql(session) and not any(
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
    if is_postgresql(session):
        insert: Any = postgresql.insert(table)
    else:
        insert = sqlite.insert(table)
    if unique:
        insert = insert.on_conflict_do_nothing(index_elements=list(unique))
    if returning:
        return list(session.execute(insert.returning(*(table.c[c] for c in returning)), rows).all())
    session.execute(insert, rows)
    return []
