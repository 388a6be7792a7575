"""What every statement of group work shares: the group as team, its activities and the context.

The statements of groups, live sessions and collegial cycles (``docs/xapi-profile.md``, family
``collegial``) are built here. An action on a step of a journey the person has opened carries
their enrollment's context (registration, journey, course, role); a group's own events carry the
organisation, the group and, for a unit's group, the unit. Group work names the group as
``context.team`` (its members) and as a grouping activity.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.models import Group, GroupMember, GroupRole, Occurrence
from lti_tool.event_parts import organization_activity, person_actor
from lti_tool.journeys.content import CyclePhase
from lti_tool.journeys.events import JourneyEvents, Scene
from lti_tool.journeys.models import Enrollment, Journey, Step
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Person, Unit
from xapi.statements import ActivityRef, Situation, Team

# How many members a team lists at most: a group is small; a forged huge one must not make a
# statement the LRS refuses.
MAX_TEAM_MEMBERS = 200


def group_extension(group: Group, members: int) -> dict[str, Any]:
    """The ``group`` context extension."""
    return {
        "key": group.key,
        "scope": "course" if group.context_id is not None else "unit",
        "source": str(group.source),
        "members": members,
    }


class CollegialStatements:
    """Builds and records the statements of group work of one organisation."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.session = session
        self.recording = recording
        self.factory = recording.factory
        self.organization = organization
        self._teams: dict[int, tuple[Person, ...]] = {}

    # --- activities ---------------------------------------------------------------------------
    def group_activity(self, group: Group) -> ActivityRef:
        return self.factory.activity(
            "group", self.factory.activity_iri("groups", group.key), {"sv": group.name}
        )

    def step_iri(self, journey: Journey, step_key: str, *parts: str) -> str:
        return self.factory.activity_iri("journeys", journey.key, "steps", step_key, *parts)

    def occurrence_activity(self, journey: Journey, occurrence: Occurrence) -> ActivityRef:
        """An occurrence as an ADL meeting, named by its title (or the step's) and its start."""
        start = occurrence.starts_at.strftime("%Y-%m-%d %H:%M")
        title = occurrence.title or ""
        name = f"{title} {start}".strip()
        return self.factory.activity(
            "meeting",
            self.step_iri(journey, occurrence.step_key, "occurrences", occurrence.key),
            {"sv": name},
        )

    def phase_activity(self, journey: Journey, step: Step, phase: CyclePhase) -> ActivityRef:
        return self.factory.activity(
            "cycle-phase",
            self.step_iri(journey, step.key, "phases", phase.key),
            {"sv": phase.title or phase.kind},
        )

    # --- the team -----------------------------------------------------------------------------
    def members(self, group: Group) -> tuple[Person, ...]:
        """The group's members (not its facilitators) as they are now, read once per request."""
        if group.id not in self._teams:
            self._teams[group.id] = tuple(
                self.session.scalars(
                    select(Person)
                    .join(GroupMember, GroupMember.person_id == Person.id)
                    .where(GroupMember.group_id == group.id, GroupMember.role == GroupRole.MEMBER)
                    .order_by(GroupMember.id)
                    .limit(MAX_TEAM_MEMBERS)
                )
            )
        return self._teams[group.id]

    def forget_members(self, group: Group) -> None:
        """Read the members again at the next statement (after a join or a leave)."""
        self._teams.pop(group.id, None)

    def team(self, group: Group) -> Team:
        return Team(
            home_page=self.recording.base_url,
            name=f"groups/{group.key}",
            members=tuple(person_actor(self.session, p) for p in self.members(group)),
            title=group.name,
        )

    # --- statements ---------------------------------------------------------------------------
    def situation(
        self,
        *,
        group: Group | None = None,
        enrollment: Enrollment | None = None,
        actor: Person | None = None,
        parents: tuple[ActivityRef, ...] = (),
        extensions: dict[str, Any] | None = None,
    ) -> Situation:
        """The context: the enrollment's when there is one, else the organisation's; plus the
        group (team, grouping, extension) when the action is group work."""
        if enrollment is not None:
            events = JourneyEvents(
                self.session, Scene.load(self.session, enrollment), self.recording
            )
            situation = events.situation(parents, actor)
        else:
            org = self.organization
            groupings: tuple[ActivityRef, ...] = (organization_activity(self.factory, org),)
            unit = self.session.get(Unit, group.unit_id) if group and group.unit_id else None
            if unit is not None:
                groupings += (self.recording.unit_activity(unit),)
            situation = Situation(
                parents=parents,
                groupings=groupings,
                organization={"id": org.id, "slug": org.slug, "name": org.name},
                unit=self.recording.unit_extension(unit) if unit is not None else None,
            )
        more = dict(extensions or {})
        if group is not None:
            members = self.members(group)
            more["group"] = group_extension(group, len(members))
            situation = replace(
                situation,
                groupings=(*situation.groupings, self.group_activity(group)),
                team=self.team(group),
            )
        return replace(situation, extensions={**situation.extensions, **more})

    def build(
        self,
        verb: str,
        actor: Person,
        target: ActivityRef,
        situation: Situation,
        result: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        return self.factory.build(
            person=person_actor(self.session, actor),
            policy=self.recording.policy(self.organization),
            verb=verb,
            target=target,
            situation=situation,
            result=result,
            timestamp=at,
        )

    def record(self, statements: list[dict[str, Any]]) -> None:
        """Record in the caller's transaction (the embedded LRS and/or the outbox)."""
        if statements:
            self.recording.record(self.session, self.organization, statements)
