"""Translated labels of step types and statuses, made once per request for the templates."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, g
from flask_babel import gettext as _


@dataclass(frozen=True)
class Labels:
    types: dict[str, str]
    done: str
    optional: str
    waived: str
    started: str
    not_started: str


def labels() -> Labels:
    """The labels in the request's language (a page lists many steps; translate each once)."""
    cached: Labels | None = g.get("journey_labels")
    if cached is None:
        cached = g.journey_labels = Labels(
            types={
                "content": _("Content"),
                "reflection": _("Reflection"),
                "knowledge_check": _("Knowledge check"),
                "practice": _("Practice task"),
                "live_session": _("Live session"),
                "collegial_cycle": _("Collegial learning cycle"),
            },
            done=_("Done"),
            optional=_("Optional: you rated this as mastered"),
            waived=_("Waived: you rated this as mastered"),
            started=_("Started"),
            not_started=_("Not started"),
        )
    return cached


def _context() -> dict[str, object]:
    return {"labels": labels()}


def attach(blueprint: Blueprint) -> None:
    """Give the blueprint's templates ``labels``."""
    blueprint.context_processor(_context)
