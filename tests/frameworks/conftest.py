"""Framework fixtures: a session, two organisations, a small framework as a document and as CASE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.frameworks.document import FrameworkDocument, settle
from lti_tool.tenancy.services import add_organization

SAMPLES = Path(__file__).parent / "samples"
SMALL_CASE = SAMPLES / "small-case.json"
SMALL_IRI = "https://frameworks.example.org/uri/9f1c2a30-0000-4000-8000-000000000001"
ITEM = "https://frameworks.example.org/uri/9f1c2a30-0000-4000-8000-0000000000"
FRAMEWORK_IRI = "https://example.org/frameworks/undervisning"


def small_case() -> dict[str, Any]:
    """The small CASE package of the samples, as data to change in a test."""
    data: dict[str, Any] = json.loads(SMALL_CASE.read_text(encoding="utf-8"))
    return data


def framework_data(**overrides: Any) -> dict[str, Any]:
    """A framework in our format: two areas, three competences, three levels."""
    data: dict[str, Any] = {
        "iri": FRAMEWORK_IRI,
        "title": {"sv": "Undervisning med digitala verktyg", "en": "Teaching with digital tools"},
        "version": "1",
        "source": "Exempelkommunen",
        "licence": "CC BY 4.0",
        "levels": [
            {"code": "L1", "name": {"sv": "Början", "en": "Beginning"}},
            {"code": "L2", "descriptor": {"sv": "Självständig", "en": "Independent"}},
            {"code": "L3"},
        ],
        "competences": [
            {
                "code": "1",
                "title": {"sv": "Planera", "en": "Planning"},
                "competences": [
                    {
                        "code": "1.1",
                        "title": {"sv": "Välja resurser", "en": "Selecting resources"},
                        "description": {"sv": "Välja det som passar målen."},
                    },
                    {"code": "1.2", "title": {"en": "Sequencing"}},
                ],
            },
            {
                "code": "2",
                "iri": "https://example.org/competences/feedback",
                "title": {"sv": "Återkoppla"},
            },
        ],
    }
    data.update(overrides)
    return data


def framework_document(**overrides: Any) -> FrameworkDocument:
    document = FrameworkDocument.model_validate(framework_data(**overrides))
    assert settle(document) == []
    return document


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with get_database(app).session() as db_session:
        yield db_session


@pytest.fixture
def org_a(session: Session) -> int:
    org = add_organization(session, "org-a", "Organisation A")
    return org.id


@pytest.fixture
def org_b(session: Session) -> int:
    org = add_organization(session, "org-b", "Organisation B")
    return org.id
