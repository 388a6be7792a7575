"""A member's and a group's progress on a collegial cycle step: phases done, the step completed.

Individual phases (prepare, practice) are done by each member; the meeting by each member who
attended one of the group's occurrences of the step; the follow-up by the group's shared logbook
entry. The step completes for a member, through the player (progress, grade and xAPI as for any
step), when every phase is done and, when the author requires it, they gave feedback on a
colleague's evidence. Feedback is owed only once a colleague has evidence to give it on: a member
whose colleagues never gave any is not held back by them.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.collegial.cycle_events import CycleEvents
from lti_tool.collegial.cycle_models import Contribution, ContributionKind, PhaseCompletion
from lti_tool.collegial.cycle_state import (
    GroupCycle,
    cycle_config,
    find_phase,
    load_cycle,
    member_enrollment,
    member_group,
    require_group,
)
from lti_tool.collegial.membership import role_in_group
from lti_tool.collegial.models import Group, GroupRole, Occurrence
from lti_tool.db import utcnow
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.content import CollegialCycleConfig, CyclePhase
from lti_tool.journeys.errors import JourneyError
from lti_tool.journeys.evidence import Upload, check_evidence, check_evidence_quota
from lti_tool.journeys.models import Enrollment, Journey, Step, StepType
from lti_tool.journeys.player import (
    JourneyState,
    StepState,
    after_progress,
    complete_step,
    journey_events,
    load_state,
    lock_state,
    progress_row,
    touch,
)
from lti_tool.tenancy.models import Person

MAX_REFLECTION = 20_000


def _cycle_item(state: JourneyState, key: str) -> tuple[StepState, CollegialCycleConfig]:
    item = state.step(key)
    if item.step.type != StepType.COLLEGIAL_CYCLE:
        raise JourneyError("wrong_step_type", _l("This step is not a collegial learning cycle."))
    return item, cycle_config(item.step)


def _events(
    session: Session, group: Group, state: JourneyState, step: Step, config: CollegialCycleConfig
) -> CycleEvents:
    return CycleEvents(session, group, state.journey, step, config, state.version.language)


def _contribution(
    session: Session, group: Group, enrollment: Enrollment, step_key: str, phase: CyclePhase,
    kind: ContributionKind,
) -> Contribution | None:  # fmt: skip
    return session.scalars(
        select(Contribution).where(
            Contribution.group_id == group.id,
            Contribution.journey_id == enrollment.journey_id,
            Contribution.step_key == step_key,
            Contribution.phase_key == phase.key,
            Contribution.person_id == enrollment.person_id,
            Contribution.kind == kind,
        )
    ).first()


def _record_done(
    session: Session,
    events: CycleEvents,
    phase: CyclePhase,
    person: Person | None,
    journey_id: int,
) -> bool:
    """Record the phase done by the person (None: by the group) unless it is; True if new."""
    exists = session.scalar(
        select(PhaseCompletion.id).where(
            PhaseCompletion.group_id == events.group.id,
            PhaseCompletion.journey_id == journey_id,
            PhaseCompletion.step_key == events.step.key,
            PhaseCompletion.phase_key == phase.key,
            PhaseCompletion.person_id.is_(None)
            if person is None
            else PhaseCompletion.person_id == person.id,
        )
    )
    if exists is not None:
        return False
    try:
        # A savepoint: the same completion recorded at this moment by another request ends
        # this insert only, never the caller's transaction (an attendance being recorded).
        with session.begin_nested():
            session.add(
                PhaseCompletion(
                    group_id=events.group.id,
                    journey_id=journey_id,
                    step_key=events.step.key,
                    phase_key=phase.key,
                    person_id=person.id if person is not None else None,
                )
            )
    except IntegrityError:
        return False
    return True


def advance(
    session: Session, state: JourneyState, item: StepState, group: Group, acting: bool = True
) -> GroupCycle:
    """Complete the step for the enrollment's learner when their cycle is done (locked state).

    ``acting``: the learner made this change themselves (their last step is this one).
    """
    session.flush()
    cycle = load_cycle(session, group, state.enrollment.journey_id, item.step)
    member = cycle.member(state.enrollment.person_id)
    events = journey_events(session, state)
    before = state.before()
    progress_row(session, state, item)
    if acting:
        touch(state, item.step)
    if member is not None and member.complete and not item.done:
        complete_step(item, events)
        after_progress(state, events, before)
    events.flush()
    return cycle


def save_reflection(
    session: Session, state: JourneyState, key: str, phase_key: str, text: str
) -> Contribution:
    """The member's individual reflection of a preparation phase (saved again when changed)."""
    item, config = _cycle_item(state, key)
    phase = find_phase(config, phase_key, "prepare")
    body = text.strip()
    if len(body) < phase.reflection_min_length:
        raise JourneyError(
            "reflection_too_short",
            _l(
                "Write at least %(count)d characters (you wrote %(written)d).",
                count=phase.reflection_min_length,
                written=len(body),
            ),
        )
    if len(body) > MAX_REFLECTION:
        raise JourneyError(
            "reflection_too_long", _l("Keep the reflection under 20,000 characters.")
        )
    group = require_group(session, state.enrollment)
    state = lock_state(session, state)
    item = state.step(key)
    enrollment = state.enrollment
    kind = ContributionKind.REFLECTION
    contribution = _contribution(session, group, enrollment, item.step.key, phase, kind)
    if contribution is not None and contribution.text == body:
        session.commit()  # the same text saved twice (a double click): nothing changed
        return contribution
    if contribution is None:
        contribution = Contribution(
            organization_id=group.organization_id,
            group_id=group.id,
            journey_id=enrollment.journey_id,
            step_key=item.step.key,
            phase_key=phase.key,
            person_id=enrollment.person_id,
            kind=kind,
        )
        session.add(contribution)
    contribution.text = body
    person = session.get_one(Person, enrollment.person_id)
    events = _events(session, group, state, item.step, config)
    events.reflected(person, enrollment, phase, len(body))
    if _record_done(session, events, phase, person, enrollment.journey_id):
        events.phase_done(person, enrollment, phase)
    events.flush()
    advance(session, state, item, group)
    session.commit()
    return contribution


