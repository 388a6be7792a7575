"""Frameworks' words in the page's language: level names and descriptors, competence titles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import get_locale
from flask_babel import gettext as _

from lti_tool.frameworks.models import Competence, Framework

OTHER = {"sv": "en", "en": "sv"}


def _language() -> str:
    lang = str(get_locale() or "sv")
    return lang if lang in OTHER else "sv"


def _pick(values: Any) -> str:
    """A ``{"sv": ..., "en": ...}`` text in the page's language, else the other one."""
    if not isinstance(values, dict):
        return ""
    lang = _language()
    return str(values.get(lang) or values.get(OTHER[lang]) or "")


def level_name(framework: Framework, level: int) -> str:
    """Level 0 is "not yet"; 1..n the framework's level names (or codes)."""
    if level <= 0:
        return str(_("Not yet"))
    if level > len(framework.levels):
        return str(level)
    entry = framework.levels[level - 1]
    name = _pick(entry.get("name"))
    code = str(entry.get("code") or "")
    if name and code and code != name:
        return f"{code} {name}"
    return name or code or str(level)


def level_descriptor(framework: Framework, level: int) -> str:
    if level <= 0:
        return str(_("I have not started with this yet."))
    if level > len(framework.levels):
        return ""
    return _pick(framework.levels[level - 1].get("descriptor"))


def competence_title(competence: Competence) -> str:
    lang = _language()
    first, second = (
        (competence.title_sv, competence.title_en)
        if lang == "sv"
        else (competence.title_en, competence.title_sv)
    )
    title = first or second or competence.iri
    return f"{competence.code} {title}" if competence.code else title


def competence_description(competence: Competence) -> str:
    lang = _language()
    first, second = (
        (competence.description_sv, competence.description_en)
        if lang == "sv"
        else (competence.description_en, competence.description_sv)
    )
    return first or second


def framework_title(framework: Framework) -> str:
    return (
        framework.title_sv or framework.title_en
        if _language() == "sv"
        else framework.title_en or framework.title_sv
    )


def _context() -> dict[str, object]:
    return {
        "level_name": level_name,
        "level_descriptor": level_descriptor,
        "competence_title": competence_title,
        "competence_description": competence_description,
        "framework_title": framework_title,
    }


def attach(blueprint: Blueprint) -> None:
    """Give the blueprint's templates the wording helpers."""
    blueprint.context_processor(_context)
