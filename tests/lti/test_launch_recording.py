"""A launch records its ``launched`` statement in the embedded LRS, in the same transaction."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from tests.conftest import Launcher, session_token
from xapi.lrs.models import Statement


def _statements(app: Flask) -> list[Statement]:
    with get_database(app).session() as session:
        return list(session.scalars(select(Statement).order_by(Statement.seq)))


def test_launch_records_launched_statement(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch(sub="user-77"))
    stored = _statements(app)
    assert len(stored) == 1
    full = stored[0].full
    assert full["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert full["actor"]["account"] == {"homePage": launcher.platform.issuer, "name": "user-77"}
    assert (
        full["context"]["contextActivities"]["category"][0]["id"]
        == "https://w3id.org/xapi/lti-journeys/v2.1"
    )


def test_refused_launch_records_nothing(launcher: Launcher, app: Flask) -> None:
    response = launcher.launch(
        **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown"}
    )
    assert response.status_code == 403
    assert _statements(app) == []


def test_privacy_setting_applies_once_the_organisation_snapshot_expires(
    launcher: Launcher, app: Flask
) -> None:
    from lti_tool.lti.launches import registration_cache
    from lti_tool.tenancy.models import Organization

    session_token(launcher.launch(sub="user-78"))
    with get_database(app).session() as session:
        for org in session.scalars(select(Organization)):
            org.xapi_pseudonymise = True
        session.commit()
    session_token(launcher.launch(sub="user-78"))  # within the snapshot's lifetime
    with app.app_context():
        registration_cache().clear()  # what ten seconds do
    session_token(launcher.launch(sub="user-78"))
    names = [s.full["actor"]["account"]["name"] for s in _statements(app)]
    assert sorted(names[:2]) == ["user-78", "user-78"]
    assert names[2] != "user-78"
