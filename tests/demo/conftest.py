"""Demo fixtures: an app whose database holds the seeded demo."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.tenancy.models import Organization, Person, Unit


@pytest.fixture
def seeded(app: Flask, runner: FlaskCliRunner) -> Flask:
    """The app after ``lti-journeys demo seed``."""
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return app


def organization(session: Session, slug: str = "demo-norrstad") -> Organization:
    return session.scalars(select(Organization).where(Organization.slug == slug)).one()


def unit(session: Session, name: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.name == name)).one()


def person(session: Session, sub: str, slug: str = "demo-norrstad") -> Person:
    org = organization(session, slug)
    return session.scalars(
        select(Person).where(Person.organization_id == org.id, Person.sub == sub)
    ).one()
