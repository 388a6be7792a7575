"""Goal services: create, change and delete organisation and unit goals and their sub-goals.

Every function takes the organisation's id and filters on it. ``editor`` is who acts: a reach
(``lti_tool.leadership.services.Reach``) for a person in the browser, or ``None`` for an
administrator at the command line. Organisation goals are owned by the organisation's leaders,
unit goals by that unit's leaders; every refusal says what to do instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.access import Editor, may_edit
from lti_tool.goals.errors import GoalForbiddenError, GoalInvalidError, GoalNotFoundError, Problem
from lti_tool.goals.events import GoalEvents
from lti_tool.goals.models import TITLE_LENGTH, CompetenceGoal, GoalLevel
from lti_tool.journeys.models import Journey
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Organization, Unit
from lti_tool.validation import CONTROL, CONTROL_IN_TEXT

DESCRIPTION_LENGTH = 10_000
MAX_LINKS = 200


@dataclass
class GoalValues:
    """What a goal says, with every reference resolved to a row id of the organisation."""

    title: str
    level: GoalLevel = GoalLevel.ORGANIZATION
    description: str = ""
    unit_id: int | None = None
    parent_id: int | None = None
    serves_id: int | None = None
    target_competence_id: int | None = None
    target_level: int | None = None
    target_share: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    competence_ids: list[int] = field(default_factory=list)
    journey_ids: list[int] = field(default_factory=list)


SCALARS = tuple(f.name for f in fields(GoalValues) if not f.name.endswith("_ids"))


def values_of(goal: CompetenceGoal) -> GoalValues:
    """A goal's current values (to fill a form, or to compare with new ones)."""
    values = GoalValues(title=goal.title)
    for name in SCALARS:
        setattr(values, name, getattr(goal, name))
    values.competence_ids = [c.id for c in goal.competences]
    values.journey_ids = [j.id for j in goal.journeys]
    return values


def get_goal(session: Session, org_id: int, goal_id: int) -> CompetenceGoal:
    """The organisation's goal with this id; ``GoalNotFoundError`` otherwise (also for another
    organisation's goal, so ids of other organisations reveal nothing)."""
    goal = session.scalars(
        select(CompetenceGoal).where(
            CompetenceGoal.id == goal_id, CompetenceGoal.organization_id == org_id
        )
    ).first()
    if goal is None:
        raise GoalNotFoundError("goal_not_found", _l("That goal does not exist."))
    return goal


def goal_by_key(session: Session, org_id: int, key: str) -> CompetenceGoal | None:
    return session.scalars(
        select(CompetenceGoal).where(
            CompetenceGoal.key == key, CompetenceGoal.organization_id == org_id
        )
    ).first()


# --- validation ---------------------------------------------------------------------------------


def _text_problems(values: GoalValues) -> list[Problem]:
    problems = []
    values.title = values.title.strip()
    if not values.title:
        problems.append(Problem("title", str(_l("Give the goal a title."))))
    elif len(values.title) > TITLE_LENGTH or CONTROL.search(values.title):
        problems.append(
            Problem(
                "title",
                str(_l("Write the title on one line, at most %(n)d characters.", n=TITLE_LENGTH)),
            )
        )
    if len(values.description) > DESCRIPTION_LENGTH or CONTROL_IN_TEXT.search(values.description):
        problems.append(
            Problem(
                "description",
                str(
                    _l(
                        "Shorten the description to at most %(n)d characters of plain text.",
                        n=DESCRIPTION_LENGTH,
                    )
                ),
            )
        )
    return problems


def _competences(session: Session, org_id: int, ids: Sequence[int]) -> dict[int, Competence]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Competence)
        .join(Framework, Framework.id == Competence.framework_id)
        .where(Framework.organization_id == org_id, Competence.id.in_(set(ids)))
    )
    return {row.id: row for row in rows}


