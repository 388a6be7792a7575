"""What the step page of a collegial cycle shows a learner: phases, forms, meetings, colleagues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_models import Contribution, ContributionKind, PeerFeedback
from lti_tool.collegial.cycle_progress import settle
from lti_tool.collegial.cycle_state import (
    GroupCycle,
    MemberCycle,
    cycle_config,
    load_cycle,
    member_group,
)
from lti_tool.collegial.membership import facilitated_groups
from lti_tool.collegial.models import Group, Occurrence, OccurrenceStatus
from lti_tool.collegial.peer_feedback import Given, feedback_on
from lti_tool.journeys.content import CollegialCycleConfig
from lti_tool.journeys.player import JourneyState, StepState, load_state
from lti_tool.launch_session import launch_identity, url_with_token
from lti_tool.lti.roles import is_staff

# Meetings are held in Sweden: their times are shown in Swedish time, whatever the server's zone.
LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


def live_url(endpoint: str, **values: Any) -> str:
    """A link to a live-session page (``collegial.session_views``)."""
    return url_with_token(endpoint, **values)


@dataclass(frozen=True)
class Meeting:
    occurrence: Occurrence
    starts: datetime  # local time
    ends: datetime
    attended: bool
    url: str | None

    @property
    def cancelled(self) -> bool:
        return self.occurrence.status == OccurrenceStatus.CANCELLED


def meetings(cycle: GroupCycle, person_id: int | None) -> list[Meeting]:
    """The group's occurrences of the step in local time, with the person's attendance."""
    return [
        Meeting(
            occurrence=o,
            starts=o.starts_at.astimezone(LOCAL_ZONE),
            ends=o.ends_at.astimezone(LOCAL_ZONE),
            attended=person_id is not None and person_id in cycle.attendance.get(o.id, set()),
            # The member's own page of a meeting is its check-in (the occurrence's page is the
            # facilitators'); a cancelled meeting has nothing to check in to.
            url=None
            if o.status == OccurrenceStatus.CANCELLED
            else live_url("sessions.check_in", key=o.key),
        )
        for o in cycle.occurrences
    ]


@dataclass
class CyclePage:
    """The learner's view of the cycle; ``group`` None means they are in no group yet."""

    config: CollegialCycleConfig
    group: Group | None = None
    cycle: GroupCycle | None = None
    member: MemberCycle | None = None
    mine: dict[tuple[str, str], Contribution] = field(default_factory=dict)  # (phase, kind)
    colleagues: list[Contribution] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    feedback: dict[int, list[Given]] = field(default_factory=dict)
    given_by_me: set[int] = field(default_factory=set)
    meetings: list[Meeting] = field(default_factory=list)
    groups_url: str | None = None
    logbook_url: str | None = None
    # The facilitator's view of the step, for course staff and the groups' facilitators.
    overview_url: str | None = None

    def contribution(self, phase_key: str, kind: str) -> Contribution | None:
        return self.mine.get((phase_key, kind))


def settled(session: Session, state: JourneyState, key: str) -> JourneyState:
    """The state after recording what the group did meanwhile (meetings, the follow-up)."""
    if not settle(session, state, key):
        return state
    return load_state(session, state.enrollment)


def page(session: Session, state: JourneyState, item: StepState) -> CyclePage:
    """Everything the cycle's step page shows the learner."""
    config = cycle_config(item.step)
    overview = _overview_url(session, state, item)
    group = member_group(session, state.enrollment)
    if group is None:
        return CyclePage(
            config=config, groups_url=live_url("groups.course_groups"), overview_url=overview
        )
    person_id = state.enrollment.person_id
    cycle = load_cycle(session, group, state.enrollment.journey_id, item.step)
    own = session.scalars(
        select(Contribution).where(
            Contribution.group_id == group.id,
            Contribution.journey_id == state.enrollment.journey_id,
            Contribution.step_key == item.step.key,
            Contribution.person_id == person_id,
        )
    )
    colleagues = [c for c in cycle.evidence if c.person_id != person_id]
    mine_evidence = [c for c in cycle.evidence if c.person_id == person_id]
    given = set(
        session.scalars(
            select(PeerFeedback.contribution_id).where(
                PeerFeedback.giver_id == person_id,
                PeerFeedback.contribution_id.in_([c.id for c in colleagues] or [0]),
            )
        )
    )
    return CyclePage(
        config=config,
        group=group,
        cycle=cycle,
        member=cycle.member(person_id),
        mine={(c.phase_key, c.kind.value): c for c in own},
        colleagues=colleagues,
        names={m.person.id: m.person.display_name for m in cycle.members},
        feedback=feedback_on(session, [c.id for c in colleagues + mine_evidence]),
        given_by_me=given,
        meetings=meetings(cycle, person_id),
        logbook_url=url_with_token("collegial.logbook_page", group_key=group.key),
        overview_url=overview,
    )


def _overview_url(session: Session, state: JourneyState, item: StepState) -> str | None:
    identity = launch_identity()
    if not is_staff(identity.roles) and not facilitated_groups(
        session, identity.organization_id, identity.person_id
    ):
        return None
    return url_with_token("collegial.step_groups", slug=state.journey.slug, key=item.step.key)


EVIDENCE = ContributionKind.EVIDENCE.value
REFLECTION = ContributionKind.REFLECTION.value
