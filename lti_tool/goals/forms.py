"""Reading the goal and assignment forms: every field checked, each problem named by its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from lti_tool.goals.errors import Problem
from lti_tool.goals.models import GoalLevel
from lti_tool.goals.services import MAX_LINKS, GoalValues
from lti_tool.validation import strict_int

MAX_ID = 2**62
ORGANIZATION = "organization"


def _number(
    form: Mapping[str, str], name: str, problems: list[Problem], low: int, high: int
) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    value = strict_int(raw, low, high)
    if value is None:
        problems.append(
            Problem(
                name, str(_l("Give a whole number from %(low)d to %(high)d.", low=low, high=high))
            )
        )
    return value


def _date(form: Mapping[str, str], name: str, problems: list[Problem]) -> date | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if len(raw) == 10 else date.fromisoformat(raw)
    except ValueError:
        problems.append(
            Problem(name, str(_l("Give the date as YYYY-MM-DD, for example 2027-06-30.")))
        )
        return None


def _ids(form: MultiDict[str, str], name: str, problems: list[Problem]) -> list[int]:
    raw = form.getlist(name)[: MAX_LINKS + 1]
    values = [strict_int(item, 1, MAX_ID) for item in raw]
    if any(v is None for v in values) or len(raw) > MAX_LINKS:
        problems.append(Problem(name, str(_l("Choose from the list."))))
    return [v for v in dict.fromkeys(values) if v is not None]


def goal_values(form: MultiDict[str, str]) -> tuple[GoalValues, list[Problem]]:
    """The values of a goal form, and the problems of its shape (numbers, dates, choices)."""
    problems: list[Problem] = []
    place = form.get("unit", ORGANIZATION).strip() or ORGANIZATION
    unit_id = None
    if place != ORGANIZATION:
        unit_id = strict_int(place, 1, MAX_ID)
        if unit_id is None:
            problems.append(
                Problem("unit", str(_l("Choose one of the organisation's school units.")))
            )
    values = GoalValues(
        title=form.get("title", "")[:1000],
        level=GoalLevel.ORGANIZATION if place == ORGANIZATION else GoalLevel.UNIT,
        description=form.get("description", "")[:20_000].replace("\r\n", "\n"),
        unit_id=unit_id,
        parent_id=_number(form, "parent", problems, 1, MAX_ID),
        serves_id=_number(form, "serves", problems, 1, MAX_ID),
        target_competence_id=_number(form, "target_competence", problems, 1, MAX_ID),
        target_level=_number(form, "target_level", problems, 1, 100),
        target_share=_number(form, "target_share", problems, 1, 100),
        starts_on=_date(form, "starts_on", problems),
        ends_on=_date(form, "ends_on", problems),
        competence_ids=_ids(form, "competences", problems),
        journey_ids=_ids(form, "journeys", problems),
    )
    return values, problems


@dataclass(frozen=True)
class AssignmentChoice:
    """Who a journey is assigned to from a goal: ``organization``, ``unit`` or ``person``."""

    journey_id: int | None
    kind: str
    target_id: int | None
    due_at: datetime | None


def assignment_choice(form: Mapping[str, str]) -> tuple[AssignmentChoice, list[Problem]]:
    problems: list[Problem] = []
    journey_id = strict_int(form.get("journey"), 1, MAX_ID)
    if journey_id is None:
        problems.append(Problem("journey", str(_l("Choose a published journey."))))
    kind, _, raw_id = form.get("to", "").partition(":")
    target_id = strict_int(raw_id, 1, MAX_ID) if raw_id else None
    if kind not in (ORGANIZATION, "unit", "person") or (kind != ORGANIZATION and target_id is None):
        problems.append(Problem("to", str(_l("Choose who the journey is for."))))
    due = _date(form, "due_on", problems)
    due_at = datetime(due.year, due.month, due.day, tzinfo=UTC) if due else None
    return AssignmentChoice(journey_id, kind, target_id, due_at), problems
