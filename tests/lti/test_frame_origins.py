"""Framing: a session's pages may be framed only by its organisation's learning platforms."""

from __future__ import annotations

import json
import re

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, inspect
from werkzeug.test import TestResponse

from lti_tool import migrate
from lti_tool.db import get_database
from lti_tool.lti.frame_origins import check_origin, origin_of
from lti_tool.lti.models import Registration
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.services import add_organization
from lti_tool.validation import InvalidInputError
from tests.conftest import Launcher, session_token

SCHOOL = "https://skolan.instructure.test"
PRESENTATION = {"return_url": SCHOOL + "/courses/7/external_content/success/external_tool"}


def frame_ancestors(response: TestResponse) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"frame-ancestors ([^;]+)", policy)
    assert match, policy
    return match.group(1).split()


def _landing(launcher: Launcher, **claims: object) -> TestResponse:
    token = session_token(launcher.launch(**claims))
    return launcher.client.get("/home", query_string={"lt": token})


def test_origin_of_normalises_platform_urls() -> None:
    assert (
        origin_of("https://Skolan.Instructure.com/courses/1?x=1")
        == "https://skolan.instructure.com"
    )
    assert origin_of("https://lms.example.se:443/") == "https://lms.example.se"
    assert origin_of("http://127.0.0.1:5000/demo") == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://a.se;script-src",
        "https://*.instructure.com",
        "ftp://a.se",
        7,
    ],
)
def test_origin_of_refuses_what_is_no_origin(url: object) -> None:
    assert origin_of(url) is None


def test_check_origin_refuses_a_path_with_how_to_write_it() -> None:
    with pytest.raises(InvalidInputError, match=r"for example https://skolan\.instructure\.com"):
        check_origin("https://skolan.instructure.com/courses/1")


def test_session_page_is_framed_by_its_platforms_only(launcher: Launcher) -> None:
    sources = frame_ancestors(_landing(launcher))
    assert "*" not in sources
    assert "'self'" in sources
    assert launcher.platform.issuer in sources
    assert "https://lms.example.test" in sources


def test_launch_teaches_the_platform_pages_origin(launcher: Launcher) -> None:
    # Canvas: the issuer is canvas.instructure.com, the course pages the school's own host.
    assert SCHOOL not in frame_ancestors(_landing(launcher))
    assert SCHOOL in frame_ancestors(_landing(launcher, launch_presentation=PRESENTATION))
    assert SCHOOL in frame_ancestors(_landing(launcher))


def test_launch_teaches_tool_platform_url_origin(launcher: Launcher) -> None:
    platform = {"guid": "g-1", "url": "https://moodle.skolan.test/"}
    assert "https://moodle.skolan.test" in frame_ancestors(
        _landing(launcher, tool_platform=platform)
    )


def test_session_page_leaves_out_other_organisations_origins(
    app: Flask, launcher: Launcher
) -> None:
    with get_database(app).session() as session:
        org_b = add_organization(session, "org-b", "Organisation B")
        add_registration(
            session,
            org_b,
            issuer="https://other-lms.test",
            client_id="b",
            auth_login_url="https://other-lms.test/auth",
            auth_token_url="https://other-lms.test/token",
            keyset_url="https://other-lms.test/jwks",
        )
    assert "https://other-lms.test" not in frame_ancestors(_landing(launcher))


def test_anonymous_pages_may_be_framed_by_any_site(launcher: Launcher) -> None:
    assert frame_ancestors(launcher.client.get("/")) == ["*"]
    failed = launcher.post("not-a-jwt", launcher.login().state)
    assert failed.status_code == 400
    assert frame_ancestors(failed) == ["*"]


def test_platform_origins_cli_adds_lists_and_removes(
    runner: FlaskCliRunner, launcher: Launcher, registration: Registration
) -> None:
    reg = str(registration.id)
    added = runner.invoke(args=["platform", "origins", "add", "--registration", reg, SCHOOL + "/"])
    assert added.exit_code == 0, added.output
    assert SCHOOL in frame_ancestors(_landing(launcher))
    listed = runner.invoke(args=["platform", "origins", "list", "--registration", reg, "--json"])
    assert {"origin": SCHOOL, "source": "admin"} in json.loads(listed.output)
    removed = runner.invoke(args=["platform", "origins", "remove", "--registration", reg, SCHOOL])
    assert removed.exit_code == 0, removed.output
    assert SCHOOL not in frame_ancestors(_landing(launcher))


def test_platform_origins_add_refuses_a_bad_origin(
    runner: FlaskCliRunner, registration: Registration
) -> None:
    result = runner.invoke(
        args=["platform", "origins", "add", "--registration", str(registration.id), "*"]
    )
    assert result.exit_code != 0
    assert "is not valid" in result.output


def test_migration_0013_downgrades_and_upgrades(database_url: str) -> None:
    engine = create_engine(database_url)
    cfg = migrate.alembic_config(engine)
    previous = ScriptDirectory.from_config(cfg).get_revision("0013").down_revision
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, str(previous))
        assert "registration_origins" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert "registration_origins" in inspect(engine).get_table_names()
        assert migrate.pending_model_changes(engine) == []
    finally:
        migrate.upgrade(engine)
        engine.dispose()
