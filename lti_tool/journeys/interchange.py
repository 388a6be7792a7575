"""Reading and writing journey files (YAML or JSON) with errors that name the line and field.

The format is ``content.JourneyDocument`` (JSON Schema: ``docs/journey-schema.json``). YAML is read
with the safe loader only; every validation problem is reported with its path in the document
(``sections[1].steps[0].content.questions[2]``) and the line and column where it is in the file.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.errors import JourneyError

MAX_FILE_BYTES = 5 * 1024 * 1024
Format = Literal["yaml", "json"]


class InterchangeError(JourneyError):
    """A journey file that cannot be imported; ``problems`` lists each with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__("invalid_journey_file", f"{source}: {len(problems)} problem(s)\n{listing}")


Location = tuple[int, int]  # 1-based line and column


def _yaml_locations(text: str) -> dict[tuple[str | int, ...], Location]:
    """The line and column of every value of a YAML (or JSON, a subset of YAML) document."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found: dict[tuple[str | int, ...], Location] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        found[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    # A key's own place, for "unknown field" errors on it.
                    found[(*path, key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
                    walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if root is not None:
        walk(root, ())
    return found


def _path_text(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "(document)"


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # Discriminated unions add the tag as a path element ("content.knowledge_check.questions").
    tags = {"content", "reflection", "knowledge_check", "practice"}
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        if index > 0 and loc[index - 1] == "content" and part in tags:
            continue
        cleaned.append(part)
    return tuple(cleaned)


def _problems(error: ValidationError, places: dict[tuple[str | int, ...], Location]) -> list[str]:
    problems = []
    for item in error.errors():
        loc = _clean_loc(tuple(item["loc"]))
        place = None
        for cut in range(len(loc), -1, -1):
            place = places.get(loc[:cut])
            if place:
                break
        message = str(item["msg"]).removeprefix("Value error, ")
        where = f"line {place[0]}, column {place[1]}: " if place else ""
        problems.append(f"{where}{_path_text(loc)}: {message}")
    return problems


def load_document(text: str, source: str = "journey file") -> JourneyDocument:
    """Parse and validate a journey file; raise ``InterchangeError`` listing every problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InterchangeError(
            source,
            [str(_l("The file is larger than 5 MB. Split the journey or shorten its texts."))],
        )
    try:
        data = yaml.safe_load(text)
        places = _yaml_locations(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InterchangeError(source, [f"{where}{exc.problem or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise InterchangeError(source, [str(exc)]) from exc
    if not isinstance(data, dict):
        raise InterchangeError(
            source, [str(_l("The file must hold one journey: a mapping with slug, title, …"))]
        )
    try:
        return JourneyDocument.model_validate(data)
    except ValidationError as exc:
        raise InterchangeError(source, _problems(exc, places)) from exc


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line texts as literal blocks so Markdown stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_document(document: JourneyDocument, fmt: Format = "yaml") -> str:
    """The document as YAML or JSON, fields in the schema's order, defaults left out."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    data = {"format": document.format, **data}
    # The step type is the content's discriminator: always written, first.
    for section_data, section in zip(data.get("sections", []), document.sections, strict=True):
        for step_data, step in zip(section_data.get("steps", []), section.steps, strict=True):
            step_data["content"] = {"type": step.content.type, **step_data.get("content", {})}
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    dumped: str = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return dumped
