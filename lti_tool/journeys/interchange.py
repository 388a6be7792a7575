"""Reading and writing journey files (YAML or JSON) with errors that name the line and field.

The format is ``content.JourneyDocument`` (JSON Schema: ``docs/journey-schema.json``). YAML is read
with the safe loader only, within budgets of aliases, nesting and expanded size (a file of a few
hundred bytes could otherwise expand to billions of values), and an alias inside its own anchor
is refused; every validation problem is reported with its path in the document
(``sections[1].steps[0].content.questions[2]``) and the line and column where it is in the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import yaml
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.errors import JourneyError

MAX_FILE_BYTES = 5 * 1024 * 1024
# Real journey files use few aliases and nest about ten levels; every value counts once per place
# an alias repeats it, so a file of aliases of aliases cannot expand beyond the node budget.
MAX_YAML_ALIASES = 50
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 500_000
Format = Literal["yaml", "json"]


class InterchangeError(JourneyError):
    """A journey file that cannot be imported; ``problems`` lists each with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__("invalid_journey_file", f"{source}: {problems[0]}")
            return
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__("invalid_journey_file", f"{source}: {len(problems)} problem(s)\n{listing}")


Location = tuple[int, int]  # 1-based line and column


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases and nesting beyond the budgets."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise yaml.MarkedYAMLError(
                    problem=f"more than {MAX_YAML_ALIASES} aliases (*name); "
                    "write the values out instead.",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
        elif self._depth >= MAX_YAML_DEPTH:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_YAML_DEPTH} levels; flatten the document.",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._depth += 1
        try:
            node: yaml.Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _refuse(node: yaml.Node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(problem=problem, problem_mark=node.start_mark)


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node tree that refers to itself, or that its aliases make too big or too deep.

    An alias inside its own anchor (``a: &a [*a]``) makes the tree a loop, and aliases of
    aliases nest deeper than the file looks: both would exhaust the stack later on. The walk
    keeps its own stack, so neither can exhaust it here.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            if sizes[key] > MAX_YAML_NODES:
                raise _refuse(
                    root,
                    f"the document expands to more than {MAX_YAML_NODES:,} values "
                    "through its aliases; write the values out instead.",
                )
            if depths[key] > MAX_YAML_DEPTH:
                raise _refuse(
                    node,
                    f"through its aliases the document nests more than {MAX_YAML_DEPTH} levels; "
                    "write the values out instead.",
                )
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise _refuse(
                    child,
                    "an alias (*name) refers to a value that contains it; "
                    "write the values out instead.",
                )
            if id(child) not in sizes:
                stack.append((child, False))


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The data of a YAML (or JSON) document and its node tree, within the budgets."""
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root)
        data = None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()
    return data, root


def yaml_locations(root: yaml.Node | None) -> dict[tuple[str | int, ...], Location]:
    """The line and column of every value of a YAML (or JSON, a subset of YAML) document."""
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
    tags = {
        "content",
        "reflection",
        "knowledge_check",
        "practice",
        "live_session",
        "collegial_cycle",
    }
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        if index > 0 and loc[index - 1] == "content" and part in tags:
            continue
        cleaned.append(part)
    return tuple(cleaned)


def validation_problems(
    error: ValidationError, places: dict[tuple[str | int, ...], Location]
) -> list[str]:
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


def parse_located(
    text: str, source: str, error: Callable[[str, list[str]], Exception]
) -> tuple[Any, dict[tuple[str | int, ...], Location]]:
    """The YAML's data and the line of each of its places; a file that is not YAML (or that
    hides an alias bomb) raises ``error(source, [problem])`` naming the line."""
    try:
        data, root = parse_yaml(text)
        return data, yaml_locations(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise error(source, [f"{where}{exc.problem or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise error(source, [str(exc)]) from exc


def load_document(text: str, source: str = "journey file") -> JourneyDocument:
    """Parse and validate a journey file; raise ``InterchangeError`` listing every problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InterchangeError(
            source,
            [str(_l("The file is larger than 5 MB. Split the journey or shorten its texts."))],
        )
    data, places = parse_located(text, source, InterchangeError)
    if not isinstance(data, dict):
        raise InterchangeError(
            source, [str(_l("The file must hold one journey: a mapping with slug, title, …"))]
        )
    try:
        return JourneyDocument.model_validate(data)
    except ValidationError as exc:
        raise InterchangeError(source, validation_problems(exc, places)) from exc


class BlockDumper(yaml.SafeDumper):
    """Block style; multi-line texts as literal blocks so Markdown stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


BlockDumper.add_representer(str, _str)


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
    dumped: str = yaml.dump(
        data, Dumper=BlockDumper, allow_unicode=True, sort_keys=False, width=100
    )
    return dumped
