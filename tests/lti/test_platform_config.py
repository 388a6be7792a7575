"""The Canvas developer-key JSON."""

from __future__ import annotations

from flask.testing import FlaskClient

from lti_tool.lti.platform_config import AGS_SCOPES, NRPS_SCOPE


def test_canvas_json_points_at_the_tools_endpoints(client: FlaskClient) -> None:
    config = client.get("/lti/config/canvas.json").get_json()
    assert config["oidc_initiation_url"] == "http://tool.test/lti/login"
    assert config["target_link_uri"] == "http://tool.test/lti/launch"
    assert config["public_jwk_url"] == "http://tool.test/lti/jwks"
    assert config["custom_fields"] == {"unit": "$Canvas.account.name"}
    assert set(config["scopes"]) == {*AGS_SCOPES, NRPS_SCOPE}


def test_canvas_json_offers_deep_linking_and_course_navigation(client: FlaskClient) -> None:
    [extension] = client.get("/lti/config/canvas.json").get_json()["extensions"]
    assert extension["domain"] == "tool.test"
    assert extension["privacy_level"] == "public"
    placements = {p["placement"]: p["message_type"] for p in extension["settings"]["placements"]}
    assert placements == {
        "link_selection": "LtiDeepLinkingRequest",
        "assignment_selection": "LtiDeepLinkingRequest",
        "course_navigation": "LtiResourceLinkRequest",
    }


def test_the_icon_is_served(client: FlaskClient) -> None:
    with client.get("/static/icon.svg") as response:
        assert response.status_code == 200 and b"<svg" in response.data