def _target_problems(session: Session, org_id: int, values: GoalValues) -> list[Problem]:
    given = [
        values.target_competence_id is not None,
        values.target_level is not None,
        values.target_share is not None,
    ]
    if not any(given):
        return []
    problems = []
    if not all(given):
        problems.append(
            Problem(
                "target",
                str(
                    _l(
                        "A target names a competence, a level and a share of the staff: "
                        "give all three, or none."
                    )
                ),
            )
        )
    competence = None
    if values.target_competence_id is not None:
        competence = _competences(session, org_id, [values.target_competence_id]).get(
            values.target_competence_id
        )
        if competence is None:
            problems.append(
                Problem(
                    "target_competence",
                    str(_l("Choose a competence from one of the organisation's frameworks.")),
                )
            )
    if values.target_level is not None and competence is not None:
        levels = len(competence.framework.levels)
        if levels == 0:
            problems.append(
                Problem(
                    "target_level",
                    str(
                        _l(
                            "The framework of that competence has no levels; choose a "
                            "competence of a framework with levels."
                        )
                    ),
                )
            )
        elif not 1 <= values.target_level <= levels:
            problems.append(
                Problem(
                    "target_level",
                    str(_l("Choose a level from 1 to %(n)d of the framework.", n=levels)),
                )
            )
    if values.target_share is not None and not 1 <= values.target_share <= 100:
        problems.append(
            Problem(
                "target_share", str(_l("Give the share of the staff in percent, from 1 to 100."))
            )
        )
    return problems


def _date_problems(values: GoalValues) -> list[Problem]:
    if values.starts_on and values.ends_on and values.ends_on < values.starts_on:
        return [Problem("ends_on", str(_l("The end date must be on or after the start date.")))]
    return []


def _link_problems(session: Session, org_id: int, values: GoalValues) -> list[Problem]:
    problems = []
    if len(values.competence_ids) > MAX_LINKS or len(values.journey_ids) > MAX_LINKS:
        return [Problem("competences", str(_l("Link at most %(n)d items.", n=MAX_LINKS)))]
    found = _competences(session, org_id, values.competence_ids)
    if any(i not in found for i in values.competence_ids):
        problems.append(
            Problem(
                "competences",
                str(_l("Link only competences of the organisation's frameworks.")),
            )
        )
    if values.journey_ids:
        journeys = set(
            session.scalars(
                select(Journey.id).where(
                    Journey.organization_id == org_id, Journey.id.in_(set(values.journey_ids))
                )
            )
        )
        if any(i not in journeys for i in values.journey_ids):
            problems.append(
                Problem("journeys", str(_l("Link only the organisation's own journeys.")))
            )
    return problems


def _descends_from(goal: CompetenceGoal, ancestor_id: int) -> bool:
    node: CompetenceGoal | None = goal
    while node is not None:
        if node.id == ancestor_id:
            return True
        node = node.parent
    return False


def _place_problems(
    session: Session, org_id: int, values: GoalValues, goal: CompetenceGoal | None
) -> list[Problem]:
    problems = []
    if values.level == GoalLevel.UNIT:
        unit = session.get(Unit, values.unit_id) if values.unit_id is not None else None
        if unit is None or unit.organization_id != org_id:
            problems.append(
                Problem("unit", str(_l("Choose one of the organisation's school units.")))
            )
    elif values.unit_id is not None:
        problems.append(Problem("unit", str(_l("An organisation goal belongs to no school unit."))))
    if values.parent_id is not None:
        parent = session.get(CompetenceGoal, values.parent_id)
        if parent is None or parent.organization_id != org_id:
            problems.append(Problem("parent", str(_l("Choose a goal of the organisation."))))
        elif parent.level != values.level or parent.unit_id != values.unit_id:
            problems.append(
                Problem(
                    "parent",
                    str(_l("A sub-goal has the level and school unit of the goal it belongs to.")),
                )
            )
        elif goal is not None and _descends_from(parent, goal.id):
            problems.append(
                Problem(
                    "parent", str(_l("A goal cannot be a sub-goal of itself or its sub-goals."))
                )
            )
    if values.serves_id is not None:
        served = session.get(CompetenceGoal, values.serves_id)
        if values.level != GoalLevel.UNIT:
            problems.append(
                Problem("serves", str(_l("Only a unit goal serves an organisation goal.")))
            )
        elif (
            served is None
            or served.organization_id != org_id
            or served.level != GoalLevel.ORGANIZATION
        ):
            problems.append(
                Problem(
                    "serves", str(_l("Choose an organisation goal for the unit goal to serve."))
                )
            )
    return problems


def check_values(
    session: Session,
    org_id: int,
    values: GoalValues,
    goal: CompetenceGoal | None = None,
    places: bool = True,
) -> list[Problem]:
    """Every problem of ``values`` (``places``: also the unit, parent and served goal)."""
    problems = _text_problems(values)
    if places:
        problems += _place_problems(session, org_id, values, goal)
    problems += _target_problems(session, org_id, values)
    problems += _date_problems(values)
    problems += _link_problems(session, org_id, values)
    return problems


