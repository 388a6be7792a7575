"""Sample statements and small helpers for the Statements resource tests."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from typing import Any

from werkzeug.test import TestResponse

from tests.xapi.lrs.conftest import LrsClient

ACTOR = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
OTHER_ACTOR = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@example.com"}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
ACTIVITY = {
    "objectType": "Activity",
    "id": "http://example.com/activities/course-1",
    "definition": {
        "name": {"en-US": "Course one", "en-GB": "Course one (GB)", "sv-SE": "Kurs ett"},
        "description": {"en-US": "The first course", "sv-SE": "Den första kursen"},
        "type": "http://adlnet.gov/expapi/activities/course",
    },
}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def statement(**overrides: Any) -> dict[str, Any]:
    """A valid statement; keyword arguments replace top-level properties (None removes one)."""
    base: dict[str, Any] = {
        "actor": copy.deepcopy(ACTOR),
        "verb": copy.deepcopy(VERB),
        "object": copy.deepcopy(ACTIVITY),
    }
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def new_id() -> str:
    return str(uuid.uuid4())


def post(lrs: LrsClient, body: Any) -> list[str]:
    response = lrs.post("statements", json_body=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    ids: list[str] = response.get_json()
    return ids


def get_one(lrs: LrsClient, statement_id: str, **params: str) -> dict[str, Any]:
    response = lrs.get("statements", params={"statementId": statement_id, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    found: dict[str, Any] = response.get_json()
    return found


def query(lrs: LrsClient, **params: str) -> dict[str, Any]:
    response = lrs.get("statements", params=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    result: dict[str, Any] = response.get_json()
    return result


def ids_of(result: dict[str, Any]) -> list[str]:
    return [s["id"] for s in result["statements"]]


def error_message(response: TestResponse) -> str:
    body = response.get_json(silent=True) or {}
    return str(body.get("message", response.get_data(as_text=True)))


def multipart(
    statements: Any, parts: list[tuple[bytes, dict[str, str]]], boundary: str = "b0undary"
) -> tuple[bytes, str]:
    """A multipart/mixed body: the statements, then each (content, headers)."""
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(statements).encode(),
        b"\r\n",
    ]
    for content, headers in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks += [f"--{boundary}\r\n{head}\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def attachment_meta(
    content: bytes, content_type: str = "text/plain", **extra: Any
) -> dict[str, Any]:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
        **extra,
    }


def part_headers(content: bytes, content_type: str = "text/plain") -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(content).hexdigest(),
    }
