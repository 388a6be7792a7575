"""The plan's statements: a version agreed by both, an individual goal set or changed, a goal done.

Each is recorded in the transaction of the change that caused it. The actor of ``agreed`` is the
employee whose plan it is, so that counting agreed plans per school unit is counting statements
(or distinct plan activities) per unit grouping; the statement is made once, when the second of
the two agrees. Served goals and competences are context activities with their stable IRIs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lti_tool.event_parts import organization_activity, person_actor_by_id
from lti_tool.goals.models import CompetenceGoal
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Unit
from xapi.statements import ActivityRef, Situation
from xapi.statements import Person as Actor

ADDED = "added"
CHANGED = "changed"


class PlanEvents:
    """Builds and records the statements of one organisation's development plans."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.organization = organization

    # --- activities ---------------------------------------------------------------------------
    def plan_activity(self, plan: DevelopmentPlan) -> ActivityRef:
        return self.factory.activity(
            "development-plan",
            self.factory.activity_iri("development-plans", plan.key),
            {"sv": plan.title},
        )

    def goal_activity(self, plan: DevelopmentPlan, goal: PlanGoal) -> ActivityRef:
        base = self.factory.activity(
            "individual-goal",
            self.factory.activity_iri("development-plans", plan.key, "goals", goal.key),
            {"sv": goal.title},
        )
        if goal.competence is None:
            return base
        return ActivityRef(
            iri=base.iri,
            type_iri=base.type_iri,
            names=base.names,
            extensions={"competency": goal.competence.iri},
        )

    def served_activity(self, goal: CompetenceGoal) -> ActivityRef:
        """An organisation or unit goal, by its key (stable for the goal's life)."""
        return self.factory.activity(
            "competence-goal",
            self.factory.activity_iri("goals", goal.key),
            {"sv": goal.title},
        )

    def organization_activity(self) -> ActivityRef:
        return organization_activity(self.factory, self.organization)

    # --- parts --------------------------------------------------------------------------------
    def _actor(self, person_id: int) -> Actor:
        return person_actor_by_id(self.session, person_id, "a plan")

    def _situation(
        self,
        units: list[Unit],
        extensions: dict[str, Any],
        parents: tuple[ActivityRef, ...] = (),
        others: tuple[ActivityRef, ...] = (),
    ) -> Situation:
        org = self.organization
        groupings = (
            self.organization_activity(),
            *(self.recording.unit_activity(u) for u in units),
        )
        return Situation(
            parents=parents,
            groupings=groupings,
            others=others,
            organization={"id": org.id, "slug": org.slug, "name": org.name},
            # The context extension names one unit; an employee of several has them all as
            # grouping activities.
            unit=self.recording.unit_extension(units[0]) if len(units) == 1 else None,
            extensions=extensions,
        )

    @staticmethod
    def plan_extension(plan: DevelopmentPlan, version: PlanVersion) -> dict[str, Any]:
        return {
            "key": plan.key,
            "version": version.number,
            "deadline": version.deadline.isoformat() if version.deadline else None,
        }

    # --- statements ---------------------------------------------------------------------------
    def agreed(
        self, plan: DevelopmentPlan, version: PlanVersion, units: list[Unit]
    ) -> dict[str, Any]:
        """``agreed``: both the employee and the manager have agreed to this version."""
        employee_at, manager_at = version.employee_agreed_at, version.manager_agreed_at
        if employee_at is None or manager_at is None:  # pragma: no cover - callers check
            raise ValueError("a plan version is agreed when both have agreed")
        extension = {
            **self.plan_extension(plan, version),
            "goals": len(version.goals),
            "journeys": len(version.journeys),
            "employee_agreed": employee_at.isoformat(),
            "manager_agreed": manager_at.isoformat(),
        }
        return self.factory.build(
            person=self._actor(plan.person_id),
            policy=self.recording.policy(self.organization),
            verb="agreed",
            target=self.plan_activity(plan),
            situation=self._situation(units, {"plan": extension}),
            timestamp=max(employee_at, manager_at),
        )

    def goal_set(
        self,
        plan: DevelopmentPlan,
        version: PlanVersion,
        goal: PlanGoal,
        change: str,
        actor_id: int,
        units: list[Unit],
    ) -> dict[str, Any]:
        """``set``: an individual goal was added to the plan or changed, by ``actor_id``."""
        others: tuple[ActivityRef, ...] = ()
        if goal.serves is not None:
            others += (self.served_activity(goal.serves),)
        if goal.competence is not None:
            others += (
                self.factory.activity(
                    "competence",
                    goal.competence.iri,
                    {"sv": goal.competence.title_sv, "en": goal.competence.title_en},
                ),
            )
        extensions = {
            "plan": self.plan_extension(plan, version),
            "plan-goal": {
                "change": change,
                "target_level": goal.target_level,
                "due": goal.due_on.isoformat() if goal.due_on else None,
            },
        }
        return self.factory.build(
            person=self._actor(actor_id),
            policy=self.recording.policy(self.organization),
            verb="set",
            target=self.goal_activity(plan, goal),
            situation=self._situation(
                units, extensions, parents=(self.plan_activity(plan),), others=others
            ),
        )

    def goal_done(
        self, plan: DevelopmentPlan, version: PlanVersion, goal: PlanGoal, units: list[Unit]
    ) -> dict[str, Any]:
        """``completed``: the employee marked an individual goal as done."""
        others = (self.served_activity(goal.serves),) if goal.serves is not None else ()
        return self.factory.build(
            person=self._actor(plan.person_id),
            policy=self.recording.policy(self.organization),
            verb="completed",
            target=self.goal_activity(plan, goal),
            situation=self._situation(
                units,
                {"plan": self.plan_extension(plan, version)},
                parents=(self.plan_activity(plan),),
                others=others,
            ),
            result={"completion": True},
        )

    def record(self, statements: list[dict[str, Any]]) -> None:
        if statements:
            self.session.flush()
            self.recording.record(self.session, self.organization, statements)
