"""Input checked at the edge: a NUL or other control character in any kind of input is a 400."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from config.logging import TextFormatter
from lti_tool.db import get_database
from lti_tool.edge import check_request_input
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.lti.models import Registration
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token, sample_document

NUL = "a\x00b"
# Values for the URL variables of every route: real ones where a journey or step is named.
VALUES = {"slug": "digital-kompetens", "key": "step-read", "course_key": "c", "person_key": "p"}


@pytest.fixture
def journey(app: Flask, registration: Registration) -> None:
    with get_database(app).session() as session:
        publish(session, create_journey(session, registration.organization_id, sample_document()))


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/xapi/", "/static/")):
            continue  # the LRS checks its own input (tests/xapi/lrs/test_input.py)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((rule, method))
    return found


def _has_text_argument(rule: Rule) -> bool:
    """Whether the route has a URL variable that can hold a NUL (integers cannot)."""
    return any(
        type(converter).__name__ != "IntegerConverter" for converter in rule._converters.values()
    )


def _url(rule: Rule, nul_in_path: bool) -> str:
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "IntegerConverter":
            values[name] = 1
        else:
            values[name] = NUL if nul_in_path else VALUES.get(name, "x")
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _send(client: FlaskClient, rule: Rule, method: str, kind: str, token: str) -> int:
    url = _url(rule, kind == "path")
    query: dict[str, str] = {"lt": token}
    form: dict[str, Any] = {"lt": token, "title": "Titel"}
    if kind == "query":
        query["q"] = NUL
    elif kind == "form":
        form.update(title=NUL, body=NUL, slug=NUL, comment=NUL)
    elif kind == "file":
        form["file"] = (io.BytesIO(b"%PDF-1.4"), "bevis\x00.pdf")
    if method == "GET":
        return client.get(url, query_string=query).status_code
    return client.post(url, query_string=query if kind == "query" else None, data=form).status_code


@pytest.mark.parametrize("kind", ["path", "query", "form", "file"])
def test_edge_refuses_a_nul_in_every_route_with_a_4xx(
    app: Flask, client: FlaskClient, launcher: Launcher, journey: None, kind: str
) -> None:
    token = launch_token(launcher, roles=INSTRUCTOR, sub="author-1")
    answers = {
        f"{method} {rule.rule}": _send(client, rule, method, kind, token)
        for rule, method in _routes(app)
        if kind != "path" or _has_text_argument(rule)
        if method == "POST" or kind not in ("form", "file")
    }
    assert answers and not {route: s for route, s in answers.items() if not 400 <= s < 500}


def test_edge_names_the_field_with_a_control_character(client: FlaskClient) -> None:
    response = client.post(
        "/lti/login", data={"iss": "https://x.example\x00"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "iss" in response.get_data(as_text=True)
    assert "control character" in response.get_data(as_text=True)


def test_edge_answers_json_clients_with_json(client: FlaskClient) -> None:
    response = client.get("/api/me", query_string={"lt": "a\x00b"})
    assert response.status_code == 400
    assert "lt" in response.get_json()["message"]


def test_edge_accepts_line_breaks_and_tabs_in_form_fields(app: Flask) -> None:
    with app.test_request_context("/lti/login", method="POST", data={"note": "a\r\n\tb"}):
        assert check_request_input() is None


def test_text_formatter_escapes_control_characters() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "path %s", ("/a\x00b\nc",), None)
    line = TextFormatter("%(message)s").format(record)
    assert line == "path /a\\x00b\\x0ac"
