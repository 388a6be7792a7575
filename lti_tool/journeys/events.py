"""Domain events of journeys, each recorded as its xAPI statement in the caller's transaction.

One function per learner or instructor action. Each builds the statement of the profile (see
``docs/xapi-profile.md``) and hands it to the recorder, which stores it in the embedded LRS and/or
the outbox inside the same database transaction as the change that caused it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.journeys.models import Enrollment, Goal, Journey, JourneyVersion, Section, Step
from lti_tool.lti.models import Deployment, Registration
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Context, Organization, Person, Unit
from xapi.statements import ActivityRef, Situation
from xapi.statements import Person as Actor

INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true_false": "true-false",
    "numeric": "numeric",
}


@dataclass(frozen=True)
class Scene:
    """Everything a statement needs about who acts, where, and in which enrollment."""

    organization: Organization
    person: Person
    registration: Registration
    context: Context | None
    unit: Unit | None
    deployment: Deployment | None
    journey: Journey
    version: JourneyVersion
    enrollment: Enrollment

    @classmethod
    def load(cls, session: Session, enrollment: Enrollment, person: Person | None = None) -> Scene:
        """Everything about the enrollment in one query (a step's action records statements)."""
        row = session.execute(
            select(
                Organization,
                Person,
                Registration,
                JourneyVersion,
                Journey,
                Context,
                Unit,
                Deployment,
            )
            .select_from(Enrollment)
            .join(Organization, Organization.id == Enrollment.organization_id)
            .join(Person, Person.id == Enrollment.person_id)
            .join(Registration, Registration.id == Person.registration_id)
            .join(JourneyVersion, JourneyVersion.id == Enrollment.version_id)
            .join(Journey, Journey.id == Enrollment.journey_id)
            .outerjoin(Context, Context.id == Enrollment.context_id)
            .outerjoin(Unit, Unit.id == Context.unit_id)
            .outerjoin(Deployment, Deployment.id == Context.deployment_id)
            .where(Enrollment.id == enrollment.id)
        ).one()
        organization, learner, registration, version, journey, context, unit, deployment = row
        return cls(
            organization=organization,
            person=person or learner,
            registration=registration,
            context=context,
            unit=unit,
            deployment=deployment,
            journey=journey,
            version=version,
            enrollment=enrollment,
        )


class JourneyEvents:
    """Builds and records the statements of one scene."""

    def __init__(self, session: Session, scene: Scene, recording: Recording | None = None) -> None:
        self.session = session
        self.scene = scene
        self.recording = recording or get_recording()
        self.factory = self.recording.factory
        self._pending: list[dict[str, Any]] = []

    # --- activities ---------------------------------------------------------------------------
    def _iri(self, *parts: str | int) -> str:
        return self.factory.activity_iri("journeys", self.scene.journey.key, *parts)

    def _names(self, text: str) -> dict[str, str]:
        return {self.scene.version.language: text}

    def journey_activity(self) -> ActivityRef:
        return self.factory.activity("journey", self._iri(), self._names(self.scene.version.title))

    def section_activity(self, section: Section) -> ActivityRef:
        return self.factory.activity(
            "section", self._iri("sections", section.key), self._names(section.title)
        )

    def step_activity(self, step: Step) -> ActivityRef:
        return self.factory.activity("step", self._iri("steps", step.key), self._names(step.title))

    def goal_activity(self, goal: Goal) -> ActivityRef:
        return self.factory.activity("goal", self._iri("goals", goal.key), self._names(goal.title))

    def question_activity(self, step: Step, key: str, prompt: str, kind: str) -> ActivityRef:
        base = self.factory.activity(
            "question", self._iri("steps", step.key, "questions", key), self._names(prompt[:200])
        )
        return ActivityRef(
            iri=base.iri,
            type_iri=base.type_iri,
            names=base.names,
            interaction_type=INTERACTION_TYPES.get(kind),
        )

    # --- statements ---------------------------------------------------------------------------
    def _situation(self, parents: tuple[ActivityRef, ...]) -> Situation:
        scene = self.scene
        groupings: tuple[ActivityRef, ...] = (self.journey_activity(),)
        if scene.context is not None:
            groupings += (
                self.factory.activity(
                    "lms-context",
                    self.factory.activity_iri("lms-contexts", scene.context.id),
                    {"sv": scene.context.title or scene.context.label or scene.context.context_id},
                ),
            )
        return Situation(
            registration=_uuid(scene.enrollment.registration),
            parents=parents,
            groupings=groupings,
            organization={
                "id": scene.organization.id,
                "slug": scene.organization.slug,
                "name": scene.organization.name,
            },
            unit={"id": scene.unit.id, "name": scene.unit.name} if scene.unit else None,
            platform={
                "issuer": scene.registration.issuer,
                "client_id": scene.registration.client_id,
                "deployment_id": scene.deployment.deployment_id if scene.deployment else None,
            },
            language=scene.version.language,
            extensions={"journey-version": scene.version.number},
        )

    def _emit(
        self,
        verb: str,
        target: ActivityRef,
        parents: tuple[ActivityRef, ...] = (),
        result: dict[str, Any] | None = None,
        actor: Person | None = None,
    ) -> None:
        who = actor or self.scene.person
        self._pending.append(
            self.factory.build(
                person=Actor(
                    issuer=self.scene.registration.issuer
                    if actor is None
                    else _issuer(self.session, who),
                    sub=who.sub,
                    name=who.display_name or None,
                    email=who.email,
                ),
                policy=self.recording.policy(self.scene.organization),
                verb=verb,
                target=target,
                situation=self._situation(parents),
                result=result,
            )
        )

    def flush(self) -> int:
        """Record the statements built so far in the session's transaction."""
        statements, self._pending = self._pending, []
        if statements:
            self.recording.record(self.session, self.scene.organization, statements)
        return len(statements)

    def initialized(self) -> None:
        self._emit("initialized", self.journey_activity())

    def rated(
        self,
        goal: Goal,
        level: int,
        descriptor: str,
        phase: str | None = None,
        rater: Person | None = None,
    ) -> None:
        """A rating on the 4-level scale: the learner's own (``phase``), or by ``rater``.

        An instructor's rating has the instructor as actor; the learner's enrollment stays the
        registration, and ``source`` tells the two kinds apart.
        """
        scale: dict[str, Any] = {
            "level": level,
            "descriptor": descriptor,
            "source": "self" if rater is None else "instructor",
        }
        if phase is not None:
            scale["phase"] = phase
        self._emit(
            "rated",
            self.goal_activity(goal),
            (self.journey_activity(),),
            {
                "score_raw": level,
                "score_min": 1,
                "score_max": 4,
                "extensions": {self.factory.profile.extension("rating-scale"): scale},
            },
            actor=rater,
        )

    def waived(self, step: Step, section: Section) -> None:
        self._emit(
            "waived",
            self.step_activity(step),
            (self.section_activity(section),),
            {
                "completion": True,
                "extensions": {self.factory.profile.extension("reason"): "mastered"},
            },
        )

    def experienced(self, step: Step, section: Section) -> None:
        self._emit("experienced", self.step_activity(step), (self.section_activity(section),))

    def completed_step(
        self, step: Step, section: Section, score: float | None = None, success: bool | None = None
    ) -> None:
        result: dict[str, Any] = {"completion": True}
        if score is not None:
            result["score_scaled"] = round(score, 4)
        if success is not None:
            result["success"] = success
        self._emit("completed", self.step_activity(step), (self.section_activity(section),), result)

    def commented(
        self, step: Step, section: Section, length: int, actor: Person | None = None
    ) -> None:
        # The reflection's text is private to the learner and the course's instructors: the
        # statement says that it was written and how long it is, never what it says.
        self._emit(
            "commented",
            self.step_activity(step),
            (self.section_activity(section),),
            {"extensions": {self.factory.profile.extension("text-length"): length}},
            actor=actor,
        )

    def answered(
        self, step: Step, key: str, prompt: str, kind: str, response: str, correct: bool
    ) -> None:
        self._emit(
            "answered",
            self.question_activity(step, key, prompt, kind),
            (self.step_activity(step),),
            {"response": response, "success": correct},
        )

    def scored(
        self, step: Step, section: Section, score: float, passed: bool, attempt: int
    ) -> None:
        self._emit(
            "passed" if passed else "failed",
            self.step_activity(step),
            (self.section_activity(section),),
            {
                "score_scaled": round(score, 4),
                "success": passed,
                "completion": passed,
                "extensions": {self.factory.profile.extension("attempt"): attempt},
            },
        )

    def attempted(self, step: Step, section: Section, kind: str) -> None:
        self._emit(
            "attempted",
            self.step_activity(step),
            (self.section_activity(section),),
            {"response": kind},
        )

    def progressed(self, percent: int) -> None:
        self._emit(
            "progressed",
            self.journey_activity(),
            (),
            {"extensions": {self.factory.profile.extension("progress"): percent}},
        )

    def satisfied(self, goal: Goal) -> None:
        self._emit("satisfied", self.goal_activity(goal), (self.journey_activity(),))

    def completed_journey(self) -> None:
        self._emit("completed", self.journey_activity(), (), {"completion": True})

    def suspended(self, duration: timedelta) -> None:
        """The learner left the pages of a journey not yet completed, after ``duration``."""
        self._emit("suspended", self.journey_activity(), (), {"duration": duration})

    def terminated(self, duration: timedelta) -> None:
        """The learner left the pages of a completed journey, after ``duration``."""
        self._emit("terminated", self.journey_activity(), (), {"duration": duration})


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _issuer(session: Session, person: Person) -> str:
    registration = session.get(Registration, person.registration_id)
    return registration.issuer if registration else ""
