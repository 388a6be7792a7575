"""Session tokens in URLs: redirects leave the token out when the browser's cookie carries it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.lti.models import Registration
from lti_tool.lti.session_token import COOKIE
from tests.conftest import Launcher, session_token
from tests.journeys.conftest import INSTRUCTOR
from tests.support.platform import TestPlatform

NEW_JOURNEY = {"title": "Ny resa", "slug": "ny-resa"}


def _launched(app: Flask, platform: TestPlatform) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, session_token(Launcher(client, platform).launch(roles=INSTRUCTOR))


def test_redirect_leaves_token_out_when_cookie_carries_it(
    app: Flask, platform: TestPlatform, registration: Registration
) -> None:
    client, token = _launched(app, platform)
    created = client.post("/author/journeys", data={"lt": token, **NEW_JOURNEY})
    assert created.status_code == 303
    assert "lt=" not in created.headers["Location"]
    assert "created" in created.headers["Location"]
    assert client.get(created.headers["Location"]).status_code == 200


def test_redirect_keeps_token_without_cookie(
    app: Flask, platform: TestPlatform, registration: Registration
) -> None:
    client, token = _launched(app, platform)
    client.delete_cookie(COOKIE)
    created = client.post("/author/journeys", data={"lt": token, **NEW_JOURNEY})
    assert created.status_code == 303
    assert f"lt={token}" in created.headers["Location"]


def test_redirect_keeps_token_when_cookie_is_another_launch(
    app: Flask, platform: TestPlatform, registration: Registration
) -> None:
    # Two launches in two tabs: the cookie is the later one's, the form the earlier one's.
    client, first = _launched(app, platform)
    session_token(Launcher(client, platform).launch(roles=INSTRUCTOR))
    created = client.post("/author/journeys", data={"lt": first, **NEW_JOURNEY})
    assert f"lt={first}" in created.headers["Location"]


def test_launch_redirect_keeps_new_token_with_earlier_cookie(
    app: Flask, platform: TestPlatform, registration: Registration
) -> None:
    client, first = _launched(app, platform)
    again = Launcher(client, platform).launch(roles=INSTRUCTOR)
    assert session_token(again) != first
