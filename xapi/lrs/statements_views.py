"""The Statements resource: PUT, POST, GET and HEAD on /statements (xAPI 1.0.3 and 2.0.0)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import wraps
from typing import Any, NoReturn
from urllib.parse import urlsplit

import orjson
from flask import Response

from xapi.lrs.context import LrsContext, route
from xapi.lrs.errors import BadRequestError, NotFoundError, PayloadTooLargeError, XapiError
from xapi.lrs.multipart import Part, build_multipart, hash_matches, parse_multipart
from xapi.lrs.signatures import verify_signature
from xapi.lrs.sql import dumps
from xapi.lrs.statement_formats import apply_format
from xapi.lrs.statement_params import StatementQuery
from xapi.lrs.statement_queries import (
    get_statement,
    iter_attachment_hashes,
    load_attachments,
    query_statements,
)
from xapi.lrs.statement_store import store_statements
from xapi.lrs.validation import SIGNATURE_USAGE, is_uuid, validate_statements

CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
SINGLE_PARAMS = {"attachments", "format"}


def _json(body: object, status: int = 200) -> Response:
    return Response(dumps(body), status=status, mimetype="application/json")


def _consistent_through() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _statements_handler(
    handler: Callable[[LrsContext], Response],
) -> Callable[[LrsContext], Response]:
    """Every answer, errors included, carries X-Experience-API-Consistent-Through."""

    @wraps(handler)
    def wrapper(ctx: LrsContext) -> Response:
        try:
            response = handler(ctx)
        except XapiError as exc:
            ctx.session.rollback()
            response = _json({"error": True, "message": exc.message}, exc.status)
        except RecursionError:
            ctx.session.rollback()
            response = _json({"error": True, "message": "The statement is nested too deeply."}, 400)
        response.headers[CONSISTENT_THROUGH] = _consistent_through()
        return response

    return wrapper


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


# A \u0000 escape (not an escaped backslash followed by "u0000"): databases cannot store NUL.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_NUL_ESCAPE_BYTES = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Digits mapped to NUL: a run of 19 NULs then marks a run of digits that may be an integer
# beyond 64 bits, which orjson would read as a float (much faster than a regular expression).
_DIGITS_TO_NUL = bytes.maketrans(b"0123456789", b"\0" * 10)
_LONG_DIGITS = b"\0" * 19


def _parse_json(raw: bytes, what: str) -> Any:
    """The JSON value of ``raw``, or ``BadRequestError``.

    orjson parses first: it refuses everything the standard-library parse below refuses
    (invalid UTF-8, NaN and Infinity, numbers out of range, unpaired surrogate escapes), and
    whatever it refuses, or what it could read differently (very long integers), goes through
    the standard library, which gives the precise message.
    """
    if _LONG_DIGITS not in raw.translate(_DIGITS_TO_NUL):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if b"\\u0000" in raw and _NUL_ESCAPE_BYTES.search(raw):
                raise BadRequestError(
                    f"The {what} contains the character U+0000, which is not allowed."
                )
            return value
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError):
        raise BadRequestError(f"The {what} is not valid UTF-8 JSON.") from None
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        raise BadRequestError(f"The {what} contains the character U+0000, which is not allowed.")
    if "\\ud" in text.lower():
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequestError(
                f"The {what} contains an unpaired UTF-16 surrogate escape."
            ) from None
    return value


def _read_statements(ctx: LrsContext) -> tuple[Any, list[Part]]:
    """The statement(s) in the body and the attachment parts of a multipart body."""
    request = ctx.request
    content_type = request.content_type
    if content_type == "application/json":
        return _parse_json(request.body, "request body"), []
    if content_type == "multipart/mixed":
        parts = parse_multipart(request.body, request.headers.get("Content-Type", ""))
        first = parts[0]
        if first.content_type != "application/json":
            raise BadRequestError(
                "The first part of a multipart/mixed statement request must be application/json."
            )
        return _parse_json(first.content, "first part (the statements)"), parts[1:]
    raise BadRequestError(
        "Statements are sent with Content-Type application/json or multipart/mixed, "
        f"not {content_type or '(none)'}."
    )


def _attachment_declarations(statement: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(statement.get("attachments") or ())
    target = statement.get("object") or {}
    if target.get("objectType") == "SubStatement":
        found += list(target.get("attachments") or ())
    return found


def _check_parts(
    statements: list[dict[str, Any]], parts: list[Part]
) -> dict[str, tuple[str, bytes]]:
    """Match attachment parts to the statements' attachments; check signatures."""
    content: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts, start=2):
        sha2 = part.headers.get("x-experience-api-hash")
        if not sha2:
            raise BadRequestError(
                f"Part {index} of the multipart body has no X-Experience-API-Hash header."
            )
        encoding = part.headers.get("content-transfer-encoding")
        if encoding is None or encoding.strip().lower() != "binary":
            raise BadRequestError(
                f"Part {index} of the multipart body must have Content-Transfer-Encoding: binary."
            )
        if not hash_matches(sha2, part.content):
            raise BadRequestError(
                f"Part {index} of the multipart body does not match its X-Experience-API-Hash."
            )
        content[sha2.lower()] = (
            part.headers.get("content-type") or "application/octet-stream",
            part.content,
        )
    declared: dict[str, dict[str, Any]] = {}
    for statement in statements:
        for attachment in _attachment_declarations(statement):
            declared.setdefault(attachment["sha2"].lower(), attachment)
            if "fileUrl" not in attachment and attachment["sha2"].lower() not in content:
                raise BadRequestError(
                    f"The attachment with sha2 {attachment['sha2']} has no fileUrl and no part in a "
                    "multipart/mixed body carries its content."
                )
    extra = sorted(set(content) - set(declared))
    if extra:
        raise BadRequestError(
            f"The multipart body has a part (hash {extra[0]}) that no statement declares as an "
            "attachment."
        )
    for index, statement in enumerate(statements):
        path = "statement" if len(statements) == 1 else f"statements[{index}]"
        for attachment in statement.get("attachments") or ():
            if attachment["usageType"] != SIGNATURE_USAGE:
                continue
            signature = content.get(attachment["sha2"].lower())
            if signature is None:
                raise BadRequestError(f"The signature attachment of {path} must be sent as a part.")
            verify_signature(statement, signature[1], path)
    return content


