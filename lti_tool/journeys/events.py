"""Domain events of journeys, each recorded as its xAPI statement in the caller's transaction.

One function per learner or instructor action. Each builds the statement of the profile (see
``docs/xapi-profile.md``) and hands it to the recorder, which stores it in the embedded LRS and/or
the outbox inside the same database transaction as the change that caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from lti_tool.journeys.content import Question
from lti_tool.journeys.models import Enrollment, Goal, Journey, JourneyVersion, Section, Step
from lti_tool.lti.models import Deployment, Registration
from lti_tool.lti.roles import is_preview
from lti_tool.recording import Recording, get_recording, role_extension
from lti_tool.tenancy.models import Context, Membership, Organization, Person, Unit
from xapi.statements import ActivityRef, Situation
from xapi.statements import Person as Actor

# How much of a goal's description and of a question's prompt an activity name carries.
GOAL_DESCRIPTION_CHARS = 1000
QUESTION_NAME_CHARS = 200

INTERACTION_TYPES = {
    "single": "choice",
    "multiple": "choice",
    "true_false": "true-false",
    "numeric": "numeric",
}


@dataclass(frozen=True)
class Scene:
    """Everything a statement needs about who acts, where, and in which enrollment.

    ``membership`` holds the learner's roles in the enrollment's course, ``actor_membership``
    those of another person acting on the enrollment (an instructor rating or replying), and
    ``origin`` the library journey this one was copied from.
    """

    organization: Organization
    person: Person
    registration: Registration
    context: Context | None
    unit: Unit | None
    deployment: Deployment | None
    journey: Journey
    version: JourneyVersion
    enrollment: Enrollment
    membership: Membership | None = None
    actor_membership: Membership | None = None
    origin: Journey | None = None

    @property
    def preview(self) -> bool:
        """Whether the enrollment is a preview: its learner is staff in the course or a test user."""
        if self.membership is None:
            return False
        return is_preview(self.membership.tool_roles or [], self.membership.lti_roles or [])

    @classmethod
    def load(
        cls,
        session: Session,
        enrollment: Enrollment,
        person: Person | None = None,
        actor: Person | None = None,
    ) -> Scene:
        """Everything about the enrollment in one query (a step's action records statements).

        ``actor``: another person who acts on the enrollment (an instructor), whose roles in the
        course are loaded in the same query.
        """
        origin = aliased(Journey)
        acting = aliased(Membership)
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
                Membership,
                acting,
                origin,
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
            .outerjoin(
                Membership,
                and_(
                    Membership.person_id == Enrollment.person_id,
                    Membership.context_id == Enrollment.context_id,
                ),
            )
            .outerjoin(
                acting,
                and_(
                    acting.person_id == (actor.id if actor is not None else None),
                    acting.context_id == Enrollment.context_id,
                ),
            )
            .outerjoin(origin, origin.id == Journey.copied_from_id)
            .where(Enrollment.id == enrollment.id)
        ).one()
        (
            organization,
            learner,
            registration,
            version,
            journey,
            context,
            unit,
            deployment,
            membership,
            actor_membership,
            origin_journey,
        ) = row
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
            membership=membership,
            actor_membership=actor_membership,
            origin=origin_journey,
        )


class JourneyEvents:
    """Builds and records the statements of one scene."""

    def __init__(
        self,
        session: Session,
        scene: Scene,
        recording: Recording | None = None,
        goals: Sequence[Goal] | None = None,
    ) -> None:
        """``goals``: the version's goals when the caller has them loaded (else loaded once)."""
        self.session = session
        self.scene = scene
        self.recording = recording or get_recording()
        self.factory = self.recording.factory
        self._pending: list[dict[str, Any]] = []
        self._goals = list(goals) if goals is not None else None

    @property
    def goals(self) -> list[Goal]:
        """The version's goals, read once per request however many statements name them."""
        if self._goals is None:
            self._goals = list(self.scene.version.goals)
        return self._goals
        self._memberships: dict[int, Membership | None] = {}

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
        """The goal with its description and, when linked, the competency it develops."""
        base = self.factory.activity("goal", self._iri("goals", goal.key), self._names(goal.title))
        description = (goal.description or "")[:GOAL_DESCRIPTION_CHARS]
        return ActivityRef(
            iri=base.iri,
            type_iri=base.type_iri,
            names=base.names,
            descriptions=self._names(description) if description else {},
            extensions={"competency": goal.competency_iri} if goal.competency_iri else {},
        )

    def goal_parents(self, goal: Goal) -> tuple[ActivityRef, ...]:
        """A sub-goal's parent is its goal; a goal's parent is the journey."""
        if goal.parent_id is not None:
            parent = next((g for g in self.goals if g.id == goal.parent_id), None)
            if parent is not None:
                return (self.goal_activity(parent),)
        return (self.journey_activity(),)

    def step_goals(self, step: Step) -> tuple[ActivityRef, ...]:
        """The goals the step serves, in the order the step names them."""
        by_key = {goal.key: goal for goal in self.goals}
        return tuple(self.goal_activity(by_key[k]) for k in step.goal_keys if k in by_key)

    def question_activity(self, step: Step, question: Question) -> ActivityRef:
        """The question as a complete cmi.interaction: prompt, choices, correct responses."""
        prompt = question.prompt
        base = self.factory.activity(
            "question",
            self._iri("steps", step.key, "questions", question.key),
            self._names(prompt[:QUESTION_NAME_CHARS]),
        )
        return ActivityRef(
            iri=base.iri,
            type_iri=base.type_iri,
            names=base.names,
            descriptions=self._names(prompt),
            interaction_type=INTERACTION_TYPES.get(question.kind),
            choices=tuple((c.key, self._names(c.text)) for c in question.choices)
            if question.kind in ("single", "multiple")
            else (),
            correct_responses=(correct_response(question),),
        )

    # --- statements ---------------------------------------------------------------------------
    def situation(self, parents: tuple[ActivityRef, ...], actor: Person | None = None) -> Situation:
        """The enrollment's context, for statements built elsewhere (group work)."""
        return self._situation(parents, actor)

    def _situation(
        self, parents: tuple[ActivityRef, ...], actor: Person | None = None
    ) -> Situation:
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
        if scene.unit is not None:
            groupings += (self.recording.unit_activity(scene.unit),)
        return Situation(
            registration=_uuid(scene.enrollment.registration),
            parents=parents,
            groupings=groupings,
            organization={
                "id": scene.organization.id,
                "slug": scene.organization.slug,
                "name": scene.organization.name,
            },
            unit=self.recording.unit_extension(scene.unit) if scene.unit else None,
            platform={
                "issuer": scene.registration.issuer,
                "client_id": scene.registration.client_id,
                "deployment_id": scene.deployment.deployment_id if scene.deployment else None,
            },
            # The language of the version the learner follows: its texts name the activities.
            language=scene.version.language,
            extensions={
                "journey-version": scene.version.number,
                "journey": self.journey_identity(),
                "role": self._role(actor),
            },
        )

    def journey_identity(self) -> dict[str, Any]:
        """The ``journey`` extension: slug and key, and the library journey it was copied from."""
        return self.recording.journey_identity(self.scene.journey, self.scene.origin)

    def _role(self, actor: Person | None) -> dict[str, Any]:
        """The ``role`` extension of whoever acts; ``preview`` always follows the enrollment."""
        scene = self.scene
        membership = scene.membership
        if actor is not None and actor.id != scene.enrollment.person_id:
            membership = self._membership_of(actor)
        tool_roles = membership.tool_roles if membership is not None else []
        lti_roles = membership.lti_roles if membership is not None else []
        return role_extension(tool_roles or [], lti_roles or [], scene.preview)

    def _membership_of(self, person: Person) -> Membership | None:
        scene = self.scene
        acting = scene.actor_membership
        if acting is not None and acting.person_id == person.id:
            return acting
        if scene.enrollment.context_id is None:
            return None
        # Not loaded with the scene (Scene.load without ``actor``): one query, then remembered.
        if person.id not in self._memberships:
            self._memberships[person.id] = self.session.scalars(
                select(Membership).where(
                    Membership.person_id == person.id,
                    Membership.context_id == scene.enrollment.context_id,
                )
            ).first()
        return self._memberships[person.id]

    def _emit(
        self,
        verb: str,
        target: ActivityRef,
        parents: tuple[ActivityRef, ...] = (),
        result: dict[str, Any] | None = None,
        actor: Person | None = None,
        others: tuple[ActivityRef, ...] = (),
        at: datetime | None = None,
    ) -> None:
        """Build one statement; ``at`` is the moment of the action when the caller fixed it."""
        who = actor or self.scene.person
        situation = self._situation(parents, actor)
        if others:
            situation = replace(situation, others=others)
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
                situation=situation,
                result=result,
                timestamp=at,
            )
        )

    def flush(self) -> int:
        """Record the statements built so far in the session's transaction."""
        statements, self._pending = self._pending, []
        if statements:
            self.recording.record(self.session, self.scene.organization, statements)
        return len(statements)

    def initialized(self) -> None:
        """The first opening of the enrollment: ``previewed`` when it is a preview (staff or a
        test student), so that previews never count as learners' starts."""
        self._emit("previewed" if self.scene.preview else "initialized", self.journey_activity())

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
            self.goal_parents(goal),
            {
                "score_raw": level,
                "score_min": 1,
                "score_max": 4,
                "extensions": {self.factory.profile.extension("rating-scale"): scale},
            },
            actor=rater,
        )

    def _step(
        self,
        verb: str,
        step: Step,
        section: Section,
        result: dict[str, Any] | None = None,
        actor: Person | None = None,
        at: datetime | None = None,
    ) -> None:
        """A statement about a step: its section as parent, its goals as other context."""
        self._emit(
            verb,
            self.step_activity(step),
            (self.section_activity(section),),
            result,
            actor=actor,
            others=self.step_goals(step),
            at=at,
        )

    def waived(self, step: Step, section: Section) -> None:
        self._step(
            "waived",
            step,
            section,
            {
                "completion": True,
                "extensions": {self.factory.profile.extension("reason"): "mastered"},
            },
        )

    def experienced(self, step: Step, section: Section) -> None:
        self._step("experienced", step, section)

    def completed_step(
        self,
        step: Step,
        section: Section,
        score: float | None = None,
        success: bool | None = None,
        duration: timedelta | None = None,
        at: datetime | None = None,
    ) -> None:
        result: dict[str, Any] = {"completion": True}
        if score is not None:
            result["score_scaled"] = round(score, 4)
        if success is not None:
            result["success"] = success
        if duration is not None:
            result["duration"] = duration
        self._step("completed", step, section, result, at=at)

    def commented(
        self, step: Step, section: Section, length: int, actor: Person | None = None
    ) -> None:
        # The reflection's text is private to the learner and the course's instructors: the
        # statement says that it was written and how long it is, never what it says.
        self._step(
            "commented",
            step,
            section,
            {"extensions": {self.factory.profile.extension("text-length"): length}},
            actor=actor,
        )

    def replied(
        self, step: Step, section: Section, length: int, actor: Person | None = None
    ) -> None:
        """A message in the dialogue on a reflection, by an instructor or the learner."""
        # Like the reflection, the message stays in the tool: only its length is recorded.
        self._step(
            "replied",
            step,
            section,
            {"extensions": {self.factory.profile.extension("text-length"): length}},
            actor=actor,
        )

    def answered(self, step: Step, question: Question, response: str, correct: bool) -> None:
        self._emit(
            "answered",
            self.question_activity(step, question),
            (self.step_activity(step),),
            {"response": response, "success": correct},
            others=self.step_goals(step),
        )

    def scored(
        self,
        step: Step,
        section: Section,
        score: float,
        passed: bool,
        attempt: int,
        duration: timedelta | None = None,
        at: datetime | None = None,
    ) -> None:
        result: dict[str, Any] = {
            "score_scaled": round(score, 4),
            "success": passed,
            "completion": passed,
            "extensions": {self.factory.profile.extension("attempt"): attempt},
        }
        if duration is not None:
            result["duration"] = duration
        self._step("passed" if passed else "failed", step, section, result, at=at)

    def attempted(self, step: Step, section: Section, kind: str) -> None:
        self._step("attempted", step, section, {"response": kind})

    def progressed(self, percent: int) -> None:
        self._emit(
            "progressed",
            self.journey_activity(),
            (),
            {"extensions": {self.factory.profile.extension("progress"): percent}},
        )

    def satisfied(self, goal: Goal) -> None:
        self._emit("satisfied", self.goal_activity(goal), self.goal_parents(goal))

    def completed_journey(
        self, done: int, waived: int, total: int, at: datetime | None = None
    ) -> None:
        """The journey completed: how many steps the learner did, how many were waived."""
        self._emit(
            "completed",
            self.journey_activity(),
            (),
            {
                "completion": True,
                "extensions": {
                    self.factory.profile.extension("steps"): {
                        "done": done,
                        "waived": waived,
                        "total": total,
                    }
                },
            },
            at=at,
        )

    def suspended(self, duration: timedelta) -> None:
        """The learner left the pages of a journey not yet completed, after ``duration``."""
        self._emit("suspended", self.journey_activity(), (), {"duration": duration})

    def terminated(self, duration: timedelta) -> None:
        """The learner left the pages of a completed journey, after ``duration``."""
        self._emit("terminated", self.journey_activity(), (), {"duration": duration})


def correct_response(question: Question) -> str:
    """The correct responses pattern of a question (xAPI 1.0.3, 4.1.4.1 interaction activities).

    Choice keys joined by ``[,]``; ``true`` or ``false``; the number, or ``min[:]max`` when the
    question accepts a range around it.
    """
    if question.kind in ("single", "multiple"):
        return "[,]".join(c.key for c in question.choices if c.correct)
    if question.kind == "true_false":
        return "true" if question.answer else "false"
    target = float(question.answer) if isinstance(question.answer, (int, float)) else 0.0
    if question.tolerance > 0:
        low, high = target - question.tolerance, target + question.tolerance
        return f"{_number(low)}[:]{_number(high)}"
    return _number(target)


def _number(value: float) -> str:
    # Up to 15 significant digits: 4.0 reads "4", 0.1 + 0.2 reads "0.3".
    return f"{value:.15g}"


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _issuer(session: Session, person: Person) -> str:
    registration = session.get(Registration, person.registration_id)
    return registration.issuer if registration else ""
