"""The ``assigned`` statement: a journey assigned at one of the three levels, or self-chosen.

Assignments are the denominators of follow-up (how many were meant to take a journey), so each
one is recorded in the transaction that creates it. The actor is who the journey was assigned
to: a group standing for the organisation or the school unit, or the person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lti_tool.event_parts import organization_activity, person_actor_by_id
from lti_tool.goals.events import goal_activity
from lti_tool.goals.models import CompetenceGoal
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.models import Assignment, AssignmentLevel, Journey, JourneyVersion
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Unit
from xapi.statements import ActivityRef, IdentifiedGroup, Situation
from xapi.statements import Person as Actor

SELF_CHOSEN = "self-chosen"


class AssignmentEvents:
    """Builds and records the ``assigned`` statements of one organisation."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.organization = organization

    # --- activities ---------------------------------------------------------------------------
    def journey_activity(self, journey: Journey, version: JourneyVersion | None) -> ActivityRef:
        """The journey, named by the title of the version it is assigned in."""
        names = {version.language: version.title} if version is not None else {}
        return self.factory.activity(
            "journey", self.factory.activity_iri("journeys", journey.key), names
        )

    def organization_activity(self) -> ActivityRef:
        return organization_activity(self.factory, self.organization)

    # --- extensions ---------------------------------------------------------------------------
    def journey_extension(self, journey: Journey) -> dict[str, Any]:
        origin = (
            self.session.get(Journey, journey.copied_from_id)
            if journey.copied_from_id is not None
            else None
        )
        return self.recording.journey_identity(journey, origin)

    @staticmethod
    def assignment_extension(
        assignment: Assignment, self_chosen: bool, goal: CompetenceGoal | None = None
    ) -> dict[str, Any]:
        due = assignment.due_at
        extension: dict[str, Any] = {
            "level": SELF_CHOSEN if self_chosen else str(assignment.level),
            "due": due.isoformat() if due is not None else None,
            "id": assignment.id,
        }
        if goal is not None:
            extension["goal"] = goal.key
        return extension

    # --- actors -------------------------------------------------------------------------------
    def _group(self, kind: str, row_id: int) -> IdentifiedGroup:
        return IdentifiedGroup(home_page=self.recording.base_url, name=f"{kind}/{row_id}")

    def _person(self, person_id: int) -> Actor:
        return person_actor_by_id(self.session, person_id, "an assignment")

    # --- statements ---------------------------------------------------------------------------
    def assigned(
        self,
        assignment: Assignment,
        journey: Journey,
        unit: Unit | None = None,
        self_chosen: bool = False,
        goal: CompetenceGoal | None = None,
    ) -> dict[str, Any]:
        """``assigned``: the journey was assigned to the organisation, a unit or a person (for a
        goal, when ``goal`` is given: it is then a context activity)."""
        org = self.organization
        groupings: tuple[ActivityRef, ...] = (self.organization_activity(),)
        actor: Actor | IdentifiedGroup
        if assignment.person_id is not None:
            actor = self._person(assignment.person_id)
        elif assignment.level == AssignmentLevel.UNIT and unit is not None:
            actor = self._group("units", unit.id)
        else:
            actor = self._group("organizations", org.id)
        unit_extension: dict[str, Any] | None = None
        if assignment.level == AssignmentLevel.UNIT and unit is not None:
            groupings += (self.recording.unit_activity(unit),)
            unit_extension = self.recording.unit_extension(unit)
        version = latest_published(self.session, journey)
        return self.factory.build(
            person=actor,
            policy=self.recording.policy(org),
            verb="assigned",
            target=self.journey_activity(journey, version),
            situation=Situation(
                groupings=groupings,
                others=(goal_activity(self.factory, goal),) if goal is not None else (),
                organization={"id": org.id, "slug": org.slug, "name": org.name},
                unit=unit_extension,
                language=version.language if version is not None else None,
                extensions={
                    "assignment": self.assignment_extension(assignment, self_chosen, goal),
                    "journey": self.journey_extension(journey),
                },
            ),
        )

    def record_assigned(
        self,
        assignment: Assignment,
        journey: Journey,
        unit: Unit | None = None,
        self_chosen: bool = False,
        goal: CompetenceGoal | None = None,
    ) -> None:
        """Record ``assigned`` in the session's transaction (the assignment is flushed first)."""
        self.session.flush()
        statement = self.assigned(assignment, journey, unit, self_chosen, goal)
        self.recording.record(self.session, self.organization, [statement])
