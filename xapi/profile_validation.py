"""Validating statements against the profile's statement templates (xAPI Profiles 1.0, part three).

A statement *matches* a template when it has the template's determining properties (verb, object
activity type, and every context activity type the template lists); it is *valid* against the
template when every rule holds and every extension of the profile it carries validates against
the extension's ``inlineSchema``. A statement follows the profile when it is valid against at
least one template it matches.

Rules locate values with JSONPath (``jsonpath-ng``, the maintained JSONPath implementation for
Python) and check their presence and the ``any``/``all``/``none`` value lists; extension values are
checked with ``jsonschema`` (draft 7, the schemas' ``$schema``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonpath_ng.jsonpath import JSONPath
from jsonpath_ng.parser import parse as parse_path
from jsonschema import Draft7Validator, FormatChecker

from xapi.profile import PROFILE, Profile

_CONTEXT_KINDS = {
    "contextGroupingActivityType": "grouping",
    "contextParentActivityType": "parent",
    "contextOtherActivityType": "other",
    "contextCategoryActivityType": "category",
}
_MISSING = object()


@dataclass(frozen=True)
class Verdict:
    """Which template a statement was checked against, and what is wrong with it (if anything)."""

    template: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.template is not None and not self.problems


class ProfileValidator:
    """Checks statements against one profile's templates and extension schemas."""

    def __init__(self, profile: Profile = PROFILE) -> None:
        document = profile.document()
        self.templates: list[dict[str, Any]] = document["templates"]
        self._schemas: dict[str, Draft7Validator] = {}
        for concept in profile.concepts():
            if concept.schema is not None:
                self._schemas[concept.iri] = Draft7Validator(
                    concept.schema, format_checker=FormatChecker()
                )
        self._activity_extensions = {
            c.iri for c in profile.concepts() if c.kind == "ActivityExtension"
        }

    def matching(self, statement: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The templates whose determining properties the statement has."""
        return [t for t in self.templates if _determined_by(t, statement)]

    def check(self, statement: Mapping[str, Any]) -> Verdict:
        """The first template the statement is valid against, or the problems of the closest."""
        candidates = self.matching(statement)
        if not candidates:
            verb = (statement.get("verb") or {}).get("id")
            kind = _object_type(statement)
            return Verdict(None, (f"no template of the profile for verb {verb} on {kind}",))
        extension_problems = tuple(self._extension_problems(statement))
        verdicts = [
            Verdict(t["id"], extension_problems + tuple(_rule_problems(t, statement)))
            for t in candidates
        ]
        return min(verdicts, key=lambda v: len(v.problems))

    def _extension_problems(self, statement: Mapping[str, Any]) -> Iterable[str]:
        for where, extensions in _extension_maps(statement):
            for iri, value in extensions.items():
                validator = self._schemas.get(iri)
                if validator is None:
                    continue
                for error in validator.iter_errors(value):
                    path = "/".join(str(p) for p in error.absolute_path)
                    yield f"{where} extension {iri}{'/' + path if path else ''}: {error.message}"


def _object_type(statement: Mapping[str, Any]) -> str | None:
    target = statement.get("object") or {}
    definition = target.get("definition") or {}
    kind = definition.get("type")
    return kind if isinstance(kind, str) else None


def _context_types(statement: Mapping[str, Any], kind: str) -> set[str]:
    activities = ((statement.get("context") or {}).get("contextActivities") or {}).get(kind) or []
    if isinstance(activities, dict):
        activities = [activities]
    return {
        a["definition"]["type"]
        for a in activities
        if isinstance(a, dict) and isinstance((a.get("definition") or {}).get("type"), str)
    }


def _determined_by(template: Mapping[str, Any], statement: Mapping[str, Any]) -> bool:
    verb = template.get("verb")
    if verb is not None and (statement.get("verb") or {}).get("id") != verb:
        return False
    object_type = template.get("objectActivityType")
    if object_type is not None and _object_type(statement) != object_type:
        return False
    for prop, kind in _CONTEXT_KINDS.items():
        wanted = template.get(prop)
        if wanted and not set(wanted) <= _context_types(statement, kind):
            return False
    return True


@cache
def _path(location: str) -> JSONPath:
    return parse_path(location)


def _values(statement: Mapping[str, Any], location: str, selector: str | None) -> list[Any]:
    # Profile locations may join alternatives with "|" (section 8.1); each is a JSONPath.
    found: list[Any] = []
    for alternative in location.split("|"):
        for match in _path(alternative.strip()).find(statement):
            if selector is None:
                found.append(match.value)
            else:
                found.extend(m.value for m in _path(selector).find(match.value))
    return found


def _rule_problems(template: Mapping[str, Any], statement: Mapping[str, Any]) -> Iterable[str]:
    for rule in template.get("rules", ()):
        location = rule["location"]
        values = _values(statement, location, rule.get("selector"))
        presence = rule.get("presence")
        if presence == "included" and not values:
            yield f"{location} is missing"
            continue
        if presence == "excluded":
            if values:
                yield f"{location} must not be present"
            continue
        if not values:
            continue
        if "any" in rule and not any(_same(v, a) for v in values for a in rule["any"]):
            yield f"{location} is {_show(values)}, expected one of {_show(rule['any'])}"
        if "all" in rule:
            wrong = [v for v in values if not any(_same(v, a) for a in rule["all"])]
            if wrong:
                yield f"{location} has {_show(wrong)}, only {_show(rule['all'])} allowed"
        if "none" in rule:
            banned = [v for v in values if any(_same(v, n) for n in rule["none"])]
            if banned:
                yield f"{location} must not be {_show(banned)}"


def _same(value: Any, expected: Any) -> bool:
    # JSON has one number type (1 and 1.0 are equal), but true is not 1.
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    if isinstance(value, int | float) and isinstance(expected, int | float):
        return bool(value == expected)
    return bool(value == expected and type(value) is type(expected))


def _show(values: Any) -> str:
    return json.dumps(values, ensure_ascii=False)[:200]


def _extension_maps(statement: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    context = statement.get("context") or {}
    result = statement.get("result") or {}
    if isinstance(context.get("extensions"), dict):
        yield "context", context["extensions"]
    if isinstance(result.get("extensions"), dict):
        yield "result", result["extensions"]
    activities = [statement.get("object") or {}]
    for group in (context.get("contextActivities") or {}).values():
        activities.extend(group if isinstance(group, list) else [group])
    for activity in activities:
        extensions = (activity.get("definition") or {}).get("extensions")
        if isinstance(extensions, dict):
            yield "activity", extensions


@cache
def validator() -> ProfileValidator:
    """The validator of the tool's profile (built once per process)."""
    return ProfileValidator()


class StatementNotInProfile(ValueError):
    """A statement the tool built does not follow its own profile (a defect of the tool)."""


def require_valid(statements: Iterable[Mapping[str, Any]]) -> None:
    """Raise :class:`StatementNotInProfile` for the first statement that is not valid."""
    check = validator()
    for statement in statements:
        verdict = check.check(statement)
        if not verdict.ok:
            verb = (statement.get("verb") or {}).get("id")
            raise StatementNotInProfile(
                f"statement {statement.get('id')} ({verb}) does not follow the profile "
                f"(template {verdict.template}): " + "; ".join(verdict.problems)
            )
