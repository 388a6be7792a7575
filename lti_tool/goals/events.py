"""The goal statements: ``goal set`` (created), ``goal changed`` (updated) and ``goal removed``.

The goal is an activity minted under the installation's base URL by its key (``…/goals/<key>``,
like journeys: a goal's key is chosen per organisation, so it names nothing outside this
installation). Its target competence is a context activity with the competence's own IRI, its
school unit a grouping, and the goal's parent or the organisation goal it serves its parent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence
from lti_tool.goals.access import Editor
from lti_tool.goals.models import CompetenceGoal
from lti_tool.lti.models import Registration
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Person
from xapi.statements import ActivityRef, IdentifiedGroup, Situation, StatementFactory
from xapi.statements import Person as Actor


def goal_activity(factory: StatementFactory, goal: CompetenceGoal) -> ActivityRef:
    """The goal as an activity (object of the goal statements, context of assignments)."""
    return factory.activity(
        "competence-goal", factory.activity_iri("goals", goal.key), {"sv": goal.title}
    )


def competence_activity(factory: StatementFactory, competence: Competence) -> ActivityRef:
    """A framework's competence, by its own IRI."""
    return factory.activity(
        "competence",
        competence.iri,
        {"sv": competence.title_sv, "en": competence.title_en},
    )


def goal_extension(goal: CompetenceGoal, changed: list[str] | None = None) -> dict[str, Any]:
    """The ``competence-goal`` context extension: the goal's place, target and dates."""
    competence = goal.target_competence
    extension: dict[str, Any] = {
        "key": goal.key,
        "level": str(goal.level),
        "parent": goal.parent.key if goal.parent is not None else None,
        "serves": goal.serves.key if goal.serves is not None else None,
        "target": {
            "competence": competence.iri,
            "level": goal.target_level,
            "share": goal.target_share,
        }
        if competence is not None and goal.target_level and goal.target_share
        else None,
        "starts": goal.starts_on.isoformat() if goal.starts_on else None,
        "ends": goal.ends_on.isoformat() if goal.ends_on else None,
    }
    if changed is not None:
        extension["changed"] = changed
    return extension


class GoalEvents:
    """Builds and records the goal statements of one organisation."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.organization = organization

    def _actor(self, editor: Editor | None) -> Actor | IdentifiedGroup:
        # An administrator at the command line acts for the organisation.
        person = self.session.get(Person, editor.person_id) if editor is not None else None
        registration = (
            self.session.get(Registration, person.registration_id) if person is not None else None
        )
        if person is None or registration is None:
            return IdentifiedGroup(
                home_page=self.recording.base_url, name=f"organizations/{self.organization.id}"
            )
        return Actor(
            issuer=registration.issuer,
            sub=person.sub,
            name=person.display_name or None,
            email=person.email,
        )

    def statement(
        self, verb: str, goal: CompetenceGoal, editor: Editor | None, changed: list[str] | None
    ) -> dict[str, Any]:
        org = self.organization
        groupings: tuple[ActivityRef, ...] = (
            self.factory.activity(
                "organization", self.factory.activity_iri("organizations", org.id), {"sv": org.name}
            ),
        )
        unit = goal.unit
        if unit is not None:
            groupings += (self.recording.unit_activity(unit),)
        parents = tuple(
            goal_activity(self.factory, above)
            for above in (goal.parent, goal.serves)
            if above is not None
        )
        others = (
            (competence_activity(self.factory, goal.target_competence),)
            if goal.target_competence is not None
            else ()
        )
        return self.factory.build(
            person=self._actor(editor),
            policy=self.recording.policy(org),
            verb=verb,
            target=goal_activity(self.factory, goal),
            situation=Situation(
                parents=parents,
                groupings=groupings,
                others=others,
                organization={"id": org.id, "slug": org.slug, "name": org.name},
                unit=self.recording.unit_extension(unit) if unit is not None else None,
                extensions={"competence-goal": goal_extension(goal, changed)},
            ),
        )

    def _record(self, statement: dict[str, Any]) -> None:
        self.recording.record(self.session, self.organization, [statement])

    def record_set(self, goal: CompetenceGoal, editor: Editor | None) -> None:
        self._record(self.statement("created", goal, editor, None))

    def record_changed(
        self, goal: CompetenceGoal, editor: Editor | None, changed: list[str]
    ) -> None:
        self._record(self.statement("updated", goal, editor, changed))

    def record_removed(self, goal: CompetenceGoal, editor: Editor | None) -> None:
        self._record(self.statement("deleted", goal, editor, None))
