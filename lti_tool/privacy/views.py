"""Rendering aggregate numbers in templates: a hidden one as a dash that says why."""

from __future__ import annotations

from typing import Literal

from flask import Flask
from flask_babel import format_decimal, format_percent, gettext
from markupsafe import Markup, escape

from lti_tool.privacy.suppression import Cell

CellFormat = Literal["number", "percent", "mean"]


def render_cell(cell: Cell[int] | Cell[float], kind: CellFormat = "number") -> Markup:
    """A shown value in the page's language, or a dash with the reason for screen readers
    (and as a tooltip) when the value is hidden."""
    if cell.value is None:
        reason = gettext(
            "Fewer than %(n)s answers – hidden to protect individuals", n=cell.min_group
        )
        return Markup(
            '<span class="suppressed" title="{reason}"><span aria-hidden="true">–</span>'
            '<span class="visually-hidden">{reason}</span></span>'
        ).format(reason=reason)
    if kind == "percent":
        return escape(format_percent(cell.value))
    if kind == "mean":
        return escape(format_decimal(cell.value, format="#,##0.0"))
    return escape(format_decimal(cell.value))


def init_app(app: Flask) -> None:
    """``{{ cell|privacy_cell }}``, ``{{ share|privacy_cell("percent") }}`` in every template."""
    app.jinja_env.filters["privacy_cell"] = render_cell
