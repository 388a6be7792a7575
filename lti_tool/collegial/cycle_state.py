"""Where a group and each of its members stand on a collegial cycle step (read only).

A phase is done for a member when: prepare and practice, the member's own completion (their
reflection, their evidence); meet, the member attended one of the group's occurrences of the step
(the n-th meeting phase needs n attended occurrences) or its completion was recorded; follow up,
the group's shared logbook entry for it (one completion for the whole group).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_events import INDIVIDUAL_KINDS
from lti_tool.collegial.cycle_models import (
    Contribution,
    ContributionKind,
    PeerFeedback,
    PhaseCompletion,
)
from lti_tool.collegial.membership import group_of_member
from lti_tool.collegial.models import (
    Attendance,
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
)
from lti_tool.journeys.content import CollegialCycleConfig, CyclePhase, parse_step_config
from lti_tool.journeys.errors import JourneyConflictError, JourneyError, JourneyNotFoundError
from lti_tool.journeys.models import Enrollment, Step
from lti_tool.tenancy.models import Context, Person


def cycle_config(step: Step) -> CollegialCycleConfig:
    """The step's cycle config; a step of another type is refused."""
    config = parse_step_config(step.type.value, step.config)
    if not isinstance(config, CollegialCycleConfig):
        raise JourneyError("wrong_step_type", _l("This step is not a collegial learning cycle."))
    return config


def find_phase(config: CollegialCycleConfig, phase_key: str, kind: str | None = None) -> CyclePhase:
    """The phase of the cycle with this key (and kind, when given)."""
    for phase in config.phases:
        if phase.key == phase_key and (kind is None or phase.kind == kind):
            return phase
    raise JourneyNotFoundError("phase_not_found", _l("That phase is not part of this cycle."))


def member_group(session: Session, enrollment: Enrollment) -> Group | None:
    """The learner's group in the enrollment's course, else in the course's school unit."""
    unit_id = (
        session.scalar(select(Context.unit_id).where(Context.id == enrollment.context_id))
        if enrollment.context_id is not None
        else None
    )
    return group_of_member(
        session, enrollment.organization_id, enrollment.person_id, enrollment.context_id, unit_id
    )


def require_group(session: Session, enrollment: Enrollment) -> Group:
    group = member_group(session, enrollment)
    if group is None:
        raise JourneyConflictError(
            "no_group",
            _l(
                "You are not in a group yet. Join a group, or ask your facilitator to place "
                "you in one, before you work on this cycle."
            ),
        )
    return group


def member_enrollment(
    session: Session, group: Group, journey_id: int, person_id: int
) -> Enrollment | None:
    """The member's enrollment in the journey where the group works (its course or unit)."""
    query = select(Enrollment).where(
        Enrollment.organization_id == group.organization_id,
        Enrollment.person_id == person_id,
        Enrollment.journey_id == journey_id,
    )
    if group.context_id is not None:
        query = query.where(Enrollment.context_id == group.context_id)
    else:
        query = query.join(Context, Context.id == Enrollment.context_id).where(
            Context.unit_id == group.unit_id
        )
    return session.scalars(query.order_by(Enrollment.id.desc()).limit(1)).first()


@dataclass
class PhaseState:
    phase: CyclePhase
    position: int
    done: bool
    # Recorded as a completion row (else derived from attendance, for a meeting phase).
    recorded: bool

    @property
    def individual(self) -> bool:
        return self.phase.kind in INDIVIDUAL_KINDS


@dataclass
class MemberCycle:
    """One member's phases, and whether peer feedback is still owed."""

    person: Person
    phases: list[PhaseState]
    feedback_required: bool
    feedback_given: int

    @property
    def current(self) -> PhaseState | None:
        return next((p for p in self.phases if not p.done), None)

    @property
    def phases_done(self) -> bool:
        return all(p.done for p in self.phases)

    @property
    def feedback_missing(self) -> bool:
        return self.feedback_required and self.feedback_given == 0

    @property
    def complete(self) -> bool:
        return self.phases_done and not self.feedback_missing

    def phase(self, key: str) -> PhaseState:
        return next(p for p in self.phases if p.phase.key == key)


