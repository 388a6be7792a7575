"""A journey goal's competency must be one of the organisation's competences once it has frameworks."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.db import get_database
from lti_tool.frameworks.services import import_document as import_framework
from lti_tool.journeys import authoring, editing
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from tests.conftest import Launcher
from tests.frameworks.conftest import FRAMEWORK_IRI, framework_document
from tests.journeys.conftest import described_document, launch_token

SELECTING = FRAMEWORK_IRI + "/1.1"


def _with_framework(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        import_framework(session, registration.organization_id, framework_document())


def _import(app: Flask, registration: Registration, competency: str) -> Journey:
    body = described_document().model_dump()
    body["goals"][0]["competency"] = competency
    document = type(described_document()).model_validate(body)
    with app.test_request_context(), get_database(app).session() as session:
        journey, _draft, _created = authoring.import_document(
            session, registration.organization_id, document
        )
        authoring.publish(session, journey)
        session.expunge(journey)
        return journey


def test_any_iri_is_accepted_without_frameworks(app: Flask, registration: Registration) -> None:
    journey = _import(app, registration, "https://example.org/elsewhere/1")
    assert journey.slug == "digital-kompetens"


def test_iri_under_a_framework_that_names_no_competence_is_refused(
    app: Flask, registration: Registration
) -> None:
    _with_framework(app, registration)
    with pytest.raises(JourneyError) as exc:
        _import(app, registration, FRAMEWORK_IRI + "/9.9")
    assert "goals[0].competency" in exc.value.detail
    assert "Teaching with digital tools" in exc.value.detail


def test_iri_outside_the_frameworks_is_refused(app: Flask, registration: Registration) -> None:
    _with_framework(app, registration)
    with pytest.raises(JourneyError) as exc:
        _import(app, registration, "https://example.org/elsewhere/1")
    assert exc.value.detail.startswith("goals[0].competency: https://example.org/elsewhere/1 ")


def test_a_competence_of_the_frameworks_is_accepted(app: Flask, registration: Registration) -> None:
    _with_framework(app, registration)
    assert _import(app, registration, SELECTING).slug == "digital-kompetens"


def test_editor_refuses_an_unknown_competency(app: Flask, registration: Registration) -> None:
    journey = _import(app, registration, SELECTING)
    _with_framework(app, registration)
    with app.test_request_context(), get_database(app).session() as session:
        row = session.get_one(Journey, journey.id)
        with pytest.raises(editing.EditError) as exc:
            editing.save_goal(
                session, row, {"title": "Mål", "competency": FRAMEWORK_IRI + "/saknas"}
            )
    assert exc.value.problems[0].startswith(FRAMEWORK_IRI + "/saknas ")
    assert "Teaching with digital tools" in exc.value.problems[0]


def test_player_shows_the_competence_code_and_title(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    _with_framework(app, registration)
    _import(app, registration, SELECTING)
    token = launch_token(launcher)
    page = client.get(
        "/journeys/digital-kompetens", query_string={"lt": token, "skip": "1", "lang": "en"}
    ).get_data(as_text=True)
    assert "Competence: 1.1 Selecting resources" in page
