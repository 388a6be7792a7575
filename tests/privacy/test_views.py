"""The ``privacy_cell`` filter: shown numbers in the page's language, hidden ones as a dash
that tells screen readers why."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

from lti_tool import i18n, privacy
from lti_tool.privacy import SuppressionPolicy


@pytest.fixture
def page_app() -> Flask:
    app = Flask("lti_tool")
    i18n.init_app(app, "sv")
    privacy.init_app(app)
    return app


def _render(app: Flask, source: str, lang: str, **values: object) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(source, **values)


def test_hidden_cell_says_why_in_swedish(page_app: Flask, policy: SuppressionPolicy) -> None:
    html = _render(page_app, "{{ cell|privacy_cell }}", "sv", cell=policy.count(3))
    assert "Färre än 5 svar – dolt för att skydda enskilda" in html


def test_hidden_cell_says_why_in_english(page_app: Flask, policy: SuppressionPolicy) -> None:
    html = _render(page_app, "{{ cell|privacy_cell }}", "en", cell=policy.count(3))
    assert "Fewer than 5 answers – hidden to protect individuals" in html


def test_hidden_cell_shows_a_dash_that_screen_readers_skip(
    page_app: Flask, policy: SuppressionPolicy
) -> None:
    html = _render(page_app, "{{ cell|privacy_cell }}", "en", cell=policy.count(3))
    assert '<span aria-hidden="true">–</span><span class="visually-hidden">' in html


def test_shown_share_is_a_percentage_in_the_pages_language(
    page_app: Flask, policy: SuppressionPolicy
) -> None:
    html = _render(page_app, '{{ cell|privacy_cell("percent") }}', "sv", cell=policy.share(5, 10))
    assert html == "50\xa0%"


def test_shown_mean_has_one_decimal(page_app: Flask, policy: SuppressionPolicy) -> None:
    html = _render(
        page_app, '{{ cell|privacy_cell("mean") }}', "en", cell=policy.mean([1, 2, 2, 3, 4])
    )
    assert html == "2.4"


def test_the_app_offers_the_filter_to_every_template(app: Flask) -> None:
    assert app.jinja_env.filters["privacy_cell"] is privacy.views.render_cell
