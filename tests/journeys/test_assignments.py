"""Journeys assigned to the organisation, a school unit or chosen by a person."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys import assignments
from lti_tool.journeys.authoring import create_journey
from lti_tool.journeys.errors import JourneyConflictError, JourneyError
from lti_tool.journeys.models import Assignment, AssignmentLevel, Journey
from lti_tool.lti.models import Registration
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Unit
from tests.conftest import Launcher, session_token
from tests.journeys.conftest import sample_document


def test_organisation_assignment_shows_on_every_learners_landing(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        assignments.assign(
            session, journey, AssignmentLevel.ORGANIZATION, recording=get_recording(app)
        )
    token = session_token(launcher.launch())
    page = client.get("/home", query_string={"lt": token}).get_data(as_text=True)
    assert "Digital kompetens i undervisningen" in page
    assert "/journeys/digital-kompetens?" in page


def test_unit_assignment_reaches_only_courses_of_that_unit(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    first = session_token(launcher.launch(custom={"unit": "Norrskolan"}))
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        norr = session.scalars(select(Unit).where(Unit.name == "Norrskolan")).one()
        assert journey is not None
        assignments.assign(
            session, journey, AssignmentLevel.UNIT, unit=norr, recording=get_recording(app)
        )
    page = client.get("/home", query_string={"lt": first}).get_data(as_text=True)
    assert "Norrskolan" in page
    other = session_token(
        launcher.launch(context={"id": "course-9", "title": "Annan"}, custom={"unit": "Söder"})
    )
    page = client.get("/home", query_string={"lt": other}).get_data(as_text=True)
    assert "/journeys/digital-kompetens/choose" in page  # offered to choose, not assigned


def test_choosing_a_journey_records_an_individual_assignment(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = session_token(launcher.launch())
    response = client.post("/journeys/digital-kompetens/choose", data={"lt": token})
    assert response.status_code == 303
    with get_database(app).session() as session:
        levels = session.scalars(select(Assignment.level)).all()
    assert levels == [AssignmentLevel.INDIVIDUAL]


def test_the_same_assignment_twice_is_refused(app: Flask, published_journey: Journey) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        assignments.assign(
            session, journey, AssignmentLevel.ORGANIZATION, recording=get_recording(app)
        )
        with pytest.raises(JourneyConflictError):
            assignments.assign(
                session, journey, AssignmentLevel.ORGANIZATION, recording=get_recording(app)
            )


def test_an_unpublished_journey_cannot_be_assigned(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, sample_document())
        with pytest.raises(JourneyError):
            assignments.assign(
                session, journey, AssignmentLevel.ORGANIZATION, recording=get_recording(app)
            )
