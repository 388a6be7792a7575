"""Plans at a glance: a manager's staff with their plans, and the employee's own plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.leadership.services import Reach, managed_people
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.plans.progress import STATE_ORDER, PlanProgress, plan_progress
from lti_tool.plans.services import plans_of
from lti_tool.tenancy.models import Person


@dataclass(frozen=True)
class PersonPlans:
    """One person with the progress of their latest plan (``None`` without any plan)."""

    person: Person
    latest: PlanProgress | None
    earlier: list[DevelopmentPlan]


def _sort_key(row: PersonPlans) -> tuple[int, int, str, int]:
    # Overdue goals first, then what waits for someone, then the rest by name.
    latest = row.latest
    overdue = latest.overdue if latest is not None else 0
    state = STATE_ORDER[latest.state] if latest is not None else len(STATE_ORDER)
    return (-overdue, state, row.person.display_name.casefold(), row.person.id)


def people_plans(
    session: Session, organization_id: int, people: list[Person], today: date | None = None
) -> list[PersonPlans]:
    """These people with their plans, overdue goals first."""
    today = today or utcnow().date()
    plans: dict[int, list[DevelopmentPlan]] = {}
    for plan in plans_of(session, organization_id, [p.id for p in people]):
        plans.setdefault(plan.person_id, []).append(plan)
    rows = []
    for person in people:
        own = plans.get(person.id, [])
        latest = plan_progress(session, own[0], today=today) if own else None
        rows.append(PersonPlans(person, latest, own[1:]))
    return sorted(rows, key=_sort_key)


def team(session: Session, reach: Reach, today: date | None = None) -> list[PersonPlans]:
    """The people a leader manages, with their plans."""
    return people_plans(session, reach.organization_id, managed_people(session, reach), today)


def latest_plan(session: Session, organization_id: int, person_id: int) -> PlanProgress | None:
    """The progress of the person's newest plan, or ``None`` when they have none."""
    own = plans_of(session, organization_id, [person_id])
    return plan_progress(session, own[0]) if own else None
