"""Authors' Markdown becomes safe HTML; allowlisted video links become embedded players."""

from __future__ import annotations

import pytest

from lti_tool.journeys.markdown import render_markdown, render_plain, video_embed_url


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