@dataclass
class GroupCycle:
    """A group on one cycle step: every member's state, its meetings and its evidence."""

    group: Group
    journey_id: int
    step: Step
    config: CollegialCycleConfig
    members: list[MemberCycle]
    occurrences: list[Occurrence]
    attendance: dict[int, set[int]] = field(default_factory=dict)  # occurrence -> people
    evidence: list[Contribution] = field(default_factory=list)

    def member(self, person_id: int) -> MemberCycle | None:
        return next((m for m in self.members if m.person.id == person_id), None)

    @property
    def current(self) -> PhaseState | None:
        """The first phase not every member has done: what the group waits on."""
        if not self.members:
            return None
        for position, _phase in enumerate(self.config.phases):
            if not all(m.phases[position].done for m in self.members):
                return self.members[0].phases[position]
        return None

    def behind(self, member: MemberCycle) -> list[PhaseState]:
        """The member's phases not done that a colleague has done already."""
        others = [m for m in self.members if m.person.id != member.person.id]
        return [
            p
            for index, p in enumerate(member.phases)
            if not p.done and any(o.phases[index].done for o in others)
        ]


def group_members(session: Session, group: Group) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(GroupMember, GroupMember.person_id == Person.id)
            .where(GroupMember.group_id == group.id, GroupMember.role == GroupRole.MEMBER)
            .order_by(GroupMember.id)
        )
    )


def group_occurrences(
    session: Session, group: Group, journey_id: int, step_key: str
) -> list[Occurrence]:
    return list(
        session.scalars(
            select(Occurrence)
            .where(
                Occurrence.organization_id == group.organization_id,
                Occurrence.group_id == group.id,
                Occurrence.journey_id == journey_id,
                Occurrence.step_key == step_key,
            )
            .order_by(Occurrence.starts_at, Occurrence.id)
        )
    )


def load_cycle(session: Session, group: Group, journey_id: int, step: Step) -> GroupCycle:
    """Every member's state on the step, read in a few queries."""
    config = cycle_config(step)
    where = (
        PhaseCompletion.group_id == group.id,
        PhaseCompletion.journey_id == journey_id,
        PhaseCompletion.step_key == step.key,
    )
    completions = {
        (row.phase_key, row.person_id)
        for row in session.execute(
            select(PhaseCompletion.phase_key, PhaseCompletion.person_id).where(*where)
        )
    }
    occurrences = group_occurrences(session, group, journey_id, step.key)
    attendance: dict[int, set[int]] = {o.id: set() for o in occurrences}
    if occurrences:
        for occurrence_id, person_id in session.execute(
            select(Attendance.occurrence_id, Attendance.person_id).where(
                Attendance.occurrence_id.in_(list(attendance))
            )
        ):
            attendance[occurrence_id].add(person_id)
    attended = Counter(p for people in attendance.values() for p in people)
    evidence = list(
        session.scalars(
            select(Contribution)
            .where(
                Contribution.group_id == group.id,
                Contribution.journey_id == journey_id,
                Contribution.step_key == step.key,
                Contribution.kind == ContributionKind.EVIDENCE,
            )
            .order_by(Contribution.created_at, Contribution.id)
        )
    )
    given = Counter(
        {
            giver: count
            for giver, count in session.execute(
                select(PeerFeedback.giver_id, func.count(PeerFeedback.id))
                .join(Contribution, Contribution.id == PeerFeedback.contribution_id)
                .where(
                    Contribution.group_id == group.id,
                    Contribution.journey_id == journey_id,
                    Contribution.step_key == step.key,
                )
                .group_by(PeerFeedback.giver_id)
            )
        }
    )
    members = []
    for person in group_members(session, group):
        phases = []
        meetings = 0
        for position, phase in enumerate(config.phases, start=1):
            if phase.kind == "follow_up":
                recorded = (phase.key, None) in completions
                done = recorded
            else:
                recorded = (phase.key, person.id) in completions
                done = recorded
                if phase.kind == "meet":
                    meetings += 1
                    done = recorded or attended[person.id] >= meetings
            phases.append(PhaseState(phase, position, done, recorded))
        colleague_evidence = any(c.person_id != person.id for c in evidence)
        members.append(
            MemberCycle(
                person=person,
                phases=phases,
                feedback_required=config.peer_feedback_required and colleague_evidence,
                feedback_given=given[person.id],
            )
        )
    return GroupCycle(
        group=group,
        journey_id=journey_id,
        step=step,
        config=config,
        members=members,
        occurrences=occurrences,
        attendance=attendance,
        evidence=evidence,
    )
