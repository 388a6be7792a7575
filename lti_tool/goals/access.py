"""Who may change and who may see a goal, from a leader's reach.

Organisation goals are owned by the organisation's leaders, unit goals by that unit's leaders
(an organisation leader leads every unit). Everyone sees the organisation's goals and the goals
of their own school units, read-only: staff must know what they work towards. A unit leader
also sees the goals of the units they lead; nobody else sees another unit's goals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from lti_tool.goals.models import CompetenceGoal, GoalLevel


class Editor(Protocol):
    """What a goal's editor is: the shape of ``lti_tool.leadership.services.Reach``."""

    @property
    def organization_id(self) -> int: ...

    @property
    def person_id(self) -> int: ...

    @property
    def whole_organization(self) -> bool: ...

    @property
    def unit_ids(self) -> frozenset[int]: ...

    def leads_unit(self, unit_id: int | None) -> bool: ...


def may_edit(editor: Editor, level: GoalLevel, unit_id: int | None) -> bool:
    """Whether the editor owns goals at this level (and unit)."""
    if level == GoalLevel.ORGANIZATION:
        return editor.whole_organization
    return editor.leads_unit(unit_id)


def may_edit_goal(editor: Editor, goal: CompetenceGoal) -> bool:
    return goal.organization_id == editor.organization_id and may_edit(
        editor, goal.level, goal.unit_id
    )


def visible_unit_ids(editor: Editor, own_unit_ids: Iterable[int]) -> frozenset[int] | None:
    """The units whose goals the person sees (``None``: every unit of the organisation)."""
    if editor.whole_organization:
        return None
    return editor.unit_ids | frozenset(own_unit_ids)


def may_see(goal: CompetenceGoal, visible: frozenset[int] | None) -> bool:
    return goal.level == GoalLevel.ORGANIZATION or visible is None or goal.unit_id in visible
