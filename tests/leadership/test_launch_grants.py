"""Leadership read from launches: course Administrators lead the course's unit, mentors follow
the people the platform names; both end when the platform stops saying so, and are audited."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.leadership.models import GrantSource, Leader, Mentorship
from lti_tool.leadership.services import reach_of
from lti_tool.lti.runtime import get_runtime
from lti_tool.tenancy.models import AuditEvent
from tests.leadership.conftest import ADMINISTRATOR, LEARNER, MENTOR, ORG_ADMIN, Launches


def _reach(app: Flask, token: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        identity = get_runtime().tokens.verify(token)
        assert identity is not None
        with get_database(app).session() as session:
            return reach_of(session, identity)


def _leaders(app: Flask) -> list[tuple[int, int | None, GrantSource]]:
    with get_database(app).session() as session:
        return [
            (lead.person_id, lead.unit_id, lead.source)
            for lead in session.scalars(select(Leader).order_by(Leader.id))
        ]


def _audit_kinds(app: Flask) -> list[str]:
    with get_database(app).session() as session:
        return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_course_administrator_leads_the_courses_unit(app: Flask, launches: Launches) -> None:
    token = launches.launch("rektor", roles=ADMINISTRATOR)
    reach = _reach(app, token)
    assert reach.unit_ids == {launches.unit_id("Skola A")}
    assert not reach.whole_organization


def test_launch_grant_is_audited(app: Flask, launches: Launches) -> None:
    launches.launch("rektor", roles=ADMINISTRATOR)
    assert "leader.granted" in _audit_kinds(app)


def test_learner_leads_nothing(app: Flask, launches: Launches) -> None:
    assert not _reach(app, launches.launch("teacher")).is_leader


def test_institution_administrator_leads_the_whole_organisation(
    app: Flask, launches: Launches
) -> None:
    launches.launch("teacher")
    reach = _reach(app, launches.launch("chef", roles=ORG_ADMIN))
    assert reach.whole_organization
    assert reach.leads_unit(launches.unit_id("Skola A"))


def test_losing_the_administrator_role_ends_the_launch_grant(
    app: Flask, launches: Launches
) -> None:
    launches.launch("rektor", roles=ADMINISTRATOR)
    token = launches.launch("rektor", roles=LEARNER)
    assert not _reach(app, token).is_leader
    assert _audit_kinds(app)[-1] == "leader.revoked"


def test_grant_stays_while_another_course_of_the_unit_names_them(
    app: Flask, launches: Launches
) -> None:
    launches.launch("rektor", roles=ADMINISTRATOR, course="ledning")
    token = launches.launch("rektor", roles=LEARNER, course="fortbildning")
    assert _reach(app, token).unit_ids == {launches.unit_id("Skola A")}


def test_admin_named_grant_survives_a_launch_without_the_role(
    app: Flask, launches: Launches
) -> None:
    launches.launch("rektor", roles=ADMINISTRATOR)
    with get_database(app).session() as session:
        leader = session.scalars(select(Leader)).one()
        leader.source = GrantSource.ADMIN
        session.commit()
    launches.launch("rektor", roles=LEARNER)
    assert len(_leaders(app)) == 1


def test_administrator_of_another_unit_does_not_lead_this_one(
    app: Flask, launches: Launches
) -> None:
    launches.launch("rektor", roles=ADMINISTRATOR, unit="Skola B")
    token = launches.launch("rektor", roles=LEARNER, unit="Skola A")
    reach = _reach(app, token)
    assert reach.unit_ids == {launches.unit_id("Skola B")}
    assert not reach.leads_unit(launches.unit_id("Skola A"))


def test_mentor_follows_the_people_the_platform_names(app: Flask, launches: Launches) -> None:
    launches.launch("elev-1")
    token = launches.launch("mentor", roles=MENTOR, role_scope_mentor=["elev-1", "elev-2"])
    reach = _reach(app, token)
    # elev-2 has not launched yet: followed, but with no person to show until they do.
    assert reach.mentee_ids == {launches.person_id("elev-1")}
    with get_database(app).session() as session:
        assert set(session.scalars(select(Mentorship.mentee_sub))) == {"elev-1", "elev-2"}


def test_mentor_launch_without_a_mentee_ends_the_mentorship(app: Flask, launches: Launches) -> None:
    launches.launch("elev-1")
    launches.launch("mentor", roles=MENTOR, role_scope_mentor=["elev-1"])
    token = launches.launch("mentor", roles=MENTOR, role_scope_mentor=[])
    assert not _reach(app, token).is_leader
    assert _audit_kinds(app)[-1] == "mentor.synced"


def test_malformed_mentor_scope_names_nobody(app: Flask, launches: Launches) -> None:
    token = launches.launch("mentor", roles=MENTOR, role_scope_mentor={"sub": "elev-1"})
    assert not _reach(app, token).is_leader