# --- changes ------------------------------------------------------------------------------------


def _require_editor(editor: Editor | None, level: GoalLevel, unit_id: int | None) -> None:
    if editor is None or may_edit(editor, level, unit_id):
        return
    if level == GoalLevel.ORGANIZATION:
        message = _l("Only the organisation's leaders change its goals.")
    else:
        message = _l("Only the leaders of this school unit change its goals.")
    raise GoalForbiddenError("goal_forbidden", message)


def _apply(session: Session, goal: CompetenceGoal, values: GoalValues) -> list[str]:
    """Set the goal's values; the names of those that changed."""
    changed = []
    for name in SCALARS:
        value = getattr(values, name)
        if getattr(goal, name) != value:
            setattr(goal, name, value)
            changed.append(name)
    competences = _competences(session, goal.organization_id, values.competence_ids)
    if {c.id for c in goal.competences} != set(competences):
        goal.competences = [competences[i] for i in dict.fromkeys(values.competence_ids)]
        changed.append("competences")
    if {j.id for j in goal.journeys} != set(values.journey_ids):
        goal.journeys = list(
            session.scalars(select(Journey).where(Journey.id.in_(set(values.journey_ids))))
        )
        changed.append("journeys")
    return changed


def _next_position(session: Session, org_id: int, values: GoalValues) -> int:
    query = select(CompetenceGoal.position).where(CompetenceGoal.organization_id == org_id)
    query = query.where(
        CompetenceGoal.parent_id == values.parent_id
        if values.parent_id is not None
        else CompetenceGoal.parent_id.is_(None)
    )
    positions = list(session.scalars(query))
    return max(positions, default=-1) + 1


def create_goal(
    session: Session,
    org_id: int,
    values: GoalValues,
    editor: Editor | None = None,
    *,
    author_id: int | None = None,
    key: str | None = None,
    recording: Recording | None = None,
    commit: bool = True,
) -> CompetenceGoal:
    """Create a goal and record ``goal set``; every problem of ``values`` at once otherwise."""
    _require_editor(editor, values.level, values.unit_id)
    problems = check_values(session, org_id, values)
    if problems:
        raise GoalInvalidError(problems)
    goal = CompetenceGoal(
        organization_id=org_id,
        level=values.level,
        title=values.title,
        position=_next_position(session, org_id, values),
        created_by_id=author_id,
    )
    if key is not None:
        goal.key = key
    session.add(goal)
    _apply(session, goal, values)
    session.flush()
    _events(session, org_id, recording).record_set(goal, editor)
    if commit:
        session.commit()
    return goal


def update_goal(
    session: Session,
    goal: CompetenceGoal,
    values: GoalValues,
    editor: Editor | None = None,
    *,
    recording: Recording | None = None,
    commit: bool = True,
) -> list[str]:
    """Change a goal in place and record ``goal changed``; the names of the changed values.

    The editor must own the goal as it is and as it would be (a unit goal cannot be moved to a
    unit its editor does not lead).
    """
    _require_editor(editor, goal.level, goal.unit_id)
    _require_editor(editor, values.level, values.unit_id)
    problems = check_values(session, goal.organization_id, values, goal)
    if goal.children and (values.level != goal.level or values.unit_id != goal.unit_id):
        problems.append(
            Problem(
                "unit",
                str(_l("Move the sub-goals first: they keep the level and unit of their goal.")),
            )
        )
    if problems:
        raise GoalInvalidError(problems)
    changed = _apply(session, goal, values)
    if changed:
        session.flush()
        _events(session, goal.organization_id, recording).record_changed(goal, editor, changed)
    if commit:
        session.commit()
    return changed


def delete_goal(
    session: Session,
    goal: CompetenceGoal,
    editor: Editor | None = None,
    *,
    recording: Recording | None = None,
) -> None:
    """Delete a goal with its sub-goals (unit goals that served it keep standing, unlinked)."""
    _require_editor(editor, goal.level, goal.unit_id)
    _events(session, goal.organization_id, recording).record_removed(goal, editor)
    session.delete(goal)
    session.commit()


def _events(session: Session, org_id: int, recording: Recording | None) -> GoalEvents:
    return GoalEvents(session, recording or get_recording(), session.get_one(Organization, org_id))
