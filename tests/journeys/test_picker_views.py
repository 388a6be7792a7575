"""Deep linking: the picker, the signed response, single use, the platform's settings honoured."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.db import get_database
from lti_tool.journeys import authoring
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher, session_token
from tests.journeys.conftest import INSTRUCTOR, LEARNER, sample_document

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RETURN_URL = "https://lms.example.test/deep_link_return"


def _dl_launch(launcher: Launcher, roles: list[str] | None = None, **settings: Any) -> str:
    claims: dict[str, Any] = {
        "message_type": "LtiDeepLinkingRequest",
        "resource_link": None,
        "roles": roles or INSTRUCTOR,
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": "opaque-platform-data",
            **settings,
        },
    }
    response = launcher.launch(**claims)
    assert "/lti/deep-linking" in response.headers.get("Location", ""), response.get_data(True)
    return session_token(response)


def _response_claims(client: FlaskClient, html: str) -> dict[str, Any]:
    match = re.search(r'action="([^"]+)".*name="JWT" value="([^"]+)"', html, re.S)
    assert match, html
    assert unescape(match.group(1)) == RETURN_URL
    token = match.group(2)
    header = jwt.get_unverified_header(token)
    keyset = client.get("/lti/jwks").get_json()
    key = next(k for k in keyset["keys"] if k["kid"] == header["kid"])
    public = jwt.PyJWK(key).key
    return jwt.decode(token, public, algorithms=["RS256"], audience="https://lms.example.test")


def test_deep_linking_launch_opens_the_picker_with_published_journeys(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _dl_launch(launcher)
    page = client.get("/lti/deep-linking", query_string={"lt": token})
    assert page.status_code == 200
    assert "Digital kompetens i undervisningen" in page.get_data(as_text=True)


def test_the_response_is_a_signed_resource_link_per_journey(
    app: Flask,
    client: FlaskClient,
    launcher: Launcher,
    published_journey: Journey,
    registration: Registration,
) -> None:
    token = _dl_launch(launcher)
    answer = client.post(
        "/lti/deep-linking", data={"lt": token, "journey": str(published_journey.id)}
    )
    assert answer.status_code == 200
    claims = _response_claims(client, answer.get_data(as_text=True))
    assert claims["iss"] == registration.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingResponse"
    )
    assert claims[DL + "data"] == "opaque-platform-data"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"journey": "digital-kompetens"}
    assert item["url"] == "http://tool.test/lti/launch"
    assert item["iframe"] == {"height": 900}
    assert "lineItem" not in item  # the platform offered no grade service


def test_a_line_item_is_added_when_the_platform_offers_grades(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    ags = {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitems": "https://lms.example.test/lineitems",
    }
    response = launcher.launch(
        message_type="LtiDeepLinkingRequest",
        resource_link=None,
        roles=INSTRUCTOR,
        **{
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags,
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": RETURN_URL,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
            },
        },
    )
    token = session_token(response)
    answer = client.post(
        "/lti/deep-linking", data={"lt": token, "journey": str(published_journey.id)}
    )
    [item] = _response_claims(client, answer.get_data(as_text=True))[DL + "content_items"]
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["resourceId"] == published_journey.key


def test_a_response_is_sent_once(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _dl_launch(launcher)
    data = {"lt": token, "journey": str(published_journey.id)}
    assert client.post("/lti/deep-linking", data=data).status_code == 200
    again = client.post("/lti/deep-linking", data=data)
    assert again.status_code == 400
    assert "deep_linking_expired" in again.get_data(as_text=True)


def test_two_journeys_are_refused_when_the_platform_accepts_one(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        other = authoring.create_journey(
            session, published_journey.organization_id, sample_document(slug="andra")
        )
        authoring.publish(session, other)
        other_id = other.id
    token = _dl_launch(launcher, accept_multiple=False)
    answer = client.post(
        "/lti/deep-linking",
        data={"lt": token, "journey": [str(published_journey.id), str(other_id)]},
    )
    assert answer.status_code == 400


def test_learners_cannot_deep_link(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _dl_launch(launcher, roles=LEARNER)
    assert client.get("/lti/deep-linking", query_string={"lt": token}).status_code == 403


def test_a_library_journey_is_copied_into_the_organisation_when_chosen(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        shared = authoring.create_journey(session, other.id, sample_document(shared=True))
        authoring.publish(session, shared)
        shared_id = shared.id
    token = _dl_launch(launcher)
    assert "Digital kompetens" in client.get(
        "/lti/deep-linking", query_string={"lt": token}
    ).get_data(as_text=True)
    answer = client.post("/lti/deep-linking", data={"lt": token, "journey": str(shared_id)})
    [item] = _response_claims(client, answer.get_data(as_text=True))[DL + "content_items"]
    with get_database(app).session() as session:
        copy = authoring.journey_by_slug(session, registration.organization_id, "digital-kompetens")
        assert copy is not None and copy.copied_from_id == shared_id
        assert authoring.latest_published(session, copy) is not None
    assert item["custom"] == {"journey": "digital-kompetens"}


def test_picker_refuses_another_organisations_unpublished_journey(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        draft_only = authoring.create_journey(session, other.id, sample_document(shared=True))
        draft_id = draft_only.id
    token = _dl_launch(launcher)
    answer = client.post("/lti/deep-linking", data={"lt": token, "journey": str(draft_id)})
    assert answer.status_code == 404
    with get_database(app).session() as session:
        assert (
            authoring.journey_by_slug(session, registration.organization_id, "digital-kompetens")
            is None
        )


def test_a_platform_that_takes_no_links_is_refused_at_launch(
    launcher: Launcher, published_journey: Journey
) -> None:
    response = launcher.launch(
        message_type="LtiDeepLinkingRequest",
        resource_link=None,
        roles=INSTRUCTOR,
        **{
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": RETURN_URL,
                "accept_types": ["file", "html"],
                "accept_presentation_document_targets": ["iframe"],
            }
        },
    )
    assert response.status_code == 400
    assert "resource link" in response.get_data(as_text=True)


def test_the_preview_shows_the_goals_and_the_steps(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    page = client.get("/lti/deep-linking", query_string={"lt": _dl_launch(launcher)})
    text = page.get_data(as_text=True)
    assert "Använda AI-verktyg kritiskt" in text
    assert "Läs om AI i skolan" in text and "Kunskapstest" in text


def test_picker_ignores_journey_ids_in_other_digits(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _dl_launch(launcher)
    answer = client.post("/lti/deep-linking", data={"lt": token, "journey": ["²", "9" * 5000]})
    assert answer.status_code == 400
