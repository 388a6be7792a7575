"""A launch's custom ``unit_code`` gives a unit without a skolenhetskod its code, and only then."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.tenancy.models import Unit
from lti_tool.tenancy.services import add_unit, get_organization
from tests.conftest import Launcher, session_token


def _codes(app: Flask) -> dict[str, str | None]:
    with get_database(app).session() as session:
        return {u.name: u.school_unit_code for u in session.scalars(select(Unit))}


def test_launch_unit_code_sets_the_code_of_a_unit_without_one(
    launcher: Launcher, app: Flask
) -> None:
    session_token(launcher.launch(custom={"unit": "Norrskolan"}))
    session_token(launcher.launch(custom={"unit": "Norrskolan", "unit_code": " 12345678 "}))
    assert _codes(app) == {"Norrskolan": "12345678"}


def test_launch_unit_code_never_replaces_a_code(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch(custom={"unit": "Norrskolan", "unit_code": "12345678"}))
    session_token(launcher.launch(custom={"unit": "Norrskolan", "unit_code": "87654321"}))
    assert _codes(app) == {"Norrskolan": "12345678"}


def test_launch_invalid_unit_code_is_ignored_and_logged(
    launcher: Launcher, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lti_tool.tenancy.provisioning"):
        response = launcher.launch(custom={"unit": "Norrskolan", "unit_code": "1234567X"})
    session_token(response)
    assert _codes(app) == {"Norrskolan": None}
    assert "'1234567X' is not 8 digits" in caplog.text


def test_launch_unit_code_held_by_another_unit_is_ignored(
    launcher: Launcher, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with get_database(app).session() as session:
        add_unit(session, get_organization(session, "org-a"), "Södra skolan", "12345678")
    with caplog.at_level(logging.WARNING, logger="lti_tool.tenancy.provisioning"):
        response = launcher.launch(custom={"unit": "Norrskolan", "unit_code": "12345678"})
    session_token(response)
    assert _codes(app) == {"Södra skolan": "12345678", "Norrskolan": None}
    assert "holds it" in caplog.text


def test_launch_unit_code_without_unit_is_ignored(launcher: Launcher, app: Flask) -> None:
    session_token(launcher.launch(custom={"unit_code": "12345678"}))
    assert _codes(app) == {}
