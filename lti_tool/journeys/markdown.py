"""Authors' Markdown to safe HTML: CommonMark with tables, raw HTML escaped, output sanitised.

markdown-it-py is the maintained CommonMark parser of the Python world; nh3 binds ammonia (Rust),
an allowlist sanitiser, so what reaches a learner's page can hold no script, event handler or
foreign frame whatever an author (or an imported file) wrote. A paragraph that is only a link to a
video on an allowlisted service becomes an embedded player.

Parsing time grows with the text's formatting marks (brackets, emphasis, table pipes, lines), so a
text over the budget below is shown as escaped plain text instead, and the places where texts are
saved refuse it with ``markdown_problem``'s message.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from html import escape
from typing import NamedTuple

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

# Limits no real text reaches (the longest shipped text has 651 characters, the most marked one 63
# marks); at them a render takes 10-40 ms of CPU on a busy 2-core machine.
MAX_MARKDOWN_CHARS = 50_000
MAX_MARKDOWN_MARKS = 2_500
_MARKS = re.compile(r"[\[\]!*_|`<>&\\~#]")
_CACHE_ENTRIES = 1024
_CACHE_CHARS = 8_000_000

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


def markdown_marks(text: str) -> int:
    """The formatting marks of a text, each line counting three (each may open a block)."""
    return len(_MARKS.findall(text)) + 3 * text.count("\n")


def markdown_problem(text: str) -> str | None:
    """Why a text cannot be saved as Markdown (too long or too much formatting), or ``None``."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return str(
            _l(
                "The text has %(count)d characters; at most %(limit)d are allowed. "
                "Split it over several steps.",
                count=len(text),
                limit=MAX_MARKDOWN_CHARS,
            )
        )
    marks = markdown_marks(text)
    if marks > MAX_MARKDOWN_MARKS:
        return str(
            _l(
                "The text has %(count)d formatting marks and lines (brackets, *, _, |, # and "
                "the like); at most %(limit)d are allowed. Split it over several steps.",
                count=marks,
                limit=MAX_MARKDOWN_MARKS,
            )
        )
    return None


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    chars: int


class _RenderCache:
    """The HTML of recent texts by their content hash, bounded in entries and characters."""

    def __init__(self, entries: int, chars: int) -> None:
        self._max_entries, self._max_chars = entries, chars
        self._items: OrderedDict[bytes, Markup] = OrderedDict()
        self._chars = self.hits = self.misses = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Markup | None:
        with self._lock:
            html = self._items.get(key)
            if html is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return html

    def put(self, key: bytes, html: Markup) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = html
            self._chars += len(html)
            while self._items and (
                len(self._items) > self._max_entries or self._chars > self._max_chars
            ):
                _, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = self.hits = self.misses = 0

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self.hits, self.misses, len(self._items), self._chars)


# Journey texts are read far more often than written: keep the HTML of the recent ones. The key is
# a digest, so the cache holds no copy of the texts themselves.
_cache = _RenderCache(_CACHE_ENTRIES, _CACHE_CHARS)


def render_markdown(text: str) -> Markup:
    """Safe HTML for a Markdown text written by an author or a learner."""
    if not text:
        return Markup("")
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    html = _cache.get(key)
    if html is None:
        # Within the budget the parser is fast; beyond it the text is shown as written.
        over = len(text) > MAX_MARKDOWN_CHARS or markdown_marks(text) > MAX_MARKDOWN_MARKS
        html = _plain_paragraphs(text) if over else _render(text)
        _cache.put(key, html)
    return html


def render_cache_info() -> CacheInfo:
    """Hits, misses and size of the render cache."""
    return _cache.info()


def clear_render_cache() -> None:
    """Empty the render cache (tests)."""
    _cache.clear()


def _plain_paragraphs(text: str) -> Markup:
    blocks = re.split(r"\n\s*\n", text.strip())
    return Markup("\n".join(f"<p>{render_plain(block)}</p>" for block in blocks))  # noqa: S704


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
