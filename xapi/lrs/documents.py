"""Documents of the State, Activity Profile and Agent Profile resources, per tenant.

A document is addressed by a ``DocumentKey`` (kind, activity, agent IFI key, registration, id);
its ETag is the SHA-1 of its content. These functions only read and write the session: the caller
commits, and checks preconditions with ``check_preconditions`` before writing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xapi.db import utcnow
from xapi.lrs.errors import BadRequestError, ConflictError, PreconditionFailedError
from xapi.lrs.models import Document

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"
JSON_TYPE = "application/json"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class DocumentScope:
    """The documents a list or delete-all request addresses: everything but the document id."""

    tenant: str
    kind: str
    activity_id: str = ""
    agent: str = ""
    # None: every registration (a state delete-all without registration); "" means none.
    registration: str | None = ""

    def key(self, document_id: str) -> DocumentKey:
        return DocumentKey(
            self.tenant,
            self.kind,
            self.activity_id,
            self.agent,
            self.registration or "",
            document_id,
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [
            Document.tenant == self.tenant,
            Document.kind == self.kind,
            Document.activity_id == self.activity_id,
            Document.agent == self.agent,
        ]
        if self.registration is not None:
            conditions.append(Document.registration == self.registration)
        return conditions


@dataclass(frozen=True)
class DocumentKey:
    tenant: str
    kind: str
    activity_id: str
    agent: str
    registration: str
    document_id: str

    @property
    def hash(self) -> str:
        raw = json.dumps(
            [self.kind, self.activity_id, self.agent, self.registration, self.document_id],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Preconditions:
    """The If-Match / If-None-Match headers of a request, parsed (None when absent)."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


def etag_of(content: bytes) -> str:
    """The entity tag of a document (unquoted): the SHA-1 of its content, hexadecimal."""
    return hashlib.sha1(content).hexdigest()  # noqa: S324 (xAPI names SHA-1 for ETags)


def quoted(etag: str) -> str:
    return f'"{etag}"'


def parse_etags(header: str | None) -> tuple[str, ...] | None:
    """The entity tags of an If-Match / If-None-Match header; ``("*",)`` for a wildcard."""
    if header is None:
        return None
    tags: list[str] = []
    for part in header.split(","):
        tag = part.strip()
        if not tag:
            continue
        if tag == "*":
            tags.append("*")
            continue
        if tag.startswith("W/"):
            # A weak tag never matches in the strong comparison of If-Match; keep it distinct.
            tags.append("W/" + tag[2:].strip().strip('"'))
            continue
        tags.append(tag.strip('"').lower())
    if not tags:
        raise BadRequestError("An If-Match or If-None-Match header must name an ETag or '*'.")
    return tuple(tags)


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def check_preconditions(
    existing: Document | None,
    pre: Preconditions,
    *,
    method: str,
    conflict_without_headers: bool,
    what: str,
) -> None:
    """Refuse a write that If-Match / If-None-Match forbid (412), or a blind overwrite (409)."""
    current = existing.etag if existing is not None else None
    if pre.if_match is not None:
        if current is None:
            _failed(f"If-Match was given but the {what} does not exist.")
        if "*" not in pre.if_match and current not in pre.if_match:
            _failed(
                f"If-Match does not match the current ETag of the {what} (it has changed "
                "since you fetched it); GET it again and retry with its ETag."
            )
    if pre.if_none_match is not None and current is not None:
        if "*" in pre.if_none_match:
            _failed(f"If-None-Match: * was given but the {what} already exists.")
        if current in pre.if_none_match:
            _failed(f"If-None-Match names the current ETag of the {what}.")
    if existing is not None and not pre.given and method == "PUT" and conflict_without_headers:
        raise ConflictError(
            f"The {what} already exists and this PUT has neither If-Match nor If-None-Match. "
            "Check the current state of the document (GET it) and send If-Match with its "
            "current ETag to overwrite it."
        )


def _failed(message: str) -> NoReturn:
    raise PreconditionFailedError(message)


def get_document(
    session: Session, key: DocumentKey, *, for_update: bool = False
) -> Document | None:
    stmt = select(Document).where(Document.tenant == key.tenant, Document.key_hash == key.hash)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def list_document_ids(
    session: Session, scope: DocumentScope, since: datetime | None = None
) -> list[str]:
    """The ids of the documents in ``scope``, stored or changed after ``since`` when given."""
    stmt = select(Document.document_id).where(*scope.conditions())
    if since is not None:
        stmt = stmt.where(Document.updated > since)
    return sorted(session.scalars(stmt))


def put_document(
    session: Session,
    key: DocumentKey,
    content: bytes,
    content_type: str,
    existing: Document | None,
) -> Document:
    """Store ``content`` as the document, replacing ``existing`` (fetched with ``get_document``)."""
    now = utcnow()
    etag = etag_of(content)
    if existing is None:
        document = Document(
            tenant=key.tenant,
            key_hash=key.hash,
            kind=key.kind,
            activity_id=key.activity_id,
            agent=key.agent,
            registration=key.registration,
            document_id=key.document_id,
            content=content,
            content_type=content_type,
            etag=etag,
            updated=now,
        )
        session.add(document)
    else:
        document = existing
        document.content = content
        document.content_type = content_type
        document.etag = etag
        document.updated = now
    session.flush()
    return document


def json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError(
            f"The {what} is not valid UTF-8 JSON (or is nested too deeply)."
        ) from None
    if not isinstance(value, dict):
        raise BadRequestError(f"The {what} must be a JSON object to be merged.")
    return value


def post_document(
    session: Session,
    key: DocumentKey,
    content: bytes,
    content_type: str,
    existing: Document | None,
) -> Document:
    """Merge a JSON object into the document (top-level properties of ``content`` win).

    Both the posted and the stored document must be JSON objects of type application/json;
    without a stored document the posted one is stored as it is.
    """
    if media_type(content_type) != JSON_TYPE:
        raise BadRequestError(
            "POST merges JSON documents: send the document with Content-Type application/json "
            f"(not {media_type(content_type) or '(none)'}), or use PUT to replace it."
        )
    posted = json_object(content, "posted document")
    if existing is None:
        return put_document(session, key, content, content_type, None)
    if media_type(existing.content_type) != JSON_TYPE:
        raise BadRequestError(
            "The stored document is not application/json, so it cannot be merged; use PUT to "
            "replace it."
        )
    merged = json_object(existing.content, "stored document")
    merged.update(posted)
    body = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return put_document(session, key, body, JSON_TYPE, existing)


def delete_document(session: Session, document: Document) -> None:
    session.delete(document)
    session.flush()


def delete_documents(session: Session, scope: DocumentScope) -> int:
    """Delete every document of ``scope`` (the State resource's DELETE without stateId)."""
    result = session.execute(
        delete(Document).where(*scope.conditions()).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
