"""Goal trees: organisation goals with their sub-goals and the unit goals that serve them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.goals.access import may_see
from lti_tool.goals.models import CompetenceGoal, GoalLevel


@dataclass
class GoalNode:
    """A goal in the cascade: its sub-goals, and (organisation goals) the unit goals serving it."""

    goal: CompetenceGoal
    depth: int = 0
    subgoals: list[GoalNode] = field(default_factory=list)
    serving: list[GoalNode] = field(default_factory=list)

    def walk(self) -> Iterator[GoalNode]:
        yield self
        for child in self.subgoals:
            yield from child.walk()
        for unit_goal in self.serving:
            yield from unit_goal.walk()


@dataclass
class GoalTree:
    """The cascade: organisation goals first, then unit goals that serve no visible goal."""

    organization: list[GoalNode]
    unit: list[GoalNode]

    @property
    def empty(self) -> bool:
        return not self.organization and not self.unit

    def walk(self) -> Iterator[GoalNode]:
        for node in (*self.organization, *self.unit):
            yield from node.walk()


def _order(goal: CompetenceGoal) -> tuple[str, int, int]:
    return (goal.unit.name if goal.unit else "", goal.position, goal.id)


def goal_tree(
    session: Session, org_id: int, visible_units: frozenset[int] | None = None
) -> GoalTree:
    """The organisation's goals as a cascade, limited to the goals of ``visible_units`` (and
    every organisation goal); ``None`` shows every unit."""
    goals = [
        goal
        for goal in session.scalars(
            select(CompetenceGoal)
            .where(CompetenceGoal.organization_id == org_id)
            .options(selectinload(CompetenceGoal.unit))
        )
        if may_see(goal, visible_units)
    ]
    children: dict[int | None, list[CompetenceGoal]] = {}
    serving: dict[int, list[CompetenceGoal]] = {}
    ids = {goal.id for goal in goals}
    for goal in sorted(goals, key=_order):
        children.setdefault(goal.parent_id, []).append(goal)
        if goal.parent_id is None and goal.serves_id is not None and goal.serves_id in ids:
            serving.setdefault(goal.serves_id, []).append(goal)

    def node(goal: CompetenceGoal, depth: int) -> GoalNode:
        return GoalNode(
            goal=goal,
            depth=depth,
            subgoals=[node(child, depth + 1) for child in children.get(goal.id, [])],
            serving=[node(unit_goal, depth + 1) for unit_goal in serving.get(goal.id, [])],
        )

    top = children.get(None, [])
    return GoalTree(
        organization=[node(g, 0) for g in top if g.level == GoalLevel.ORGANIZATION],
        unit=[
            node(g, 0)
            for g in top
            if g.level == GoalLevel.UNIT and (g.serves_id is None or g.serves_id not in ids)
        ],
    )


def serving_goals(session: Session, goal: CompetenceGoal) -> list[CompetenceGoal]:
    """The unit goals that serve ``goal`` (of its organisation), by unit and position."""
    rows = session.scalars(
        select(CompetenceGoal).where(
            CompetenceGoal.serves_id == goal.id,
            CompetenceGoal.organization_id == goal.organization_id,
        )
    )
    return sorted(rows, key=_order)
