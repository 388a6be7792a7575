"""Calling the platform's Assignment and Grade Services (LTI AGS 2.0): line items and scores.

A score goes to ``{line item}/scores``; the line item is the one the launch named (a deep-linked
link with a ``lineItem``, or Moodle's "grade sync only"), else the tool finds the line item of the
resource link in the course's line items, or creates it, when the platform granted the line-item
scope. Errors carry the HTTP status so that the caller can tell a refusal (kept, with the
platform's reason) from an outage (retried).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.outbound import HttpError, HttpResponse
from lti_tool.lti.services import (
    AccessTokens,
    ServiceError,
    ServiceRegistration,
    json_body,
    reason_of,
)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
TAG = "lti-journeys"
MAX_LINEITEM_PAGES = 20
MAX_ANSWER_BYTES = 1024 * 1024
# Statuses after which the same request may succeed later: the platform is busy or down.
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


class AgsError(ServiceError):
    """The platform refused or failed an AGS call; ``transient``: worth trying again later."""

    def __init__(self, message: str, status: int | None, *, transient: bool) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


@dataclass(frozen=True)
class Score:
    """One AGS score; ``score_given`` None sends progress without a grade."""

    user_id: str
    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    timestamp: datetime

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.user_id,
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
            # ISO 8601 with milliseconds and an offset, as AGS requires.
            "timestamp": self.timestamp.isoformat(timespec="milliseconds"),
        }
        if self.score_given is not None:
            body["scoreGiven"] = self.score_given
            body["scoreMaximum"] = self.score_maximum
        return body


@dataclass(frozen=True)
class LineItemRequest:
    """What the tool's line item of a resource link looks like, when it must be created."""

    resource_link_id: str
    label: str
    resource_id: str | None
    score_maximum: float = 100.0


def scores_url(lineitem_url: str) -> str:
    """``{line item}/scores``, with the line item URL's query string kept (Moodle has one)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class GradeService:
    """AGS calls of one registration, with access tokens from the shared cache."""

    def __init__(
        self,
        tokens: AccessTokens,
        registration: ServiceRegistration,
        key: SigningKey,
        granted: list[str],
    ) -> None:
        self.tokens = tokens
        self.registration = registration
        self.key = key
        self.granted = set(granted)

    @property
    def can_manage_lineitems(self) -> bool:
        return SCOPE_LINEITEM in self.granted

    def _token(self, *scopes: str) -> str:
        try:
            return self.tokens.get(self.registration, scopes, self.key)
        except ServiceError as exc:
            # A token URL that is down or refuses us now may answer later (or after a fix).
            raise AgsError(str(exc), None, transient=True) from exc

    def _call(
        self,
        method: str,
        url: str,
        scopes: tuple[str, ...],
        headers: dict[str, str],
        body: Any = None,
    ) -> HttpResponse:
        headers["Authorization"] = f"Bearer {self._token(*scopes)}"
        try:
            response = self.tokens.policy.request(
                method,
                url,
                headers=headers,
                body=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
                max_bytes=MAX_ANSWER_BYTES,
            )
        except HttpError as exc:
            # The kind (refused address, timeout, closed port) is logged by the policy.
            raise AgsError(
                "The platform's grade service could not be reached.", None, transient=True
            ) from exc
        if response.status == 401:
            # An access token the platform no longer accepts: forget it; the retry gets another.
            self.tokens.forget(self.registration.id)
            raise AgsError(
                "The platform did not accept the access token (HTTP 401).", 401, transient=True
            )
        if response.status >= 300:
            raise AgsError(
                f"The platform refused the request (HTTP {response.status}): "
                f"{reason_of(json_body(response))}",
                response.status,
                transient=response.status in TRANSIENT,
            )
        return response

    def find_or_create_lineitem(self, lineitems_url: str, wanted: LineItemRequest) -> str:
        """The URL of the resource link's line item in the course, created when there is none."""
        if not self.can_manage_lineitems:
            raise AgsError(
                "The platform sent no line item for this link and does not let the tool create "
                "one (the line-item scope is not granted).",
                None,
                transient=False,
            )
        scopes = (SCOPE_LINEITEM,)
        url: str | None = _with_query(lineitems_url, resource_link_id=wanted.resource_link_id)
        for _ in range(MAX_LINEITEM_PAGES):
            if url is None:
                break
            response = self._call("GET", url, scopes, {"Accept": LINEITEMS_MEDIA_TYPE})
            items = json_body(response)
            for item in items if isinstance(items, list) else []:
                if (
                    isinstance(item, dict)
                    and item.get("resourceLinkId") == wanted.resource_link_id
                    and isinstance(item.get("id"), str)
                ):
                    return str(item["id"])
            url = response.next_link
        body: dict[str, Any] = {
            "scoreMaximum": wanted.score_maximum,
            "label": wanted.label[:255],
            "resourceLinkId": wanted.resource_link_id,
            "tag": TAG,
        }
        if wanted.resource_id:
            body["resourceId"] = wanted.resource_id
        response = self._call(
            "POST",
            lineitems_url,
            scopes,
            {"Content-Type": LINEITEM_MEDIA_TYPE, "Accept": LINEITEM_MEDIA_TYPE},
            body,
        )
        created = json_body(response)
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise AgsError(
                "The platform created a line item but did not say its URL.",
                response.status,
                transient=False,
            )
        return str(created["id"])

    def post_score(self, lineitem_url: str, score: Score) -> None:
        self._call(
            "POST",
            scores_url(lineitem_url),
            (SCOPE_SCORE,),
            {"Content-Type": SCORE_MEDIA_TYPE},
            score.body(),
        )
