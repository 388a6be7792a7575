"""Where a plan stands: whose agreement it waits for, each goal's progress, what is overdue.

A goal's progress is 100 % once the employee has marked it done; before that it is the share of
the plan's journeys serving it that the employee has completed. A journey serves a goal when the
goal's organisation or unit goal names the journey, or when the journey's published version has
a goal of the individual goal's competence (or of a competence of the served goal). A goal is
overdue when its due date (or else the plan's deadline) has passed and it is not done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.models import Enrollment, Journey
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion


class PlanState(StrEnum):
    DRAFT = "draft"
    WAITING_FOR_EMPLOYEE = "waiting_for_employee"
    WAITING_FOR_MANAGER = "waiting_for_manager"
    AGREED = "agreed"


# The order a manager's list shows plans in: what needs someone first.
STATE_ORDER = {
    PlanState.WAITING_FOR_MANAGER: 0,
    PlanState.WAITING_FOR_EMPLOYEE: 1,
    PlanState.DRAFT: 2,
    PlanState.AGREED: 3,
}


def state_of(version: PlanVersion) -> PlanState:
    if version.employee_agreed_at and version.manager_agreed_at:
        return PlanState.AGREED
    if version.manager_agreed_at:
        return PlanState.WAITING_FOR_EMPLOYEE
    if version.employee_agreed_at:
        return PlanState.WAITING_FOR_MANAGER
    return PlanState.DRAFT


@dataclass(frozen=True)
class JourneyProgress:
    journey: Journey
    title: str
    started: bool
    completed: bool


@dataclass(frozen=True)
class GoalProgress:
    goal: PlanGoal
    done: bool
    percent: int
    journeys: list[JourneyProgress]
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class PlanProgress:
    plan: DevelopmentPlan
    version: PlanVersion
    state: PlanState
    goals: list[GoalProgress]
    journeys: list[JourneyProgress]

    @property
    def overdue(self) -> int:
        return sum(1 for g in self.goals if g.overdue)

    @property
    def done(self) -> int:
        return sum(1 for g in self.goals if g.done)


def due_date(goal: PlanGoal, version: PlanVersion) -> date | None:
    return goal.due_on or version.deadline


def is_overdue(goal: PlanGoal, version: PlanVersion, today: date) -> bool:
    due = due_date(goal, version)
    return goal.done_at is None and due is not None and due < today


def plan_progress(
    session: Session,
    plan: DevelopmentPlan,
    version: PlanVersion | None = None,
    today: date | None = None,
) -> PlanProgress:
    """The progress of ``version`` (the current one unless given) of the plan."""
    version = version or plan.current
    today = today or utcnow().date()
    enrollments = {
        e.journey_id: e
        for e in session.scalars(
            select(Enrollment).where(
                Enrollment.organization_id == plan.organization_id,
                Enrollment.person_id == plan.person_id,
                Enrollment.journey_id.in_([j.id for j in version.journeys]),
            )
        )
    }
    journeys: list[JourneyProgress] = []
    competencies: dict[int, set[str]] = {}
    for journey in version.journeys:
        published = latest_published(session, journey)
        enrollment = enrollments.get(journey.id)
        journeys.append(
            JourneyProgress(
                journey=journey,
                title=published.title if published else journey.slug,
                started=enrollment is not None,
                completed=enrollment is not None and enrollment.completed_at is not None,
            )
        )
        competencies[journey.id] = (
            {g.competency_iri for g in published.goals if g.competency_iri} if published else set()
        )
    goals = []
    for goal in version.goals:
        serving = [j for j in journeys if _serves(j.journey, goal, competencies[j.journey.id])]
        completed = sum(1 for j in serving if j.completed)
        done = goal.done_at is not None
        percent = 100 if done else (completed * 100 // len(serving) if serving else 0)
        goals.append(
            GoalProgress(
                goal=goal,
                done=done,
                percent=percent,
                journeys=serving,
                due=due_date(goal, version),
                overdue=is_overdue(goal, version, today),
            )
        )
    return PlanProgress(plan, version, state_of(version), goals, journeys)


def _serves(journey: Journey, goal: PlanGoal, journey_competencies: set[str]) -> bool:
    served = goal.serves
    if served is not None and any(j.id == journey.id for j in served.journeys):
        return True
    wanted = {goal.competence.iri} if goal.competence is not None else set()
    if served is not None:
        wanted |= {c.iri for c in served.competences}
        if served.target_competence is not None:
            wanted.add(served.target_competence.iri)
    return bool(wanted & journey_competencies)