def give_evidence(
    session: Session,
    state: JourneyState,
    key: str,
    phase_key: str,
    kind: str,
    text: str = "",
    url: str = "",
    upload: Upload | None = None,
) -> Contribution:
    """The member's evidence from practice (text, a link or a file), within the phase's limits."""
    item, config = _cycle_item(state, key)
    phase = find_phase(config, phase_key, "practice")
    checked = check_evidence(phase, kind, text=text, url=url, upload=upload)
    group = require_group(session, state.enrollment)
    state = lock_state(session, state)
    item = state.step(key)
    enrollment = state.enrollment
    if checked.data is not None:
        check_evidence_quota(session, enrollment, len(checked.data))
    evidence_kind = ContributionKind.EVIDENCE
    contribution = _contribution(session, group, enrollment, item.step.key, phase, evidence_kind)
    if contribution is None:
        contribution = Contribution(
            organization_id=group.organization_id,
            group_id=group.id,
            journey_id=enrollment.journey_id,
            step_key=item.step.key,
            phase_key=phase.key,
            person_id=enrollment.person_id,
            kind=evidence_kind,
        )
        session.add(contribution)
    elif (contribution.text, contribution.url, contribution.filename, contribution.data) == (
        checked.text, checked.url, checked.filename, checked.data,
    ):  # fmt: skip
        session.commit()  # the same evidence sent twice: nothing changed
        return contribution
    contribution.text = checked.text
    contribution.url = checked.url
    contribution.filename = checked.filename
    contribution.content_type = checked.content_type
    contribution.size = len(checked.data) if checked.data is not None else None
    contribution.data = checked.data
    contribution.updated_at = utcnow()
    person = session.get_one(Person, enrollment.person_id)
    events = _events(session, group, state, item.step, config)
    events.evidenced(person, enrollment, phase, kind)
    if _record_done(session, events, phase, person, enrollment.journey_id):
        events.phase_done(person, enrollment, phase)
    events.flush()
    advance(session, state, item, group)
    session.commit()
    return contribution


def _member_state(
    session: Session, group: Group, journey_id: int, person_id: int, step_key: str
) -> tuple[JourneyState, StepState] | None:
    """A member's locked state and their item of the step, when they have opened the journey."""
    enrollment = member_enrollment(session, group, journey_id, person_id)
    if enrollment is None:
        return None
    state = lock_state(session, load_state(session, enrollment))
    item = next((s for s in state.steps if s.step.key == step_key), None)
    if item is None or item.step.type != StepType.COLLEGIAL_CYCLE:
        return None
    return state, item


def _published_step(session: Session, journey: Journey, step_key: str) -> tuple[Step, str] | None:
    """The step in the journey's latest published version, and the version's language."""
    version = latest_published(session, journey)
    if version is None:
        return None
    for section in version.sections:
        for step in section.steps:
            if step.key == step_key and step.type == StepType.COLLEGIAL_CYCLE:
                return step, version.language
    return None


