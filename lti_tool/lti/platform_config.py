"""Configuration documents that learning platforms read to register the tool."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def canvas_developer_key(base_url: str) -> dict[str, Any]:
    """Canvas's LTI 1.3 developer-key JSON (Admin → Developer Keys → LTI Key → Paste JSON)."""
    launch = base_url + "/lti/launch"
    icon = base_url + "/static/icon.svg"
    return {
        "title": "lti-journeys",
        "description": (
            "Läranderesor för kompetensutveckling: mål och delmål, små steg, självskattning och "
            "uppföljning. Competence-development journeys with goals, steps, self-assessment and "
            "follow-up."
        ),
        "oidc_initiation_url": base_url + "/lti/login",
        "target_link_uri": launch,
        "public_jwk_url": base_url + "/lti/jwks",
        "scopes": [*AGS_SCOPES, NRPS_SCOPE],
        "custom_fields": {"unit": "$Canvas.account.name"},
        "extensions": [
            {
                "domain": urlsplit(base_url).hostname,
                "tool_id": "lti-journeys",
                "platform": "canvas.instructure.com",
                # Names and e-mail let instructors recognise their learners in the follow-up.
                "privacy_level": "public",
                "settings": {
                    "text": "lti-journeys",
                    "icon_url": icon,
                    "placements": [
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch,
                            "text": "Läranderesa",
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch,
                            "text": "Läranderesa",
                        },
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": launch,
                            "text": "Läranderesor",
                            "visibility": "members",
                            "default": "enabled",
                        },
                    ],
                },
            }
        ],
    }
