"""Reading and writing framework files in our YAML format, and telling CASE files from YAML.

YAML goes through the journeys' bounded safe loader (aliases, nesting and expanded size within
budgets, self-referring aliases refused), and every problem is reported at once with its path
and its line and column in the file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from lti_tool.frameworks.document import (
    MAX_COMPETENCES,
    MAX_FILE_BYTES,
    FrameworkDocument,
    FrameworkFileError,
    settle,
)
from lti_tool.journeys.interchange import (
    BlockDumper,
    parse_located,
    validation_problems,
)

Format = Literal["case", "yaml"]
BUILTINS = {"digcompedu": "digcompedu.yaml"}


def check_size(text: str, source: str) -> None:
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise FrameworkFileError(source, ["the file is larger than 5 MB"])


def detect_format(text: str) -> Format:
    """``case`` for a CASE package (a JSON object with CFDocument or CFItems), else ``yaml``."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return "yaml"
        if isinstance(data, dict) and ("CFDocument" in data or "CFItems" in data):
            return "case"
    return "yaml"


def load_yaml(text: str, source: str = "framework file") -> FrameworkDocument:
    """Parse and validate a framework file; raise ``FrameworkFileError`` listing every problem."""
    check_size(text, source)
    data, places = parse_located(text, source, FrameworkFileError)
    if not isinstance(data, dict):
        raise FrameworkFileError(
            source, ["the file must hold one framework: a mapping with iri, title, competences"]
        )
    if _too_many(data.get("competences")):
        raise FrameworkFileError(source, [f"competences: more than {MAX_COMPETENCES} competences"])
    try:
        document = FrameworkDocument.model_validate(data)
    except ValidationError as exc:
        raise FrameworkFileError(source, validation_problems(exc, places)) from exc
    problems = settle(document)
    if problems:
        raise FrameworkFileError(source, problems)
    return document


def _too_many(competences: Any) -> bool:
    """Whether a raw tree holds more competences than allowed (checked before validating it)."""
    total = 0
    stack = [competences]
    while stack:
        items = stack.pop()
        if not isinstance(items, list):
            continue
        total += len(items)
        if total > MAX_COMPETENCES:
            return True
        stack.extend(item.get("competences") for item in items if isinstance(item, dict))
    return False


def dump_yaml(document: FrameworkDocument) -> str:
    """The document as YAML, fields in the schema's order, empty texts left out."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    data = {"format": document.format, **data}
    dumped: str = yaml.dump(
        data, Dumper=BlockDumper, allow_unicode=True, sort_keys=False, width=100
    )
    return dumped


def builtin_text(name: str) -> str:
    """The text of a framework shipped with the tool (``digcompedu``)."""
    file = BUILTINS.get(name)
    if file is None:
        raise FrameworkFileError(name, [f"no built-in framework {name!r} (known: digcompedu)"])
    return resources.files("lti_tool.frameworks").joinpath("data", file).read_text("utf-8")
