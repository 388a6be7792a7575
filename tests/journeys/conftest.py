"""Journey fixtures: a sample journey document, a published journey of org-a, launches into it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.models import Journey
from lti_tool.lti.models import Registration
from lti_tool.tenancy.models import Organization
from tests.conftest import Launcher, session_token

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = [LIS + "membership#Learner"]
INSTRUCTOR = [LIS + "membership#Instructor"]
# 9 values, each alias level repeating the one before 9 times: 9**9 values from 330 bytes.
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def sample_document(slug: str = "digital-kompetens", **overrides: Any) -> JourneyDocument:
    """A journey with two goals (one with a sub-goal) and one step of every type."""
    body: dict[str, Any] = {
        "slug": slug,
        "title": "Digital kompetens i undervisningen",
        "description": "Små steg med **direkt tillämpning** i klassrummet.",
        "language": "sv",
        "estimated_minutes": 90,
        "goals": [
            {
                "key": "goal-ai",
                "title": "Använda AI-verktyg kritiskt",
                "subgoals": [{"key": "goal-ai-sources", "title": "Granska källor"}],
            },
            {"key": "goal-feedback", "title": "Ge digital återkoppling"},
        ],
        "sections": [
            {
                "key": "section-start",
                "title": "Kom igång",
                "steps": [
                    {
                        "key": "step-read",
                        "title": "Läs om AI i skolan",
                        "goals": ["goal-ai"],
                        "content": {"type": "content", "body": "# AI i skolan\n\nLäs texten."},
                    },
                    {
                        "key": "step-reflect",
                        "title": "Reflektera",
                        "goals": ["goal-ai-sources"],
                        "content": {"type": "reflection", "prompt": "Hur granskar du källor?"},
                    },
                ],
            },
            {
                "key": "section-practice",
                "title": "Pröva",
                "steps": [
                    {
                        "key": "step-quiz",
                        "title": "Kunskapstest",
                        "goals": ["goal-feedback"],
                        "content": {
                            "type": "knowledge_check",
                            "mastery_score": 1.0,
                            "max_attempts": 3,
                            "questions": [
                                {
                                    "key": "q1",
                                    "kind": "single",
                                    "prompt": "Vilket är formativ återkoppling?",
                                    "choices": [
                                        {"key": "a", "text": "Ett betyg", "feedback": "Nej."},
                                        {
                                            "key": "b",
                                            "text": "Framåtsyftande kommentar",
                                            "correct": True,
                                            "feedback": "Ja!",
                                        },
                                    ],
                                },
                                {
                                    "key": "q2",
                                    "kind": "true_false",
                                    "prompt": "Stämmer?",
                                    "answer": True,
                                },
                                {
                                    "key": "q3",
                                    "kind": "numeric",
                                    "prompt": "2 + 2?",
                                    "answer": 4,
                                    "tolerance": 0,
                                },
                            ],
                        },
                    },
                    {
                        "key": "step-task",
                        "title": "Pröva i klassrummet",
                        "goals": ["goal-feedback"],
                        "content": {"type": "practice", "instructions": "Pröva och berätta."},
                    },
                ],
            },
        ],
    }
    body.update(overrides)
    return JourneyDocument.model_validate(body)


def organization_id(app: Flask, slug: str = "org-a") -> int:
    with get_database(app).session() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.slug == slug))
        assert org_id is not None
        return org_id


@pytest.fixture
def published_journey(app: Flask, registration: Registration) -> Journey:
    """``digital-kompetens`` of org-a, published as version 1."""
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, sample_document())
        publish(session, journey)
        session.expunge(journey)
        return journey


COMPETENCY = "https://example.org/competencies/digcompedu/2.1"


def described_document(**overrides: Any) -> JourneyDocument:
    """The sample journey with a described goal linked to a competency, and a numeric range."""
    body = sample_document().model_dump()
    body["goals"][0]["description"] = "Välja och granska AI-verktyg. " * 50
    body["goals"][0]["competency"] = COMPETENCY
    body["sections"][1]["steps"][0]["content"]["questions"][2]["tolerance"] = 0.5
    body.update(overrides)
    return JourneyDocument.model_validate(body)


def publish_document(app: Flask, registration: Registration, document: JourneyDocument) -> Journey:
    with get_database(app).session() as session:
        journey = create_journey(session, registration.organization_id, document)
        publish(session, journey)
        session.expunge(journey)
        return journey


@pytest.fixture
def described_journey(app: Flask, registration: Registration) -> Journey:
    """``digital-kompetens`` with a goal's description and competency and a numeric range."""
    return publish_document(app, registration, described_document())


@pytest.fixture
def optional_journey(app: Flask, registration: Registration) -> Journey:
    """``digital-kompetens`` whose mastered steps become optional instead of waived."""
    return publish_document(app, registration, sample_document(mastery_policy="optional"))


def launch_token(launcher: Launcher, roles: list[str] | None = None, **overrides: Any) -> str:
    """A launch into the journey (custom ``journey`` parameter) and its session token."""
    claims: dict[str, Any] = {"custom": {"journey": "digital-kompetens"}}
    if roles is not None:
        claims["roles"] = roles
    claims.update(overrides)
    return session_token(launcher.launch(**claims))
