"""Authors' Markdown becomes safe HTML; allowlisted video links become embedded players."""

from __future__ import annotations

import time

import pytest

from lti_tool.journeys.markdown import (
    MAX_MARKDOWN_CHARS,
    MAX_MARKDOWN_MARKS,
    clear_render_cache,
    markdown_problem,
    render_cache_info,
    render_markdown,
    render_plain,
    video_embed_url,
)


def test_raw_html_is_escaped_not_rendered() -> None:
    html = str(render_markdown("Hej <script>alert(1)</script> <img src=x onerror=alert(1)>"))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_lose_their_target() -> None:
    html = str(render_markdown("[klicka](javascript:alert(1))"))
    assert "href" not in html


def test_links_open_safely() -> None:
    html = str(render_markdown("[Skolverket](https://www.skolverket.se)"))
    assert 'href="https://www.skolverket.se"' in html
    assert "noopener" in html and "noreferrer" in html


def test_tables_and_images_are_kept() -> None:
    html = str(
        render_markdown("![Bild](https://example.se/a.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    )
    assert '<img src="https://example.se/a.png" alt="Bild">' in html
    assert "<table>" in html


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
    ],
)
def test_video_links_map_to_allowlisted_players(url: str, embed: str | None) -> None:
    assert video_embed_url(url) == embed


def test_a_paragraph_that_is_only_a_video_link_becomes_a_player() -> None:
    html = str(render_markdown("Titta:\n\n<https://youtu.be/dQw4w9WgXcQ>\n\nSlut."))
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html


def test_iframes_written_by_authors_are_not_kept() -> None:
    html = str(render_markdown('<iframe src="https://evil.example/"></iframe>'))
    assert "<iframe" not in html


def test_plain_text_is_escaped_with_line_breaks() -> None:
    assert str(render_plain("a <b>\nc")) == "a &lt;b&gt;<br>\nc"


# Inputs that cost seconds to parse before rendering had a budget.
PATHOLOGICAL = {
    "image brackets": "![" * 50_000,
    "emphasis runs": "a**" * 30_000,
    "long table": "|a|b|\n|-|-|\n" + "|x|y|\n" * 20_000,
    "wide table": "|"
    + "a|" * 2_000
    + "\n|"
    + "-|" * 2_000
    + "\n"
    + ("|" + "x|" * 2_000 + "\n") * 20,
    "list items": "1. a\n" * 20_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_render_markdown_bounds_the_cost_of_pathological_text(text: str) -> None:
    clear_render_cache()
    started = time.process_time()
    html = str(render_markdown(text))
    elapsed = time.process_time() - started
    # Budget ~50 ms on a busy 2-core machine; the margin absorbs noise, not seconds.
    assert elapsed < 0.25, f"{elapsed:.3f} s of CPU"
    assert "<p>" in html and "<img" not in html and "<table" not in html


def test_render_markdown_shows_text_beyond_its_budget_as_escaped_plain_text() -> None:
    html = str(render_markdown("**a** <b>\n" + "![" * 5_000))
    assert html.startswith("<p>**a** &lt;b&gt;<br>\n![![")
    assert "<strong>" not in html


def test_render_markdown_renders_real_content_within_its_budget() -> None:
    text = ("Läs **texten** och följ [länken](https://www.skolverket.se).\n\n") * 200
    assert markdown_problem(text) is None
    assert str(render_markdown(text)).count("<strong>") == 200


def test_render_markdown_caches_by_content_hash() -> None:
    clear_render_cache()
    text = "Samma *text* " * 2_000
    first = render_markdown(text)
    started = time.process_time()
    for _ in range(100):
        # A new string object each time: the key is the content, not the object.
        assert render_markdown((text + ".")[:-1]) == first
    assert time.process_time() - started < 0.05
    assert render_cache_info().hits >= 100


def test_markdown_problem_names_the_limit_of_characters() -> None:
    problem = markdown_problem("a" * (MAX_MARKDOWN_CHARS + 1))
    assert problem is not None and str(MAX_MARKDOWN_CHARS) in problem


def test_markdown_problem_names_the_limit_of_formatting_marks() -> None:
    problem = markdown_problem("![" * 5_000)
    assert problem is not None and str(MAX_MARKDOWN_MARKS) in problem
