"""The plan form: posted fields to a draft, and a version back to the fields that show it.

Goals are numbered slots (``goal-0-title``, ``goal-0-key``...): a slot left without a title adds
nothing, and a goal of the plan whose ``remove`` box is ticked is left out. No JavaScript is
needed: the form offers the plan's goals and two empty slots, and saving shows two more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from lti_tool.plans.drafts import MAX_GOALS, GoalDraft, PlanDraft
from lti_tool.plans.errors import PlanError
from lti_tool.plans.models import PlanVersion
from lti_tool.validation import strict_int

EMPTY_SLOTS = 2
MAX_ID = 2**63 - 1
KEY_LENGTH = 36


def slot_count(goal_count: int) -> int:
    return min(goal_count + EMPTY_SLOTS, MAX_GOALS)


def _date(text: str | None, what: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_date(what)
    except ValueError:
        return _bad_date(what)


def _bad_date(what: str) -> date:
    raise PlanError("date_invalid", _l("Write %(what)s as a date: 2027-06-30.", what=what))


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    value = strict_int(text, 1, MAX_ID)
    if value is None:
        raise PlanError("choice_invalid", _l("Choose from the lists of the form."))
    return value


def _goal(form: Mapping[str, str], n: int) -> GoalDraft | None:
    prefix = f"goal-{n}-"
    key = (form.get(prefix + "key") or "").strip() or None
    if key is not None and len(key) > KEY_LENGTH:
        raise PlanError("goal_unknown", _l("That goal is not in the plan; reload the page."))
    title = form.get(prefix + "title") or ""
    if form.get(prefix + "remove") or (key is None and not title.strip()):
        return None
    level = (form.get(prefix + "level") or "").strip()
    target_level = strict_int(level, 1, 100) if level else None
    if level and target_level is None:
        raise PlanError("level_invalid", _l("Choose a target level from the list."))
    return GoalDraft(
        title=title,
        description=form.get(prefix + "description") or "",
        key=key,
        serves_id=_id(form.get(prefix + "serves")),
        competence_id=_id(form.get(prefix + "competence")),
        target_level=target_level,
        due_on=_date(form.get(prefix + "due"), str(_l("a goal's due date"))),
    )


def draft_from_form(form: MultiDict[str, str]) -> PlanDraft:
    """The draft the form asks for; malformed numbers and dates are a ``PlanError``."""
    goals = [_goal(form, n) for n in range(MAX_GOALS)]
    journeys = [_id(value) for value in form.getlist("journey")[: MAX_GOALS * 5]]
    return PlanDraft(
        title=form.get("title") or "",
        deadline=_date(form.get("deadline"), str(_l("the deadline"))),
        notes=(form.get("notes") or "").replace("\r\n", "\n"),
        goals=tuple(g for g in goals if g is not None),
        journey_ids=tuple(j for j in journeys if j is not None),
    )


def fields_of(version: PlanVersion) -> dict[str, str]:
    """The form's fields as they show ``version``."""
    fields = {
        "deadline": version.deadline.isoformat() if version.deadline else "",
        "notes": version.notes,
    }
    for n, goal in enumerate(version.goals):
        prefix = f"goal-{n}-"
        fields.update(
            {
                prefix + "key": goal.key,
                prefix + "title": goal.title,
                prefix + "description": goal.description,
                prefix + "serves": str(goal.serves_id or ""),
                prefix + "competence": str(goal.competence_id or ""),
                prefix + "level": str(goal.target_level or ""),
                prefix + "due": goal.due_on.isoformat() if goal.due_on else "",
            }
        )
    return fields
