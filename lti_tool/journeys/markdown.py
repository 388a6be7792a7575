"""Authors' Markdown to safe HTML: CommonMark with tables, raw HTML escaped, output sanitised.

markdown-it-py is the maintained CommonMark parser of the Python world; nh3 binds ammonia (Rust),
an allowlist sanitiser, so what reaches a learner's page can hold no script, event handler or
foreign frame whatever an author (or an imported file) wrote. A paragraph that is only a link to a
video on an allowlisted service becomes an embedded player.
"""

from __future__ import annotations

import functools
import re
from html import escape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Video services that may be embedded, and how a watch URL becomes its embed URL.
VIDEO_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^https://(?:www\.|m\.)?youtube\.com/watch\?(?:.*&)?v=([A-Za-z0-9_-]{11})"),
        "https://www.youtube-nocookie.com/embed/{}",
    ),
    (
        re.compile(r"^https://youtu\.be/([A-Za-z0-9_-]{11})"),
        "https://www.youtube-nocookie.com/embed/{}",
    ),
    (
        re.compile(r"^https://(?:www\.)?vimeo\.com/(\d{1,12})(?:[/?#]|$)"),
        "https://player.vimeo.com/video/{}",
    ),
    (
        re.compile(r"^https://(?:www\.)?play\.sr\.se/.*?(\d{5,10})$"),
        "https://www.sverigesradio.se/embed/episode/{}",
    ),
)
VIDEO_ORIGINS = (
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://www.sverigesradio.se",
)

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "iframe", "div", "figure",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "iframe": {"src", "title", "allow", "allowfullscreen", "loading"},
    "div": {"class"},
}
# A paragraph that is only a link, written as [text](url), <url> or a bare url.
_VIDEO_PARAGRAPH = re.compile(r'<p>(?:<a href="([^"]+)">[^<]*</a>|(https://[^<\s]+))</p>')


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def video_embed_url(url: str) -> str | None:
    """The embed address of an allowlisted video link, or ``None``."""
    for pattern, template in VIDEO_PATTERNS:
        match = pattern.match(url)
        if match:
            return template.format(match.group(1))
    return None


def _embed_videos(html: str) -> str:
    def replace(match: re.Match[str]) -> str:
        href = (match.group(1) or match.group(2)).replace("&amp;", "&")
        embed = video_embed_url(href)
        if embed is None:
            return match.group(0)
        return (
            f'<div class="video"><iframe src="{escape(embed)}" title="Video" loading="lazy" '
            'allow="fullscreen; picture-in-picture" allowfullscreen></iframe></div>'
        )

    return _VIDEO_PARAGRAPH.sub(replace, html)


def _allowed_url(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        return value if value.startswith(tuple(o + "/" for o in VIDEO_ORIGINS)) else None
    if attribute in ("href", "src"):
        lowered = value.strip().lower()
        if lowered.startswith(("https://", "http://", "mailto:", "/", "#")) or ":" not in lowered:
            return value
        return None
    return value


def render_markdown(text: str) -> Markup:
    """Safe HTML for a Markdown text written by an author or a learner."""
    if not text:
        return Markup("")
    return _render_cached(text) if len(text) <= 20_000 else _render(text)


# Journey texts are read far more often than written: keep the HTML of the recent ones.
@functools.lru_cache(maxsize=1024)
def _render_cached(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    html = _embed_videos(_parser().render(text))
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_allowed_url,
    )
    return Markup(cleaned)  # noqa: S704 - nh3 has just sanitised it


def render_plain(text: str) -> Markup:
    """A learner's or instructor's plain text with its line breaks kept, escaped."""
    return Markup("<br>\n".join(escape(line) for line in text.splitlines()))  # noqa: S704
