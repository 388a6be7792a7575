"""``lti-journeys org privacy --rotate-pseudonym-key``: a new key, only when confirmed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.lti.launches import registration_cache
from lti_tool.tenancy.models import AuditEvent, Organization
from tests.conftest import Launcher, session_token
from xapi.lrs.models import Statement

ROTATE = ["org", "privacy", "--org", "org-a", "--rotate-pseudonym-key"]


def _key(app: Flask) -> bytes:
    with get_database(app).session() as session:
        org = session.scalars(select(Organization).where(Organization.slug == "org-a")).one()
        return org.xapi_pseudonym_key


def _actor_names(app: Flask) -> list[str]:
    with get_database(app).session() as session:
        rows = session.scalars(select(Statement).order_by(Statement.seq))
        return [row.full["actor"]["account"]["name"] for row in rows]


def test_rotation_without_yes_is_refused_and_keeps_the_key(
    app: Flask, runner: FlaskCliRunner, launcher: Launcher
) -> None:
    before = _key(app)
    result = runner.invoke(args=ROTATE)
    assert result.exit_code != 0
    assert "Add --yes to rotate" in result.output
    assert _key(app) == before


def test_rotation_replaces_the_key_and_says_old_pseudonyms_no_longer_join(
    app: Flask, runner: FlaskCliRunner, launcher: Launcher
) -> None:
    before = _key(app)
    result = runner.invoke(args=[*ROTATE, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Old pseudonyms can no longer be joined with new ones" in result.output
    assert _key(app) != before
    with get_database(app).session() as session:
        kinds = session.scalars(select(AuditEvent.kind)).all()
    assert "xapi_pseudonym_key_rotated" in kinds


def test_rotation_changes_the_pseudonym_in_later_statements(
    app: Flask, runner: FlaskCliRunner, launcher: Launcher
) -> None:
    result = runner.invoke(args=["org", "privacy", "--org", "org-a", "--pseudonymise"])
    assert result.exit_code == 0, result.output
    session_token(launcher.launch(sub="user-90"))
    session_token(launcher.launch(sub="user-90"))
    assert runner.invoke(args=[*ROTATE, "--yes"]).exit_code == 0
    with app.app_context():
        registration_cache().clear()  # the organisation snapshot of launches expires
    session_token(launcher.launch(sub="user-90"))
    first, again, rotated = _actor_names(app)
    assert first == again != rotated
    assert "user-90" not in (first, rotated)
