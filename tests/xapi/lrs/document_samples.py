"""Parameters and small helpers for the document resource tests (state and profiles)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.test import TestResponse

from tests.xapi.lrs.conftest import LrsClient

ACTIVITY_ID = "http://example.com/activities/course-1"
OTHER_ACTIVITY_ID = "http://example.com/activities/course-2"
AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
OTHER_AGENT = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
REGISTRATION = "9a3bd7d4-0d55-4b3e-9a2d-5c0e0c8e6f01"

STATE = "activities/state"
ACTIVITY_PROFILE = "activities/profile"
AGENT_PROFILE = "agents/profile"


def state_params(state_id: str | None = "bookmark", **more: str) -> dict[str, str]:
    params = {"activityId": ACTIVITY_ID, "agent": json.dumps(AGENT)}
    if state_id is not None:
        params["stateId"] = state_id
    params.update(more)
    return params


def activity_profile_params(profile_id: str | None = "settings", **more: str) -> dict[str, str]:
    params = {"activityId": ACTIVITY_ID}
    if profile_id is not None:
        params["profileId"] = profile_id
    params.update(more)
    return params


def agent_profile_params(profile_id: str | None = "preferences", **more: str) -> dict[str, str]:
    params = {"agent": json.dumps(AGENT)}
    if profile_id is not None:
        params["profileId"] = profile_id
    params.update(more)
    return params


@dataclass(frozen=True)
class Resource:
    """A document resource: its path and how to build its parameters."""

    name: str
    path: str
    build: Callable[..., dict[str, str]]

    def single(self, document_id: str = "doc-1", **more: str) -> dict[str, str]:
        return self.build(document_id, **more)

    def many(self, **more: str) -> dict[str, str]:
        return self.build(None, **more)


RESOURCES = {
    "state": Resource("state", STATE, state_params),
    "activity_profile": Resource("activity_profile", ACTIVITY_PROFILE, activity_profile_params),
    "agent_profile": Resource("agent_profile", AGENT_PROFILE, agent_profile_params),
}
PROFILES = ("activity_profile", "agent_profile")


def put_json(
    lrs: LrsClient, path: str, params: dict[str, str], body: Any, **headers: str
) -> TestResponse:
    return lrs.put(path, params=params, json_body=body, headers=headers)


def store(lrs: LrsClient, path: str, params: dict[str, str], body: Any) -> str:
    """Create a document (If-None-Match: * works on every resource and version); its ETag."""
    response = put_json(lrs, path, params, body, **{"If-None-Match": "*"})
    assert response.status_code == 204, response.get_data(as_text=True)
    etag: str = response.headers["ETag"]
    return etag


def fetch(lrs: LrsClient, path: str, params: dict[str, str]) -> TestResponse:
    response = lrs.get(path, params=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def ids(lrs: LrsClient, path: str, params: dict[str, str]) -> list[str]:
    response = fetch(lrs, path, params)
    found: list[str] = response.get_json()
    return found


def error_message(response: TestResponse) -> str:
    body = response.get_json(silent=True) or {}
    message: str = body.get("message", "")
    return message
