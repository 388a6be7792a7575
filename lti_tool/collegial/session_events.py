"""The statements of live sessions: signing up, cancelling, checking in and attending.

Each names the occurrence (an ADL meeting) with the step as its parent and the ``session``
extension; a person's statement carries their enrollment's context when they have one in the
course, and a group's meeting names the group as ``context.team``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import AttendanceMethod, Group, Occurrence, SignupStatus
from lti_tool.collegial.statements import CollegialStatements
from lti_tool.journeys.events import JourneyEvents
from lti_tool.journeys.models import Enrollment, Journey, JourneyVersion, Step
from lti_tool.recording import Recording, get_recording
from lti_tool.tenancy.models import Organization, Person
from xapi.statements import ActivityRef, Situation


def enrollments_in_course(
    session: Session, occurrence: Occurrence, person_id: int
) -> list[Enrollment]:
    """The person's enrollments of the occurrence's journey in its course, oldest first."""
    if occurrence.context_id is None:
        return []
    return list(
        session.scalars(
            select(Enrollment)
            .where(
                Enrollment.organization_id == occurrence.organization_id,
                Enrollment.person_id == person_id,
                Enrollment.journey_id == occurrence.journey_id,
                Enrollment.context_id == occurrence.context_id,
            )
            .order_by(Enrollment.id)
        )
    )


class SessionEvents:
    """Builds the statements about one occurrence and records them in the caller's transaction."""

    def __init__(
        self, session: Session, occurrence: Occurrence, recording: Recording | None = None
    ) -> None:
        self.session = session
        self.occurrence = occurrence
        organization = session.get_one(Organization, occurrence.organization_id)
        self.statements = CollegialStatements(session, recording or get_recording(), organization)
        self.journey = session.get_one(Journey, occurrence.journey_id)
        self.group = (
            session.get(Group, occurrence.group_id) if occurrence.group_id is not None else None
        )
        self._pending: list[dict[str, Any]] = []
        self._step: ActivityRef | None = None
        self._situations: dict[int, Situation] = {}
        self._enrollments: dict[int, list[Enrollment]] = {}

    def enrollments(self, person_id: int) -> list[Enrollment]:
        """The person's enrollments of the journey in the course, read once."""
        if person_id not in self._enrollments:
            self._enrollments[person_id] = enrollments_in_course(
                self.session, self.occurrence, person_id
            )
        return self._enrollments[person_id]

    def adopt(self, person: Person, events: JourneyEvents) -> None:
        """Use the context of the person's enrollment from events the player has made."""
        self._situations[person.id] = events.situation((self._step_activity(),), person)

    def _step_activity(self) -> ActivityRef:
        if self._step is None:
            self._step = self._read_step_activity()
        return self._step

    def _read_step_activity(self) -> ActivityRef:
        # The step's title in the newest version that has it (its key is stable across versions).
        title = self.session.scalar(
            select(Step.title)
            .join(JourneyVersion, JourneyVersion.id == Step.version_id)
            .where(
                JourneyVersion.journey_id == self.journey.id,
                Step.key == self.occurrence.step_key,
            )
            .order_by(JourneyVersion.id.desc())
            .limit(1)
        )
        return self.statements.factory.activity(
            "step",
            self.statements.step_iri(self.journey, self.occurrence.step_key),
            {"sv": title or self.occurrence.step_key},
        )

    def session_extension(
        self,
        status: SignupStatus | None = None,
        position: int | None = None,
        method: AttendanceMethod | None = None,
    ) -> dict[str, Any]:
        occurrence = self.occurrence
        return {
            "occurrence": occurrence.key,
            "starts": _iso(occurrence.starts_at),
            "ends": _iso(occurrence.ends_at),
            "sequence": occurrence.sequence,
            "status": str(status) if status is not None else None,
            "position": position,
            "method": str(method) if method is not None else None,
        }

    def emit(
        self,
        verb: str,
        person: Person,
        *,
        status: SignupStatus | None = None,
        position: int | None = None,
        method: AttendanceMethod | None = None,
        result: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """One statement of ``person`` about the occurrence."""
        # One context per person, however many statements (check-in and attendance) they get.
        base = self._situations.get(person.id)
        if base is None:
            enrollments = self.enrollments(person.id)
            base = self._situations[person.id] = self.statements.situation(
                group=self.group,
                enrollment=enrollments[0] if enrollments else None,
                actor=person,
                parents=(self._step_activity(),),
            )
        extension = {"session": self.session_extension(status, position, method)}
        situation = replace(base, extensions={**base.extensions, **extension})
        target = self.statements.occurrence_activity(self.journey, self.occurrence)
        self._pending.append(
            self.statements.build(verb, person, target, situation, result=result, at=at)
        )

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        self.statements.record(pending)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
