"""Each organisation pseudonymises people with a random key of its own, kept in the database."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from lti_tool.app import create_app
from lti_tool.db import get_database
from lti_tool.recording import get_recording
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import add_organization
from tests.conftest import make_settings
from xapi.statements import Person, actor_agent

LEARNER = Person(issuer="https://lms.example.test", sub="user-42")


def _pseudonym(app: Flask) -> str:
    with get_database(app).session() as session:
        org = session.scalars(select(Organization).where(Organization.slug == "norrstad")).one()
        name: str = actor_agent(LEARNER, get_recording(app).policy(org)).account.name
        return name


def test_new_organisations_get_random_keys_of_their_own(app: Flask) -> None:
    with get_database(app).session() as session:
        first = add_organization(session, "norrstad", "Norrstads kommun")
        second = add_organization(session, "soderby", "Söderby kommun")
        keys = (first.xapi_pseudonym_key, second.xapi_pseudonym_key)
    assert all(len(key) == 32 for key in keys)
    assert keys[0] != keys[1]


def test_pseudonym_stays_when_the_secret_key_changes(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    with get_database(app).session() as session:
        org = add_organization(session, "norrstad", "Norrstads kommun")
        org.xapi_pseudonymise = True
        session.commit()
    rotated = create_app(
        make_settings(database_url, secret_key="another-secret-key-after-rotation-9876543210")
    )
    rotated.instance_path = str(tmp_path / "rotated")
    try:
        assert _pseudonym(rotated) == _pseudonym(app) != LEARNER.sub
    finally:
        get_database(rotated).engine.dispose()
