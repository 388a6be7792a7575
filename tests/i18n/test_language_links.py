"""The language links keep the page: its path, and for a GET its query (never the token)."""

from __future__ import annotations

from flask import Flask

from lti_tool.launch_session import url_in_language


def test_language_link_keeps_the_query_of_the_page(app: Flask) -> None:
    with app.test_request_context("/plans/new?person=7&lang=sv&lt=secret-token"):
        assert url_in_language("en") == "/plans/new?person=7&lang=en"


def test_language_link_keeps_the_path_variables(app: Flask) -> None:
    with app.test_request_context("/goals/12"):
        assert url_in_language("en") == "/goals/12?lang=en"


def test_language_link_of_a_posted_form_drops_nothing_but_the_form(app: Flask) -> None:
    with app.test_request_context("/goals?unit=3", method="POST", data={"title": "x"}):
        assert url_in_language("sv") == "/goals?lang=sv"