def meeting_attended(
    session: Session, occurrence: Occurrence, person_id: int, at: datetime
) -> None:
    """Record a member's meeting phase done after attending the group's occurrence of a cycle
    step, and complete their step when that was the last thing left. Joins the caller's
    transaction (the caller commits); an occurrence of no group's cycle does nothing."""
    if occurrence.group_id is None:
        return
    group = session.get(Group, occurrence.group_id)
    journey = session.get(Journey, occurrence.journey_id)
    if group is None or journey is None:
        return
    if role_in_group(session, group, person_id) != GroupRole.MEMBER:
        return
    session.flush()
    member = _member_state(session, group, journey.id, person_id, occurrence.step_key)
    if member is not None:
        state, item = member
        step, language = item.step, state.version.language
    else:
        found = _published_step(session, journey, occurrence.step_key)
        if found is None:
            return
        step, language = found
    config = cycle_config(step)
    events = CycleEvents(session, group, journey, step, config, language)
    _record_meetings(
        session, events, person_id, journey.id, member[0].enrollment if member else None, at
    )
    events.flush()
    if member is not None:
        advance(session, member[0], member[1], group, acting=False)


def _record_meetings(
    session: Session,
    events: CycleEvents,
    person_id: int,
    journey_id: int,
    enrollment: Enrollment | None,
    at: datetime | None,
) -> None:
    """Record the meeting phases the member's attendance has done and no row says yet."""
    session.flush()
    cycle = load_cycle(session, events.group, journey_id, events.step)
    member = cycle.member(person_id)
    if member is None:
        return
    person = member.person
    for phase_state in member.phases:
        if phase_state.phase.kind == "meet" and phase_state.done and not phase_state.recorded:
            _record_done(session, events, phase_state.phase, person, journey_id)
            events.phase_done(person, enrollment, phase_state.phase, at)


def lock_group(session: Session, group: Group) -> None:
    """Hold the group's row until commit: the lock of its shared phases (taken first)."""
    # The unique rule cannot hold a completion whose person is NULL: two follow-ups at once
    # must not both find the phase undone. Taken before any statement is recorded, so two such
    # requests never hold parts of the statement store that the other waits for.
    session.execute(select(Group.id).where(Group.id == group.id).with_for_update())


def group_phase_done(
    session: Session, group: Group, journey: Journey, step_key: str, phase_key: str
) -> bool:
    """The group's follow-up phase done (by a shared logbook entry for it): recorded for the
    group, announced for each member, and the step completed for those now done. Joins the
    caller's transaction. False when it was done already or is not a follow-up phase."""
    found = _published_step(session, journey, step_key)
    if found is None:
        return False
    step, language = found
    config = cycle_config(step)
    phase = find_phase(config, phase_key)
    if phase.kind != "follow_up":
        return False
    events = CycleEvents(session, group, journey, step, config, language)
    lock_group(session, group)
    if not _record_done(session, events, phase, None, journey.id):
        return False
    members = load_cycle(session, group, journey.id, step).members
    enrollments = {
        m.person.id: member_enrollment(session, group, journey.id, m.person.id) for m in members
    }
    for m in members:
        events.phase_done(m.person, enrollments[m.person.id], phase)
    events.flush()
    session.flush()
    # Locked in enrollment order, so two groups' follow-ups at once cannot wait on each other.
    for enrollment in sorted((e for e in enrollments.values() if e), key=lambda e: e.id):
        member = _member_state(session, group, journey.id, enrollment.person_id, step_key)
        if member is not None:
            advance(session, member[0], member[1], group, acting=False)
    return True


def settle(session: Session, state: JourneyState, key: str) -> bool:
    """On opening the step: record meetings attended and complete a step that is done but not
    yet recorded (a colleague's follow-up, a meeting marked before the journey was opened).
    True when something was recorded."""
    item, config = _cycle_item(state, key)
    group = member_group(session, state.enrollment)
    if group is None:
        return False
    cycle = load_cycle(session, group, state.enrollment.journey_id, item.step)
    member = cycle.member(state.enrollment.person_id)
    if member is None:
        return False
    unrecorded = any(p.phase.kind == "meet" and p.done and not p.recorded for p in member.phases)
    if not unrecorded and (item.done or not member.complete):
        return False
    state = lock_state(session, state)
    item = state.step(key)
    events = _events(session, group, state, item.step, config)
    _record_meetings(session, events, state.enrollment.person_id, state.enrollment.journey_id,
                     state.enrollment, None)  # fmt: skip
    events.flush()
    advance(session, state, item, group, acting=False)
    session.commit()
    return True
