"""LTI Deep Linking 1.0: the journeys an instructor picks go back to the platform as resource links.

The request's claims wait in the state store under the launch id (``adapter.deep_linking_key``);
the response consumes them, so each request gets exactly one response. The response is a JWT
signed with the tool's current key (its ``kid`` is in ``/lti/jwks``), posted by the browser to the
platform's ``deep_link_return_url``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l

from lti_tool.lti.adapter import CLAIM, DEEP_LINKING_SETTINGS, deep_linking_key
from lti_tool.lti.errors import LaunchError
from lti_tool.lti.keys import SigningKey
from lti_tool.lti.state_store import StateStore

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
RESOURCE_LINK = "ltiResourceLink"
RESPONSE_TTL_SECONDS = 600


@dataclass(frozen=True)
class DeepLinkingRequest:
    """What the platform asked for."""

    issuer: str
    client_id: str
    deployment_id: str
    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    targets: tuple[str, ...]
    # Opaque to the tool and echoed as sent: a string in most platforms, any JSON in some.
    data: Any
    offers_grades: bool

    @classmethod
    def of(cls, claims: dict[str, Any]) -> DeepLinkingRequest:
        settings = claims.get(DEEP_LINKING_SETTINGS) or {}
        return_url = settings.get("deep_link_return_url")
        if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
            raise LaunchError(
                "invalid_message", "The deep-linking request has no deep_link_return_url."
            )
        audience = claims.get("aud")
        client_id = audience[0] if isinstance(audience, list) and audience else audience
        data = settings.get("data")
        return cls(
            issuer=str(claims["iss"]),
            client_id=str(claims.get("azp") or client_id),
            deployment_id=str(claims[CLAIM + "deployment_id"]),
            return_url=return_url,
            accept_types=tuple(str(t) for t in settings.get("accept_types") or ()),
            accept_multiple=bool(settings.get("accept_multiple", True)),
            targets=tuple(
                str(t) for t in settings.get("accept_presentation_document_targets") or ()
            ),
            data=data,
            offers_grades=isinstance(claims.get(AGS_ENDPOINT), dict),
        )

    @property
    def accepts_links(self) -> bool:
        return not self.accept_types or RESOURCE_LINK in self.accept_types


@dataclass(frozen=True)
class PickedJourney:
    slug: str
    key: str
    title: str
    text: str


def pending_request(store: StateStore, launch_id: str) -> DeepLinkingRequest:
    """The request of a deep-linking launch, still waiting for its response."""
    claims = store.get(deep_linking_key(launch_id))
    if not isinstance(claims, dict):
        raise LaunchError(
            "deep_linking_expired",
            str(_l("This choice has expired or was already sent. Start again from your course.")),
        )
    return DeepLinkingRequest.of(claims)


def content_item(
    request: DeepLinkingRequest, journey: PickedJourney, launch_url: str
) -> dict[str, Any]:
    """One ``ltiResourceLink`` that launches the journey (and grades it, when the platform can)."""
    item: dict[str, Any] = {
        "type": RESOURCE_LINK,
        "title": journey.title,
        "url": launch_url,
        "custom": {"journey": journey.slug},
    }
    if journey.text:
        item["text"] = journey.text
    if request.offers_grades:
        item["lineItem"] = {
            "scoreMaximum": 100,
            "label": journey.title,
            "resourceId": journey.key,
            "tag": "lti-journeys",
        }
    if "iframe" in request.targets:
        item["iframe"] = {"height": 900}
    elif "window" in request.targets:
        item["window"] = {"targetName": "_blank"}
    return item


def respond(
    store: StateStore,
    launch_id: str,
    journeys: list[PickedJourney],
    key: SigningKey,
    launch_url: str,
) -> tuple[str, str]:
    """The signed response JWT and where to post it; the request is consumed (single use)."""
    request = pending_request(store, launch_id)
    if journeys and not request.accepts_links:
        raise LaunchError(
            "deep_linking_unsupported",
            str(_l("The learning platform does not accept links to tools here.")),
        )
    if len(journeys) > 1 and not request.accept_multiple:
        raise LaunchError(
            "deep_linking_single", str(_l("The learning platform accepts one journey here."))
        )
    if store.take(deep_linking_key(launch_id)) is None:
        raise LaunchError(
            "deep_linking_expired",
            str(_l("This choice has expired or was already sent. Start again from your course.")),
        )
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": request.client_id,
        "aud": [request.issuer],
        "iat": now,
        "exp": now + RESPONSE_TTL_SECONDS,
        "nonce": uuid.uuid4().hex,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": request.deployment_id,
        DL + "content_items": [content_item(request, j, launch_url) for j in journeys],
    }
    if request.data is not None:
        claims[DL + "data"] = request.data
    if not journeys:
        claims[DL + "msg"] = "No journey was chosen."
    token = jwt.encode(claims, key.private_pem, algorithm=key.alg, headers={"kid": key.kid})
    return token, request.return_url
