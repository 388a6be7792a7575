"""Accessible bar charts as server-side SVG: no script, no outside resources.

A chart is an image with a title and a description that reads every value (``role="img"``,
``aria-labelledby``), draws every value as text beside its bar (never colour alone), draws a
hidden value as a dashed, labelled gap, and marks the target as a labelled dashed line. Every
chart stands next to a table with the same numbers: the table is the source of truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_percent, gettext
from markupsafe import Markup, escape

from lti_tool.privacy import Cell

__all__ = ["Bar", "share_chart"]

LABEL_WIDTH = 200
PLOT_WIDTH = 380
VALUE_WIDTH = 120
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 34
BOTTOM = 26
LABEL_CHARACTERS = 28


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label and its share (0..1), shown or hidden."""

    label: str
    share: Cell[float]


def _short(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1] + "…"


def _value_texts(bars: Sequence[Bar]) -> list[str]:
    """Each bar's value as the page's language writes it, or why it is hidden."""
    hidden: dict[int, str] = {}
    texts = []
    for bar in bars:
        cell = bar.share
        if cell.value is None:
            if cell.min_group not in hidden:
                hidden[cell.min_group] = str(gettext("hidden (fewer than %(n)s)", n=cell.min_group))
            texts.append(hidden[cell.min_group])
        else:
            texts.append(str(format_percent(cell.value)))
    return texts


def describe(bars: Sequence[Bar], target: float | None, texts: Sequence[str] | None = None) -> str:
    """Every bar's value in words, and the target: what the chart shows, for screen readers."""
    values = texts if texts is not None else _value_texts(bars)
    parts = [f"{bar.label}: {text}" for bar, text in zip(bars, values, strict=True)]
    if target is not None:
        parts.append(str(gettext("target %(share)s", share=format_percent(target))))
    return "; ".join(parts) + "." if parts else str(gettext("No values yet."))


def _x(share: float) -> float:
    return LABEL_WIDTH + PLOT_WIDTH * max(0.0, min(1.0, share))


def share_chart(
    chart_id: str, title: str, bars: Sequence[Bar], target: float | None = None
) -> Markup:
    """A horizontal bar chart of shares (0–100 %), one labelled row per bar, with the target
    as a dashed vertical line."""
    texts = _value_texts(bars)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    plot_bottom = TOP + ROW_HEIGHT * max(1, len(bars))
    height = plot_bottom + BOTTOM
    ident = escape(chart_id)
    out = [
        f'<svg class="chart" id="{ident}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {width} {height}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(describe(bars, target, texts))}</desc>'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        out.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{plot_bottom}"/>'
            f'<text class="tick" x="{x}" y="{plot_bottom + 18}" text-anchor="middle">'
            f"{escape(format_percent(tick))}</text>"
        )
    for i, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        y = TOP + ROW_HEIGHT * i + (ROW_HEIGHT - BAR_HEIGHT) / 2
        text_y = y + BAR_HEIGHT - 4
        out.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end">'
            f"{escape(_short(bar.label))}</text>"
        )
        if bar.share.value is None:
            out.append(
                f'<rect class="gap" x="{LABEL_WIDTH}" y="{y}" width="{PLOT_WIDTH}" '
                f'height="{BAR_HEIGHT}"/><text class="gap-label" x="{LABEL_WIDTH + 8}" '
                f'y="{text_y}">{escape(text)}</text>'
            )
            continue
        out.append(
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" '
            f'width="{_x(bar.share.value) - LABEL_WIDTH}" height="{BAR_HEIGHT}"/>'
            f'<text class="value" x="{LABEL_WIDTH + PLOT_WIDTH + 8}" y="{text_y}">'
            f"{escape(text)}</text>"
        )
    if target is not None:
        x = _x(target)
        label = gettext("Target %(share)s", share=format_percent(target))
        out.append(
            f'<line class="target" x1="{x}" x2="{x}" y1="{TOP - 6}" y2="{plot_bottom}"/>'
            f'<text class="target-label" x="{x}" y="{TOP - 12}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    # Every text above went through escape(); the rest is the tool's own markup.
    return Markup("".join(out))  # noqa: S704