def _store(ctx: LrsContext, statements: list[Any], parts: list[Part]) -> list[str]:
    validated = validate_statements(statements, ctx.version)
    content = _check_parts(validated, parts)
    result = store_statements(
        ctx.session,
        ctx.principal.tenant,
        validated,
        ctx.principal,
        version=ctx.version,
        attachments=content,
        validated=True,
    )
    ctx.session.commit()
    return result.ids


@route("statements", "PUT")
@_statements_handler
def put_statement(ctx: LrsContext) -> Response:
    ctx.principal.require("statements/write")
    params = ctx.request.params
    unknown = sorted(set(params) - {"statementId"})
    if unknown:
        raise BadRequestError(f"Unknown parameter(s) for PUT statements: {', '.join(unknown)}.")
    statement_id = params.get("statementId")
    if statement_id is None:
        raise BadRequestError("PUT statements needs the statementId parameter.")
    if not is_uuid(statement_id):
        raise BadRequestError("The statementId parameter must be a UUID.")
    statement, parts = _read_statements(ctx)
    if not isinstance(statement, dict):
        raise BadRequestError("PUT statements takes one statement (a JSON object).")
    if "id" in statement:
        if not isinstance(statement["id"], str) or statement["id"].lower() != statement_id.lower():
            raise BadRequestError("The statement's id does not match the statementId parameter.")
    else:
        statement = {"id": statement_id.lower(), **statement}
    _store(ctx, [statement], parts)
    return Response(status=204)


