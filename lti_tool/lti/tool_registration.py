"""The tool's side of a Dynamic Registration: what it asks a platform to register.

The platform's OpenID configuration (read by ``dynamic_registration``) says which scopes,
messages and substitution variables it supports; the tool asks only for what the platform offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti.ags import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE
from lti_tool.lti.platform_config import NRPS_SCOPE

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
WANTED_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, RESULT_SCOPE, SCOPE_SCORE, NRPS_SCOPE)
# Substitution variables that name the school (unit), in order of preference.
UNIT_VARIABLES = ("$Canvas.account.name", "$CourseSection.org")
DEEP_LINKING = "LtiDeepLinkingRequest"
RESOURCE_LINK = "LtiResourceLinkRequest"


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    scopes_supported: tuple[str, ...]
    product_family_code: str
    messages_supported: tuple[str, ...]
    variables: tuple[str, ...]


def client_registration(base_url: str, config: PlatformConfiguration) -> dict[str, Any]:
    """The tool's registration request (OpenID client metadata with the LTI tool configuration)."""
    launch = base_url + "/lti/launch"
    supported = set(config.scopes_supported)
    scopes = [s for s in WANTED_SCOPES if not supported or s in supported]
    canvas = config.product_family_code == "canvas"
    messages: list[dict[str, Any]] = [
        {
            "type": RESOURCE_LINK,
            "target_link_uri": launch,
            "label": "Läranderesor",
            "label#en": "Journeys",
            **({"placements": ["course_navigation"]} if canvas else {}),
        }
    ]
    if DEEP_LINKING in config.messages_supported or not config.messages_supported:
        messages.append(
            {
                "type": DEEP_LINKING,
                "target_link_uri": launch,
                "label": "Läranderesa",
                "label#en": "Journey",
                **(
                    {"placements": ["link_selection", "assignment_selection"]}
                    if canvas
                    else {"placements": ["ContentArea"]}
                ),
            }
        )
    custom: dict[str, str] = {}
    unit = next((v for v in UNIT_VARIABLES if v in config.variables), None)
    if unit is not None:
        custom["unit"] = unit
    tool: dict[str, Any] = {
        "domain": urlsplit(base_url).netloc,
        "target_link_uri": launch,
        "description": (
            "Läranderesor för kompetensutveckling: mål och delmål, små steg, självskattning och "
            "uppföljning."
        ),
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
        "messages": messages,
    }
    if custom:
        tool["custom_parameters"] = custom
    if canvas:
        tool["https://canvas.instructure.com/lti/privacy_level"] = "public"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base_url + "/lti/login",
        # Every URL the tool sends a platform back to: Moodle matches redirect_uri exactly.
        "redirect_uris": [launch],
        "client_name": "lti-journeys",
        "client_name#sv": "Läranderesor",
        "jwks_uri": base_url + "/lti/jwks",
        "logo_uri": base_url + "/static/icon.svg",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: tool,
    }
