"""A goals file as a validated document: what the YAML reader produces and the writer takes.

Goals are named by ``key`` (chosen by the organisation, kept across re-imports), units by name or
skolenhetskod, competences by IRI, journeys by slug. A goal without ``unit`` is an organisation
goal; ``subgoals`` are its delmål, with its level and unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from lti_tool.frameworks.document import IRI
from lti_tool.goals.models import TITLE_LENGTH
from lti_tool.goals.services import DESCRIPTION_LENGTH, MAX_LINKS

FORMAT: Literal["lti-journeys/goals@1"] = "lti-journeys/goals@1"
MAX_GOALS = 2000
MAX_DEPTH = 6

Key = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Line = Annotated[str, Field(min_length=1, max_length=TITLE_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TargetDocument(_Model):
    """``share`` % of the staff at ``level`` (1-based, or the level's code) or above."""

    competence: IRI
    level: Annotated[int, Field(ge=1, le=100)] | Annotated[str, Field(min_length=1, max_length=20)]
    share: Annotated[int, Field(ge=1, le=100)]


class GoalDocument(_Model):
    """One goal and its sub-goals."""

    key: Key
    title: Line
    description: Annotated[str, Field(max_length=DESCRIPTION_LENGTH)] = ""
    unit: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    serves: Key | None = None
    target: TargetDocument | None = None
    starts: date | None = None
    ends: date | None = None
    competences: Annotated[list[IRI], Field(max_length=MAX_LINKS)] = Field(default_factory=list)
    journeys: Annotated[list[Line], Field(max_length=MAX_LINKS)] = Field(default_factory=list)
    subgoals: list[GoalDocument] = Field(default_factory=list)


class GoalsDocument(_Model):
    """An organisation's goals (or one unit's), as imported and exported."""

    format: Literal["lti-journeys/goals@1"] = FORMAT
    goals: list[GoalDocument] = Field(default_factory=list)


Path = tuple[str | int, ...]


def walk(
    goals: list[GoalDocument], path: Path = ("goals",), parent: GoalDocument | None = None
) -> Iterator[tuple[GoalDocument, Path, GoalDocument | None]]:
    """Every goal in document order (each before its sub-goals), its path and its parent."""
    for index, goal in enumerate(goals):
        here = (*path, index)
        yield goal, here, parent
        yield from walk(goal.subgoals, (*here, "subgoals"), goal)


def path_text(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + part
    return text