@route("statements", "POST")
@_statements_handler
def post_statements(ctx: LrsContext) -> Response:
    ctx.principal.require("statements/write")
    if ctx.request.params:
        raise BadRequestError(
            f"POST statements takes no parameters; got {', '.join(sorted(ctx.request.params))}."
        )
    body, parts = _read_statements(ctx)
    statements = body if isinstance(body, list) else [body]
    if not statements:
        return _json([])
    limit = ctx.config.max_statements
    if len(statements) > limit:
        raise PayloadTooLargeError(
            f"This request holds {len(statements)} statements; this LRS takes at most {limit} "
            "in one request (LTI_JOURNEYS_LRS_MAX_STATEMENTS_PER_REQUEST). Send them in several "
            "requests."
        )
    return _json(_store(ctx, statements, parts))


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _respond(
    ctx: LrsContext, body: Any, statements: list[dict[str, Any]], attachments: bool
) -> Response:
    payload = dumps(body)
    if not attachments:
        return Response(payload, mimetype="application/json")
    hashes = list(dict.fromkeys(h.lower() for h in iter_attachment_hashes(statements)))
    found = load_attachments(ctx.session, ctx.principal.tenant, hashes)
    parts = [(h, found[h][0], found[h][1]) for h in hashes if h in found]
    content, content_type = build_multipart(payload, parts)
    return Response(content, content_type=content_type)


def _reader_credential(ctx: LrsContext) -> int | None:
    """``None`` when the credential reads every statement; its id when it reads only its own."""
    principal = ctx.principal
    if principal.can("statements/read", "all/read"):
        return None
    principal.require("statements/read", "all/read", "statements/read/mine")
    return principal.credential_id


@route("statements", "GET")
@_statements_handler
def get_statements(ctx: LrsContext) -> Response:
    credential_id = _reader_credential(ctx)
    params = ctx.request.params
    tenant = ctx.principal.tenant
    accept_language = ctx.request.headers.get("Accept-Language")
    if "statementId" in params or "voidedStatementId" in params:
        if "statementId" in params and "voidedStatementId" in params:
            raise BadRequestError("Give statementId or voidedStatementId, not both.")
        name = "statementId" if "statementId" in params else "voidedStatementId"
        extra = sorted(set(params) - SINGLE_PARAMS - {name})
        if extra:
            raise BadRequestError(
                f"With {name} only the attachments and format parameters are allowed; "
                f"got {', '.join(extra)}."
            )
        options = StatementQuery.parse({k: v for k, v in params.items() if k in SINGLE_PARAMS})
        statement_id = params[name]
        if not is_uuid(statement_id):
            raise BadRequestError(f"The {name} parameter must be a UUID.")
        found = get_statement(
            ctx.session,
            tenant,
            statement_id,
            voided=name == "voidedStatementId",
            credential_id=credential_id,
        )
        if found is None:
            qualifier = "voided " if name == "voidedStatementId" else ""
            raise NotFoundError(f"No {qualifier}statement with the id {statement_id.lower()}.")
        [statement] = apply_format(
            ctx.session, tenant, [found.statement], options.format, accept_language
        )
        response = _respond(ctx, statement, [found.statement], options.attachments)
        response.headers["Last-Modified"] = _http_date(found.stored)
        return response

    if "more" in params:
        repeated = {k: v for k, v in params.items() if k != "more"}
        query = StatementQuery.from_more(params["more"], repeated)
    else:
        query = StatementQuery.parse(params)
    result = query_statements(
        ctx.session, tenant, query, page_size=ctx.config.page_size, credential_id=credential_id
    )
    more = ""
    if result.has_more and result.last_seq is not None:
        base = urlsplit(ctx.config.endpoint).path.rstrip("/")
        more = f"{base}/statements?more={query.more_token(result.last_seq)}"
    if query.format == "exact" and not query.attachments:
        # The statements as stored, spliced in without parsing and serialising them again.
        payload = b"".join(
            (
                b'{"statements":[',
                ",".join(result.documents).encode("utf-8"),
                b'],"more":',
                dumps(more),
                b"}",
            )
        )
        response = Response(payload, mimetype="application/json")
    else:
        statements = apply_format(
            ctx.session, tenant, result.statements, query.format, accept_language
        )
        response = _respond(
            ctx, {"statements": statements, "more": more}, result.statements, query.attachments
        )
    if result.stored:
        response.headers["Last-Modified"] = _http_date(max(result.stored))
    return response
