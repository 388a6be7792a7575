"""Goal errors: what to fix, with the field it concerns; shown on the journeys' error pages."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.journeys.errors import JourneyError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a goal: the field (``target_level``…) and how to fix it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class GoalError(JourneyError):
    """A goal action that cannot be done as asked; ``detail`` tells the person what to do."""


class GoalInvalidError(GoalError):
    """Goal values with problems; each names its field and how to fix it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid_goal", "; ".join(str(p) for p in problems), 400)


class GoalNotFoundError(GoalError):
    status = 404


class GoalForbiddenError(GoalError):
    status = 403
