"""The demo platform's side of Deep Linking: the request it sends and the links it keeps.

Links an instructor places through the tool's picker are kept in a JSON file in the instance
folder (the demo has no tables of its own); each launches the tool with its custom parameters.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from lti_tool.demo import catalog

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LINKS_FILE = "demo-placed-links.json"
_lock = threading.Lock()


class DeepLinkResponseError(Exception):
    """The tool's response cannot be accepted; the message says why."""


@dataclass(frozen=True)
class PlacedLink:
    number: int
    title: str
    custom: dict[str, str]

    @property
    def resource_link_id(self) -> str:
        return f"placed-{self.number}"


def request_claims(course: catalog.DemoCourse, return_url: str) -> dict[str, Any]:
    """The claims that turn a launch into an ``LtiDeepLinkingRequest``."""
    return {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": f"demo:{course.key}",
        },
    }


def read_response(
    token: str, keyset: dict[str, Any], course: catalog.DemoCourse, issuer: str
) -> list[dict[str, Any]]:
    """Verify the tool's signed response as a platform must, and return its content items."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = next((k for k in keyset.get("keys", []) if k.get("kid") == kid), None)
        if key is None:
            raise DeepLinkResponseError(f"The response is signed with an unknown key {kid!r}.")
        claims = jwt.decode(
            token,
            jwt.PyJWK(key).key,
            algorithms=["RS256"],
            audience=issuer,
            issuer=catalog.org(course.org_slug).client_id,
        )
    except jwt.PyJWTError as exc:
        raise DeepLinkResponseError(f"The response is not valid: {exc}.") from exc
    if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkResponseError("The response is not an LtiDeepLinkingResponse.")
    if claims.get(DL + "data") != f"demo:{course.key}":
        raise DeepLinkResponseError("The response does not echo the request's data.")
    items = claims.get(DL + "content_items") or []
    return [i for i in items if isinstance(i, dict) and i.get("type") == "ltiResourceLink"]


def _path(instance_path: str) -> Path:
    return Path(instance_path) / LINKS_FILE


def placed_links(instance_path: str, course_key: str) -> list[PlacedLink]:
    path = _path(instance_path)
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [PlacedLink(**link) for link in data.get(course_key, [])]


def place_links(
    instance_path: str, course_key: str, items: list[dict[str, Any]]
) -> list[PlacedLink]:
    """Keep the content items as links of the course; returns the new ones."""
    with _lock:
        path = _path(instance_path)
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        links = data.setdefault(course_key, [])
        added = []
        for item in items:
            found = item.get("custom")
            custom: dict[str, Any] = found if isinstance(found, dict) else {}
            placed = PlacedLink(
                number=len(links) + 1,
                title=str(item.get("title") or "lti-journeys")[:200],
                custom={str(k): str(v) for k, v in custom.items()},
            )
            links.append({"number": placed.number, "title": placed.title, "custom": placed.custom})
            added.append(placed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return added
