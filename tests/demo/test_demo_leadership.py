"""The demo's leader world: framework, principal, staff, goals, plans, survey and enrollments."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.db import Base, get_database, utcnow
from lti_tool.demo.leadership import ORG_GOAL
from lti_tool.demo.staff import STAFF_PER_UNIT
from lti_tool.frameworks.models import Framework
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.models import Enrollment
from lti_tool.leadership.models import Leader
from lti_tool.leadership.services import manages, reach_of
from lti_tool.leadership.staff import unit_staff_counts
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from tests.demo.conftest import organization, person, unit
from tests.demo.test_demo import demo_launch


def _session(app: Flask) -> Session:
    return get_database(app).session()


def test_demo_seed_imports_digcompedu_in_every_organisation(seeded: Flask) -> None:
    with _session(seeded) as session:
        titles = session.scalars(select(Framework.title_en)).all()
    assert len(titles) == 2
    assert all("DigCompEdu" in t for t in titles)


def test_demo_seed_gives_every_unit_its_staff(seeded: Flask) -> None:
    with _session(seeded) as session:
        counts = {
            slug: unit_staff_counts(session, organization(session, slug).id)
            for slug in ("demo-norrstad", "demo-sodervik")
        }
    assert [sorted(c.values()) for c in counts.values()] == [
        [STAFF_PER_UNIT, STAFF_PER_UNIT],
        [STAFF_PER_UNIT],
    ]


def test_demo_seed_sets_an_organisation_goal_with_a_sub_goal_and_a_unit_goal(
    seeded: Flask,
) -> None:
    with _session(seeded) as session:
        org = organization(session)
        goal = session.scalars(
            select(CompetenceGoal).where(
                CompetenceGoal.organization_id == org.id, CompetenceGoal.title == ORG_GOAL
            )
        ).one()
        target = (goal.target_competence.code, goal.target_level, goal.target_share)  # type: ignore[union-attr]
        children = [c.title for c in goal.children]
        served_by = [(g.level, g.unit.name) for g in goal.served_by]  # type: ignore[union-attr]
        journeys = sorted(j.slug for j in goal.served_by[0].journeys)
    assert target == ("2.1", 3, 80)
    assert len(children) == 1
    assert served_by == [(GoalLevel.UNIT, "Norrskolan")]
    assert journeys == ["collegial-learning", "digital-kompetens"]


def test_demo_seed_makes_one_agreed_plan_and_one_waiting_for_the_employee(
    seeded: Flask,
) -> None:
    with _session(seeded) as session:
        org = organization(session)
        rektor = person(session, "demo-rektor")
        plans = session.scalars(
            select(DevelopmentPlan).where(DevelopmentPlan.organization_id == org.id)
        ).all()
        states = sorted(
            (
                p.person.sub,
                p.manager_id == rektor.id,
                p.current.agreed,
                p.current.manager_agreed_at is not None,
                len(p.current.goals),
            )
            for p in plans
        )
    assert states == [
        ("demo-learner", True, True, True, 2),
        ("demo-staff-25", True, False, True, 1),
    ]


def test_demo_seed_survey_has_a_closed_round_and_an_open_one(seeded: Flask) -> None:
    today = utcnow().date()
    with _session(seeded) as session:
        org = organization(session)
        survey = session.scalars(select(Survey).where(Survey.organization_id == org.id)).one()
        periods: list[tuple[date, date]] = [(r.opens_on, r.closes_on) for r in survey.rounds]
        codes = sorted(c.code for c in survey.competences)
    assert periods[0][1] < today
    assert periods[1][0] <= today <= periods[1][1]
    assert codes == ["2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4"]


def _responses_by_unit(session: Session, number: int) -> dict[str, int]:
    rows = session.execute(
        select(SurveyResponse.unit_id, func.count())
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .where(
            SurveyRound.number == number,
            SurveyRound.organization_id == organization(session).id,
        )
        .group_by(SurveyResponse.unit_id)
    ).all()
    names = {u.id: u.name for u in (unit(session, "Norrskolan"), unit(session, "Björkskolan"))}
    return {names[unit_id]: count for unit_id, count in rows if unit_id is not None}


def test_demo_seed_survey_has_most_staff_answering_and_one_small_unit(seeded: Flask) -> None:
    with _session(seeded) as session:
        answered = [_responses_by_unit(session, number) for number in (1, 2)]
    assert all(a["Björkskolan"] == 3 for a in answered)
    assert all(a["Norrskolan"] > STAFF_PER_UNIT * 3 // 4 for a in answered)


def test_demo_seed_survey_levels_rise_between_rounds(seeded: Flask) -> None:
    with _session(seeded) as session:
        averages = session.execute(
            select(SurveyRound.number, func.avg(SurveyAnswer.level))
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
            .group_by(SurveyRound.number)
            .order_by(SurveyRound.number)
        ).all()
    assert float(averages[1][1]) > float(averages[0][1]) + 0.5


def test_demo_seed_enrolls_staff_some_of_them_finished(seeded: Flask) -> None:
    with _session(seeded) as session:
        total, finished = session.execute(
            select(func.count(), func.count(Enrollment.completed_at))
        ).one()
    assert 0 < finished < total


def _row_counts(app: Flask) -> dict[str, int]:
    with get_database(app).engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def test_demo_seed_twice_creates_nothing_new(seeded: Flask, runner: FlaskCliRunner) -> None:
    before = _row_counts(seeded)
    second = runner.invoke(args=["demo", "seed"])
    assert "Demo was already seeded." in second.output
    assert _row_counts(seeded) == before


def test_demo_index_offers_the_principal_in_their_units_courses(seeded: Flask) -> None:
    page = seeded.test_client().get("/demo/").get_data(as_text=True)
    assert page.count("/demo/course/norrstad-digital/rektor") == 1
    assert "/demo/course/norrstad-kollegialt/rektor" not in page
    assert "Rektor" in page or "Principal" in page


def test_demo_principal_launch_leads_the_unit(seeded: Flask) -> None:
    client = seeded.test_client()
    page = demo_launch(client, "norrstad-digital", "rektor").get_data(as_text=True)
    assert "Maria Sjöberg" in page
    with _session(seeded) as session:
        rektor = person(session, "demo-rektor")
        leads = session.scalars(select(Leader.unit_id).where(Leader.person_id == rektor.id)).all()
        identity = LaunchIdentity(
            person_id=rektor.id,
            organization_id=rektor.organization_id,
            registration_id=rektor.registration_id,
            context_id=None,
            resource_link_id=None,
            roles=("instructor",),
            launch_id="test",
        )
        reach = reach_of(session, identity)
        own_staff = manages(session, reach, person(session, "demo-staff-25").id)
        other_staff = manages(session, reach, person(session, "demo-staff-1").id)
        norrskolan = unit(session, "Norrskolan").id
    assert leads == [norrskolan]
    assert (own_staff, other_staff) == (True, False)
