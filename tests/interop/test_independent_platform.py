"""Launch, deep linking, grade passback and rosters against an LTI platform we did not write.

The platform is the ``lti1p3platform`` package (see ``tests/support/independent_platform.py``),
driven over HTTP: its OIDC login initiation, its authorisation endpoint and signed id_tokens, its
token endpoint (which checks our signed client assertion), its AGS and NRPS services (which check
our access tokens) and its validation of our signed deep-linking response.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.cli.lti import passback_worker, roster_worker
from lti_tool.db import get_database
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.lti import registrations
from lti_tool.tenancy.models import Context, Person, ResourceLink, RosterMember
from lti_tool.tenancy.services import add_organization
from tests.journeys.conftest import sample_document
from tests.support.independent_platform import LIS, IndependentPlatform

LEARNER = [LIS + "membership#Learner"]
INSTRUCTOR = [LIS + "membership#Instructor"]


@pytest.fixture
def independent(app: Flask, client: FlaskClient) -> Iterator[IndependentPlatform]:
    """The platform, registered with the tool for org-a, with a published journey and a class."""
    settings = app.config["LTI_JOURNEYS_SETTINGS"]
    platform = IndependentPlatform(settings.base_url, client.get("/lti/jwks").get_json())
    platform.start()
    platform.members = [
        {"user_id": "teacher-1", "name": "Tove Lärare", "roles": INSTRUCTOR},
        {"user_id": "learner-1", "name": "Lo Elev", "email": "lo@example.test", "roles": LEARNER},
        {"user_id": "learner-2", "name": "Nils Nykomling", "roles": LEARNER},
    ]
    with get_database(app).session() as session:
        org = add_organization(session, "org-a", "Organisation A")
        registrations.add_registration(
            session,
            org,
            issuer=platform.base_url,
            client_id=platform.client_id,
            auth_login_url=platform.base_url + "/auth",
            auth_token_url=platform.base_url + "/token",
            keyset_url=platform.base_url + "/jwks",
            deployment_ids=(platform.deployment_id,),
        )
        publish(session, create_journey(session, org.id, sample_document()))
    yield platform
    platform.stop()


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def launch(client: FlaskClient, platform: IndependentPlatform, kind: str, user: str) -> str:
    """The browser's part of an OIDC launch; returns the tool's session token."""
    started = requests.get(
        platform.base_url + "/start",
        params={"kind": kind, "user": user},
        allow_redirects=False,
        timeout=10,
    )
    assert started.status_code == 302, started.text
    login = client.get(_local(started.headers["Location"]))
    assert login.status_code == 302, login.get_data(as_text=True)
    authorised = requests.get(login.headers["Location"], timeout=10)
    assert authorised.status_code == 200, authorised.text
    form = dict(re.findall(r'name="(id_token|state)" value="([^"]+)"', authorised.text))
    action = unescape(re.search(r'action="([^"]+)"', authorised.text).group(1))  # type: ignore[union-attr]
    launched = client.post(_local(action), data=form)
    assert launched.status_code == 303, launched.get_data(as_text=True)
    token = re.search(r"[?&]lt=([^&]+)", launched.headers["Location"])
    assert token is not None
    return token.group(1)


def test_a_learner_launches_into_the_linked_journey(
    app: Flask, client: FlaskClient, independent: IndependentPlatform
) -> None:
    token = launch(client, independent, "resource", "learner-1")
    page = client.get("/journeys/digital-kompetens", query_string={"lt": token})
    assert page.status_code in (200, 303)
    with get_database(app).session() as session:
        person = session.scalars(select(Person).where(Person.sub == "learner-1")).one()
        assert person.name == "Lo Elev" and person.email == "lo@example.test"


def test_scores_reach_the_platforms_gradebook(
    app: Flask, client: FlaskClient, independent: IndependentPlatform
) -> None:
    token = launch(client, independent, "resource", "learner-1")
    base = "/journeys/digital-kompetens"
    client.get(base, query_string={"lt": token, "skip": "1"})
    assert client.get(base + "/steps/step-read", query_string={"lt": token}).status_code == 200
    with app.app_context():
        totals = passback_worker(app).drain()
    assert totals.dead == 0 and totals.retried == 0
    # The platform's launch named no line item: the tool created one for the link.
    [item] = independent.lineitems.values()
    assert item["resourceLinkId"] == "interop-link" and item["scoreMaximum"] == 100
    score = independent.scores[-1]
    assert score["userId"] == "learner-1"
    assert score["scoreGiven"] == 25.0 and score["activityProgress"] == "InProgress"
    with get_database(app).session() as session:
        assert session.scalars(select(ResourceLink.lineitem_url)).one() == item["id"]


def test_the_roster_lists_members_who_never_launched(
    app: Flask, client: FlaskClient, independent: IndependentPlatform
) -> None:
    token = launch(client, independent, "resource", "teacher-1")
    with get_database(app).session() as session:
        course = session.scalars(select(Context.id)).one()
    url = f"/courses/{course}/journeys/digital-kompetens"
    assert client.get(url, query_string={"lt": token}).status_code == 200  # queues the fetch
    assert roster_worker(app).drain().fetched == 1
    page = client.get(url, query_string={"lt": token})
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "Nils Nykomling" in page.get_data(as_text=True)
    with get_database(app).session() as session:
        subs = set(session.scalars(select(RosterMember.sub)))
    assert subs == {"teacher-1", "learner-1", "learner-2"}


def test_an_instructor_deep_links_a_journey_the_platform_accepts(
    client: FlaskClient, independent: IndependentPlatform
) -> None:
    token = launch(client, independent, "deeplink", "teacher-1")
    picker = client.get("/lti/deep-linking", query_string={"lt": token})
    assert picker.status_code == 200
    journey_id = re.search(r'name="journey" value="(\d+)"', picker.get_data(as_text=True))
    assert journey_id is not None
    answer = client.post("/lti/deep-linking", data={"lt": token, "journey": journey_id.group(1)})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    action = unescape(re.search(r'action="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    jwt_value = re.search(r'name="JWT" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    returned = requests.post(action, data={"JWT": jwt_value}, timeout=10)
    assert returned.status_code == 200, returned.text
    [item] = independent.deep_link_items
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"journey": "digital-kompetens"}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert independent.deep_link_data == {"opaque": "echo-me"}
