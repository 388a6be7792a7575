"""The statements of a collegial cycle step: phases reflected, evidenced, done; peer feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_models import Contribution
from lti_tool.collegial.models import Group
from lti_tool.collegial.statements import CollegialStatements
from lti_tool.journeys.content import CollegialCycleConfig, CyclePhase
from lti_tool.journeys.models import Enrollment, Journey, Step
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Organization, Person
from xapi.statements import ActivityRef

# The phases each member does themselves; the others (meet, follow up) the group does together.
INDIVIDUAL_KINDS = ("prepare", "practice")


def done_by(phase: CyclePhase) -> str:
    """``member`` for an individual phase, ``group`` for one the group does together."""
    return "member" if phase.kind in INDIVIDUAL_KINDS else "group"


class CycleEvents:
    """Builds and records the statements of one group's work on one cycle step."""

    def __init__(
        self,
        session: Session,
        group: Group,
        journey: Journey,
        step: Step,
        config: CollegialCycleConfig,
        language: str,
        recording: Recording | None = None,
    ) -> None:
        """``language``: the journey version's, which names its steps in every statement."""
        organization = session.get_one(Organization, group.organization_id)
        self.statements = CollegialStatements(session, recording or get_recording(), organization)
        self.group = group
        self.journey = journey
        self.step = step
        self.config = config
        self.language = language
        self._pending: list[dict[str, Any]] = []

    def step_activity(self) -> ActivityRef:
        factory = self.statements.factory
        return factory.activity(
            "step",
            self.statements.step_iri(self.journey, self.step.key),
            {self.language: self.step.title},
        )

    def phase_extension(self, phase: CyclePhase) -> dict[str, Any]:
        keys = [p.key for p in self.config.phases]
        return {
            "key": phase.key,
            "kind": phase.kind,
            "position": keys.index(phase.key) + 1,
            "of": len(keys),
            "done_by": done_by(phase),
        }

    def _emit(
        self,
        verb: str,
        actor: Person,
        enrollment: Enrollment | None,
        phase: CyclePhase,
        result: dict[str, Any],
        at: datetime | None,
        target: ActivityRef | None = None,
    ) -> None:
        phase_activity = self.statements.phase_activity(self.journey, self.step, phase)
        parents = (phase_activity,) if target is not None else (self.step_activity(),)
        situation = self.statements.situation(
            group=self.group,
            enrollment=enrollment,
            actor=actor,
            parents=parents,
            extensions={"cycle-phase": self.phase_extension(phase)},
        )
        self._pending.append(
            self.statements.build(verb, actor, target or phase_activity, situation, result, at)
        )

    def _length(self, length: int) -> dict[str, Any]:
        return {"extensions": {self.statements.factory.profile.extension("text-length"): length}}

    def reflected(
        self,
        actor: Person,
        enrollment: Enrollment | None,
        phase: CyclePhase,
        length: int,
        at: datetime | None = None,
    ) -> None:
        """The member's preparation reflection: its length only, never its text."""
        self._emit("commented", actor, enrollment, phase, self._length(length), at)

    def evidenced(
        self,
        actor: Person,
        enrollment: Enrollment | None,
        phase: CyclePhase,
        kind: str,
        at: datetime | None = None,
    ) -> None:
        self._emit("attempted", actor, enrollment, phase, {"response": kind}, at)

    def phase_done(
        self,
        actor: Person,
        enrollment: Enrollment | None,
        phase: CyclePhase,
        at: datetime | None = None,
    ) -> None:
        self._emit("completed", actor, enrollment, phase, {"completion": True}, at)

    def feedback_given(
        self,
        actor: Person,
        enrollment: Enrollment | None,
        phase: CyclePhase,
        contribution: Contribution,
        counts: tuple[int, int],
        at: datetime | None = None,
    ) -> None:
        """Feedback on a colleague's evidence: how many strengths and next steps, no words."""
        factory = self.statements.factory
        target = factory.activity(
            "practice-evidence",
            factory.activity_iri("groups", self.group.key, "evidence", contribution.key),
            {"sv": self.step.title},
        )
        extension = factory.profile.extension("peer-feedback")
        result = {"extensions": {extension: {"strengths": counts[0], "next_steps": counts[1]}}}
        self._emit("gave-feedback", actor, enrollment, phase, result, at, target=target)

    def flush(self) -> None:
        """Record what was built, in the caller's transaction."""
        pending, self._pending = self._pending, []
        self.statements.record(pending)
