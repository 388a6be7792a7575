"""Charts: accessible SVG with a title, a description reading every value, labelled bars,
hidden values as marked gaps and the target as a labelled line."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from flask import Flask

from lti_tool import i18n, privacy
from lti_tool.followup.charts import Bar, share_chart
from lti_tool.privacy import SuppressionPolicy

SVG = "{http://www.w3.org/2000/svg}"
POLICY = SuppressionPolicy(5)


@pytest.fixture
def english() -> Iterator[None]:
    app = Flask("lti_tool")
    i18n.init_app(app, "sv")
    privacy.init_app(app)
    with app.test_request_context("/?lang=en"):
        yield


def _chart(bars: list[Bar], target: float | None = 0.6) -> ElementTree.Element:
    markup = str(share_chart("c1", "Share per round", bars, target))
    return ElementTree.fromstring(markup)  # noqa: S314 (the tool's own markup)


def test_chart_is_an_image_named_by_its_title_and_description(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(6, 12))])
    assert (svg.get("role"), svg.get("aria-labelledby")) == ("img", "c1-title c1-desc")


def test_chart_title_is_the_given_title(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(6, 12))])
    assert svg.findtext(f"{SVG}title") == "Share per round"


def test_description_reads_every_value_and_the_target(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(6, 12)), Bar("Round 2", POLICY.share(2, 12))])
    assert svg.findtext(f"{SVG}desc") == (
        "Round 1: 50%; Round 2: hidden (fewer than 5); target 60%."
    )


def test_each_bar_has_its_value_as_text(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(6, 12))])
    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["50%"]


def test_hidden_value_is_a_dashed_gap_with_a_label(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(2, 12))])
    gaps = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "gap"]
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "gap-label"]
    assert (len(gaps), labels) == (1, ["hidden (fewer than 5)"])


def test_hidden_value_draws_no_bar(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(2, 12))])
    assert not [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_target_is_a_labelled_line(english: None) -> None:
    svg = _chart([Bar("Round 1", POLICY.share(6, 12))], target=0.6)
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "target-label"]
    assert labels == ["Target 60%"]


def test_labels_are_escaped(english: None) -> None:
    svg = _chart([Bar("<script>x</script>", POLICY.share(6, 12))])
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["<script>x</script>"]


def test_long_labels_are_shortened_in_the_drawing(english: None) -> None:
    svg = _chart([Bar("Hvitfeldtska gymnasiet, naturvetenskap", POLICY.share(6, 12))])
    (label,) = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert label is not None and label.endswith("…") and len(label) == 28
