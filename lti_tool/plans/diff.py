"""What changed between two versions of a plan: deadline, notes, goals (by key) and journeys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lti_tool.journeys.models import Journey
from lti_tool.plans.models import PlanGoal, PlanVersion

# The goal fields a reader compares, in the order a page lists them.
COMPARED = ("title", "description", "serves", "competence", "target_level", "due_on")


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: object
    after: object


@dataclass(frozen=True)
class GoalChange:
    key: str
    before: PlanGoal | None
    after: PlanGoal | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class VersionDiff:
    before: PlanVersion
    after: PlanVersion
    deadline: tuple[date | None, date | None] | None
    notes_changed: bool
    goals: list[GoalChange]
    journeys_added: list[Journey]
    journeys_removed: list[Journey]

    @property
    def empty(self) -> bool:
        return (
            self.deadline is None
            and not self.notes_changed
            and not self.goals
            and not self.journeys_added
            and not self.journeys_removed
        )


RELATED = ("serves", "competence")


def _value(goal: PlanGoal, name: str) -> object:
    value = getattr(goal, name)
    if name in RELATED:
        # Related rows compare and read by their titles.
        return value.title if value is not None else None
    return value


def diff_versions(before: PlanVersion, after: PlanVersion) -> VersionDiff:
    """The changes that lead from ``before`` to ``after`` (versions of one plan)."""
    old = {g.key: g for g in before.goals}
    new = {g.key: g for g in after.goals}
    goals: list[GoalChange] = []
    for key, goal in new.items():
        previous = old.get(key)
        if previous is None:
            goals.append(GoalChange(key, None, goal))
            continue
        fields = [
            FieldChange(name, _value(previous, name), _value(goal, name))
            for name in COMPARED
            if _value(previous, name) != _value(goal, name)
        ]
        if fields:
            goals.append(GoalChange(key, previous, goal, fields))
    goals += [GoalChange(key, goal, None) for key, goal in old.items() if key not in new]
    before_ids = {j.id for j in before.journeys}
    after_ids = {j.id for j in after.journeys}
    return VersionDiff(
        before=before,
        after=after,
        deadline=(before.deadline, after.deadline) if before.deadline != after.deadline else None,
        notes_changed=before.notes != after.notes,
        goals=goals,
        journeys_added=[j for j in after.journeys if j.id not in before_ids],
        journeys_removed=[j for j in before.journeys if j.id not in after_ids],
    )
