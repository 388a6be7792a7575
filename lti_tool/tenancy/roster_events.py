"""The ``registered`` and ``left`` statements: who joined or left a course's roster (NRPS).

Rosters are the denominators of follow-up (how many could have taken part, also among those who
never opened the tool), so a roster refresh records each change in the transaction that keeps
it: a new member is ``registered`` in the course, a member gone from the roster (or listed as
inactive or deleted) has ``left`` it. A refresh that finds the same roster records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.lti.models import Deployment, Registration
from lti_tool.lti.roles import highest_role
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Context, Organization, Unit
from xapi.statements import ActivityRef, Situation
from xapi.statements import Person as Actor

# The role a member is counted under: the course roles first, an institution's admin last.


@dataclass(frozen=True)
class RosterChange:
    """A member who joined or left: what the roster said about them."""

    sub: str
    name: str | None
    email: str | None
    tool_roles: Sequence[str]
    # The LIS role IRIs the platform listed; None when the member is no longer listed at all.
    lis_roles: Sequence[str] | None


class RosterEvents:
    """Builds and records the roster statements of one course."""

    def __init__(
        self,
        session: Session,
        recording: Recording,
        context: Context,
        registration: Registration,
    ) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.context = context
        self.registration = registration
        self.organization = session.get_one(Organization, context.organization_id)
        self.deployment = session.get(Deployment, context.deployment_id)
        self.unit = session.get(Unit, context.unit_id) if context.unit_id is not None else None

    def course_activity(self) -> ActivityRef:
        context = self.context
        return self.factory.activity(
            "lms-context",
            self.factory.activity_iri("lms-contexts", context.id),
            {"sv": context.title or context.label or context.context_id},
        )

    def _situation(self, change: RosterChange) -> Situation:
        org, registration = self.organization, self.registration
        role: dict[str, Any] = {"role": str(highest_role(change.tool_roles)), "preview": False}
        if change.lis_roles is not None:
            role["lis"] = list(change.lis_roles)
        unit = self.unit
        return Situation(
            # The course's school unit, so a unit's members can be counted with any xAPI client.
            groupings=(self.recording.unit_activity(unit),) if unit is not None else (),
            organization={"id": org.id, "slug": org.slug, "name": org.name},
            unit=self.recording.unit_extension(unit) if unit is not None else None,
            platform={
                "issuer": registration.issuer,
                "client_id": registration.client_id,
                "deployment_id": self.deployment.deployment_id if self.deployment else None,
            },
            extensions={"role": role},
        )

    def _statement(self, verb: str, change: RosterChange) -> dict[str, Any]:
        return self.factory.build(
            person=Actor(
                issuer=self.registration.issuer,
                sub=change.sub,
                name=change.name,
                email=change.email,
            ),
            policy=self.recording.policy(self.organization),
            verb=verb,
            target=self.course_activity(),
            situation=self._situation(change),
        )

    def record_changes(self, joined: Sequence[RosterChange], left: Sequence[RosterChange]) -> int:
        """Record ``registered`` for each new member and ``left`` for each gone, in the
        session's transaction; returns how many statements."""
        statements = [self._statement("registered", change) for change in joined]
        statements += [self._statement("left", change) for change in left]
        if statements:
            self.recording.record(self.session, self.organization, statements)
        return len(statements)
