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
from markupsafe import Markup

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


def _hidden_text(cell: Cell[float]) -> str:
    return str(gettext("hidden (fewer than %(n)s)", n=cell.min_group))


def _value_text(cell: Cell[float]) -> str:
    return _hidden_text(cell) if cell.value is None else str(format_percent(cell.value))


def describe(bars: Sequence[Bar], target: float | None) -> str:
    """Every bar's value in words, and the target: what the chart shows, for screen readers."""
    parts = [f"{bar.label}: {_value_text(bar.share)}" for bar in bars]
    if target is not None:
        parts.append(gettext("target %(share)s", share=format_percent(target)))
    return "; ".join(parts) + "." if parts else gettext("No values yet.")


def share_chart(
    chart_id: str, title: str, bars: Sequence[Bar], target: float | None = None
) -> Markup:
    """A horizontal bar chart of shares (0–100 %), one labelled row per bar, with the target
    as a dashed vertical line."""
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    height = TOP + BOTTOM + ROW_HEIGHT * max(1, len(bars))
    plot_bottom = TOP + ROW_HEIGHT * max(1, len(bars))

    def x(share: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * max(0.0, min(1.0, share))

    out = [
        Markup(
            '<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
            'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" '
            'xmlns="http://www.w3.org/2000/svg">'
        ).format(id=chart_id, w=width, h=height),
        Markup('<title id="{id}-title">{t}</title>').format(id=chart_id, t=title),
        Markup('<desc id="{id}-desc">{d}</desc>').format(id=chart_id, d=describe(bars, target)),
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            Markup(
                '<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
                '<text class="tick" x="{x}" y="{label_y}" text-anchor="middle">{label}</text>'
            ).format(
                x=x(tick),
                top=TOP,
                bottom=plot_bottom,
                label_y=plot_bottom + 18,
                label=format_percent(tick),
            )
        )
    for i, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * i + (ROW_HEIGHT - BAR_HEIGHT) / 2
        text_y = y + BAR_HEIGHT - 4
        out.append(
            Markup('<text class="label" x="{x}" y="{y}" text-anchor="end">{short}</text>').format(
                x=LABEL_WIDTH - 8, y=text_y, short=_short(bar.label)
            )
        )
        if bar.share.value is None:
            out.append(
                Markup(
                    '<rect class="gap" x="{x}" y="{y}" width="{w}" height="{h}"/>'
                    '<text class="gap-label" x="{tx}" y="{ty}">{text}</text>'
                ).format(
                    x=LABEL_WIDTH,
                    y=y,
                    w=PLOT_WIDTH,
                    h=BAR_HEIGHT,
                    tx=LABEL_WIDTH + 8,
                    ty=text_y,
                    text=_hidden_text(bar.share),
                )
            )
            continue
        end = x(bar.share.value)
        out.append(
            Markup(
                '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"/>'
                '<text class="value" x="{tx}" y="{ty}">{text}</text>'
            ).format(
                x=LABEL_WIDTH,
                y=y,
                w=max(0.0, end - LABEL_WIDTH),
                h=BAR_HEIGHT,
                tx=LABEL_WIDTH + PLOT_WIDTH + 8,
                ty=text_y,
                text=format_percent(bar.share.value),
            )
        )
    if target is not None:
        out.append(
            Markup(
                '<line class="target" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
                '<text class="target-label" x="{x}" y="{label_y}" text-anchor="middle">{text}</text>'
            ).format(
                x=x(target),
                top=TOP - 6,
                bottom=plot_bottom,
                label_y=TOP - 12,
                text=gettext("Target %(share)s", share=format_percent(target)),
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)
