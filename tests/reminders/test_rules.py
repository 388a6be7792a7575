"""The reminder scan makes each notice once, for the right people."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lti_tool.collegial.models import Occurrence, SignupStatus
from lti_tool.db import utcnow
from lti_tool.journeys.models import Assignment, AssignmentLevel, Enrollment, JourneyVersion
from lti_tool.reminders.models import Notice, NoticeKind
from lti_tool.reminders.rules import ReminderRules, scan
from lti_tool.tenancy.models import Context, Membership, Unit
from tests.reminders.conftest import World

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _scan(world: World, rules: ReminderRules | None = None) -> None:
    with world.session() as session:
        scan(session, utcnow(), rules)


def _notices(world: World, kind: NoticeKind) -> list[tuple[int, str]]:
    with world.session() as session:
        rows = session.execute(
            select(Notice.person_id, Notice.dedupe_key)
            .where(Notice.kind == kind)
            .order_by(Notice.person_id, Notice.id)
        )
        return [(person_id, key) for person_id, key in rows]


def test_scan_reminds_registered_people_of_a_session_soon_once(world: World) -> None:
    alva, bo = world.person("alva"), world.person("bo")
    key = world.occurrence(3 * HOUR, alva)
    world.signup(key, bo, SignupStatus.WAITING)
    _scan(world)
    _scan(world)
    assert _notices(world, NoticeKind.SESSION_SOON) == [(alva, f"session-soon:{key}:0")]


def test_scan_leaves_sessions_beyond_the_lead_time_and_cancelled_ones(world: World) -> None:
    alva = world.person("alva")
    world.occurrence(3 * DAY, alva)
    world.occurrence(2 * HOUR, alva, status="cancelled")
    world.occurrence(-HOUR, alva)
    _scan(world)
    assert _notices(world, NoticeKind.SESSION_SOON) == []


def test_scan_lead_time_is_configurable(world: World) -> None:
    alva = world.person("alva")
    world.occurrence(3 * DAY, alva)
    _scan(world, ReminderRules(session_lead=4 * DAY))
    assert len(_notices(world, NoticeKind.SESSION_SOON)) == 1


def test_scan_reminds_again_when_a_session_is_moved(world: World) -> None:
    alva = world.person("alva")
    key = world.occurrence(3 * HOUR, alva)
    _scan(world)
    with world.session() as session:
        session.execute(
            update(Occurrence)
            .where(Occurrence.key == key)
            .values(starts_at=utcnow() + 5 * HOUR, ends_at=utcnow() + 6 * HOUR, sequence=1)
        )
        session.commit()
    _scan(world)
    assert [k for _, k in _notices(world, NoticeKind.SESSION_SOON)] == [
        f"session-soon:{key}:0",
        f"session-soon:{key}:1",
    ]


def test_scan_session_notice_payload_names_the_session_and_step(world: World) -> None:
    alva = world.person("alva")
    key = world.occurrence(3 * HOUR, alva, title="", place="Rum 12")
    _scan(world)
    with world.session() as session:
        payload = session.scalars(select(Notice.payload)).one()
    assert payload["title"] == "Träff om återkoppling"
    assert payload["place"] == "Rum 12"
    assert (payload["journey"], payload["step"], payload["occurrence"]) == (
        "digital-kompetens",
        "step-meet",
        key,
    )


def test_scan_reminds_the_member_the_group_waits_on(world: World) -> None:
    alva, bo, cecilia = world.person("alva"), world.person("bo"), world.person("cecilia")
    group = world.group(alva, bo, cecilia)
    long_ago = utcnow() - 3 * DAY
    world.complete(group, "phase-prepare", alva, long_ago)
    world.complete(group, "phase-prepare", bo, long_ago)
    _scan(world)
    _scan(world)
    notices = _notices(world, NoticeKind.PHASE_WAITING)
    assert [person for person, _ in notices] == [cecilia]
    assert notices[0][1].endswith(":step-cycle:phase-prepare")


def test_scan_waits_the_grace_period_before_reminding(world: World) -> None:
    alva, bo = world.person("alva"), world.person("bo")
    group = world.group(alva, bo)
    world.complete(group, "phase-prepare", alva, utcnow() - 2 * HOUR)
    _scan(world, ReminderRules(phase_grace=DAY))
    assert _notices(world, NoticeKind.PHASE_WAITING) == []
    _scan(world, ReminderRules(phase_grace=HOUR))
    assert [p for p, _ in _notices(world, NoticeKind.PHASE_WAITING)] == [bo]


def test_scan_does_not_remind_in_a_phase_the_group_does_together(world: World) -> None:
    alva, bo = world.person("alva"), world.person("bo")
    group = world.group(alva, bo)
    long_ago = utcnow() - 3 * DAY
    world.complete(group, "phase-prepare", alva, long_ago)
    world.complete(group, "phase-prepare", bo, long_ago)
    # The group now meets; one member has already done the practice phase's part.
    world.complete(group, "phase-practice", alva, long_ago)
    _scan(world)
    assert _notices(world, NoticeKind.PHASE_WAITING) == []


def test_scan_reminds_in_the_practice_phase_after_the_meeting(world: World) -> None:
    alva, bo = world.person("alva"), world.person("bo")
    group = world.group(alva, bo)
    long_ago = utcnow() - 3 * DAY
    for person in (alva, bo):
        world.complete(group, "phase-prepare", person, long_ago)
    world.complete(group, "phase-meet", None, long_ago)
    world.complete(group, "phase-practice", bo, long_ago)
    _scan(world)
    notices = _notices(world, NoticeKind.PHASE_WAITING)
    assert [p for p, _ in notices] == [alva]
    assert notices[0][1].endswith(":phase-practice")


def _assign(world: World, level: AssignmentLevel, due_in: timedelta, **values: object) -> None:
    with world.session() as session:
        session.add(
            Assignment(
                organization_id=world.organization_id,
                journey_id=world.journey_id,
                level=level,
                due_at=utcnow() + due_in,
                **values,
            )
        )
        session.commit()


def _enroll(world: World, person_id: int, completed: bool) -> None:
    with world.session() as session:
        version_id = session.scalars(
            select(JourneyVersion.id).where(JourneyVersion.journey_id == world.journey_id)
        ).first()
        assert version_id is not None
        session.add(
            Enrollment(
                organization_id=world.organization_id,
                person_id=person_id,
                journey_id=world.journey_id,
                version_id=version_id,
                context_id=world.context_id,
                completed_at=utcnow() if completed else None,
            )
        )
        session.commit()


def test_scan_reminds_a_units_staff_of_an_overdue_journey_not_completed(world: World) -> None:
    alva, bo, cecilia = world.person("alva"), world.person("bo"), world.person("cecilia")
    with world.session() as session:
        unit = Unit(organization_id=world.organization_id, name="Norrskolan")
        session.add(unit)
        session.flush()
        unit_id = unit.id
        session.get_one(Context, world.context_id).unit_id = unit.id
        for person in (alva, bo):
            session.add(
                Membership(
                    organization_id=world.organization_id,
                    person_id=person,
                    context_id=world.context_id,
                )
            )
        session.commit()
    _enroll(world, bo, completed=True)
    _enroll(world, cecilia, completed=False)
    _assign(world, AssignmentLevel.UNIT, -HOUR, unit_id=unit_id)
    _scan(world)
    _scan(world)
    # Cecilia is not staff of the unit (no course of it); Bo has completed the journey.
    assert [p for p, _ in _notices(world, NoticeKind.STEP_OVERDUE)] == [alva]


def test_scan_reminds_everyone_of_an_organisations_overdue_journey(world: World) -> None:
    alva, bo = world.person("alva"), world.person("bo")
    _enroll(world, bo, completed=False)
    _assign(world, AssignmentLevel.ORGANIZATION, -HOUR)
    _scan(world)
    assert [p for p, _ in _notices(world, NoticeKind.STEP_OVERDUE)] == [alva, bo]


def test_scan_reminds_only_after_the_due_date(world: World) -> None:
    alva = world.person("alva")
    _assign(world, AssignmentLevel.INDIVIDUAL, DAY, person_id=alva)
    _scan(world)
    assert _notices(world, NoticeKind.STEP_OVERDUE) == []


def test_scan_reminds_the_person_of_a_journey_they_chose(world: World) -> None:
    alva = world.person("alva")
    world.person("bo")
    _assign(world, AssignmentLevel.INDIVIDUAL, -DAY, person_id=alva)
    _scan(world)
    assert [p for p, _ in _notices(world, NoticeKind.STEP_OVERDUE)] == [alva]
