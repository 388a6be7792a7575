"""Fixtures of the LTI tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lti_tool.app import create_app
from lti_tool.db import get_database
from tests.conftest import make_settings
from tests.support.database import truncate_all

AppMaker = Callable[..., Flask]


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[AppMaker]:
    """Makes apps with settings changed by keyword; their data is removed afterwards."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        application = create_app(make_settings(database_url, **overrides))
        application.instance_path = str(tmp_path / "instance")
        application.config["TESTING"] = True
        made.append(application)
        return application

    yield make
    for application in made:
        database = get_database(application)
        truncate_all(database.engine)
        database.engine.dispose()


@pytest.fixture
def guarded_app(make_app: AppMaker) -> Flask:
    """An app as in production: calls to platforms reach public addresses only."""
    return make_app(outbound_allowed_networks="", demo_enabled=False)
