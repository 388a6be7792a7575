"""Follow-up fixtures: school units with staff, a framework, goals, survey rounds with answers,
journeys, plans and ratings of org-a, written straight into the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db import get_database
from lti_tool.frameworks.models import Competence, Framework
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.authoring import create_journey, publish
from lti_tool.journeys.content import JourneyDocument
from lti_tool.journeys.models import (
    Assignment,
    AssignmentLevel,
    Enrollment,
    Goal,
    GoalRating,
    Journey,
    JourneyVersion,
    RatingSource,
)
from lti_tool.lti.models import Deployment, Registration
from lti_tool.plans.models import DevelopmentPlan, PlanGoal, PlanVersion
from lti_tool.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyRound
from lti_tool.tenancy.models import Context, Membership, Organization, Person, Unit
from tests.conftest import Launcher
from tests.journeys.conftest import sample_document
from tests.leadership.conftest import Launches

LEVELS = [
    {"code": code, "name": {"sv": code, "en": code}}
    for code in ("A1", "A2", "B1", "B2", "C1", "C2")
]
COMPETENCE_IRI = "https://example.org/digcompedu/2.1"
OTHER_IRI = "https://example.org/digcompedu/3.1"


class World:
    """Builds org-a's follow-up data in one session; ids are kept, objects stay usable."""

    def __init__(self, session: Session, organization: Organization, registration_id: int) -> None:
        self.session = session
        self.org = organization
        self.registration_id = registration_id
        self.deployment_id = session.scalars(
            select(Deployment.id).where(Deployment.registration_id == registration_id)
        ).first()
        self._people = 0

    def unit(self, name: str) -> Unit:
        unit = self.session.scalar(
            select(Unit).where(Unit.organization_id == self.org.id, Unit.name == name)
        )
        if unit is None:
            unit = Unit(organization_id=self.org.id, name=name)
            self.session.add(unit)
            self.session.flush()
        return unit

    def course(self, unit: Unit) -> Context:
        context_id = f"course-{unit.name}"
        context = self.session.scalar(
            select(Context).where(
                Context.registration_id == self.registration_id, Context.context_id == context_id
            )
        )
        if context is None:
            assert self.deployment_id is not None
            context = Context(
                organization_id=self.org.id,
                registration_id=self.registration_id,
                deployment_id=self.deployment_id,
                context_id=context_id,
                title=f"Kurs {unit.name}",
                unit_id=unit.id,
            )
            self.session.add(context)
            self.session.flush()
        return context

    def staff(self, unit: Unit, count: int) -> list[int]:
        """``count`` people who launched in the unit's course."""
        context = self.course(unit)
        people = []
        for _ in range(count):
            self._people += 1
            person = Person(
                organization_id=self.org.id,
                registration_id=self.registration_id,
                sub=f"staff-{self._people}",
                name=f"Medarbetare {self._people}",
            )
            self.session.add(person)
            people.append(person)
        self.session.flush()
        self.session.add_all(
            Membership(
                organization_id=self.org.id,
                person_id=p.id,
                context_id=context.id,
                tool_roles=["learner"],
                lti_roles=[],
            )
            for p in people
        )
        self.session.flush()
        return [p.id for p in people]

    def framework(self) -> tuple[Competence, Competence]:
        framework = Framework(
            organization_id=self.org.id,
            iri="https://example.org/digcompedu",
            title_sv="DigCompEdu",
            title_en="DigCompEdu",
            levels=LEVELS,
        )
        first = Competence(
            iri=COMPETENCE_IRI,
            code="2.1",
            title_sv="Välja digitala resurser",
            title_en="Selecting digital resources",
            position=0,
        )
        second = Competence(
            iri=OTHER_IRI, code="3.1", title_sv="Undervisning", title_en="Teaching", position=1
        )
        framework.competences = [first, second]
        self.session.add(framework)
        self.session.flush()
        return first, second

    def goal(
        self,
        title: str,
        competence: Competence | None,
        level: int | None = 3,
        share: int | None = 60,
        unit: Unit | None = None,
        serves: CompetenceGoal | None = None,
    ) -> CompetenceGoal:
        goal = CompetenceGoal(
            organization_id=self.org.id,
            level=GoalLevel.UNIT if unit else GoalLevel.ORGANIZATION,
            unit_id=unit.id if unit else None,
            serves_id=serves.id if serves else None,
            title=title,
            target_competence_id=competence.id if competence else None,
            target_level=level,
            target_share=share,
        )
        self.session.add(goal)
        self.session.flush()
        return goal

    def survey(
        self, framework_id: int, competences: Sequence[Competence] = (), title: str = "Kartläggning"
    ) -> Survey:
        survey = Survey(organization_id=self.org.id, framework_id=framework_id, title=title)
        survey.competences = list(competences)
        self.session.add(survey)
        self.session.flush()
        return survey

    def round(self, survey: Survey, number: int, opens_on: date) -> SurveyRound:
        survey_round = SurveyRound(
            organization_id=self.org.id,
            survey_id=survey.id,
            number=number,
            opens_on=opens_on,
            closes_on=opens_on + timedelta(days=14),
        )
        self.session.add(survey_round)
        self.session.flush()
        return survey_round

    def answers(
        self,
        survey_round: SurveyRound,
        people: Sequence[int],
        unit: Unit | None,
        competence: Competence,
        levels: Sequence[int],
    ) -> None:
        """One response per person, answering ``competence`` at the person's level."""
        for person, level in zip(people, levels, strict=True):
            response = SurveyResponse(
                organization_id=self.org.id,
                round_id=survey_round.id,
                person_id=person,
                unit_id=unit.id if unit else None,
            )
            response.answers = [SurveyAnswer(competence_id=competence.id, level=level)]
            self.session.add(response)
        self.session.flush()

    def journey(
        self, slug: str = "digital-kompetens", competency: str | None = COMPETENCE_IRI
    ) -> Journey:
        body = sample_document(slug).model_dump()
        body["goals"][1]["competency"] = competency
        journey = create_journey(self.session, self.org.id, JourneyDocument.model_validate(body))
        publish(self.session, journey)
        return journey

    def assign(
        self,
        journey: Journey,
        level: AssignmentLevel,
        unit: Unit | None = None,
        person_id: int | None = None,
        goal: CompetenceGoal | None = None,
    ) -> None:
        self.session.add(
            Assignment(
                organization_id=self.org.id,
                journey_id=journey.id,
                level=level,
                unit_id=unit.id if unit else None,
                person_id=person_id,
                goal_id=goal.id if goal else None,
            )
        )
        self.session.flush()

    def enroll(
        self, journey: Journey, people: Sequence[int], completed: bool = False
    ) -> list[Enrollment]:
        version_id = self.session.scalar(
            select(JourneyVersion.id).where(JourneyVersion.journey_id == journey.id)
        )
        assert version_id is not None
        enrollments = [
            Enrollment(
                organization_id=self.org.id,
                person_id=p,
                journey_id=journey.id,
                version_id=version_id,
                completed_at=datetime.now(UTC) if completed else None,
            )
            for p in people
        ]
        self.session.add_all(enrollments)
        self.session.flush()
        return enrollments

    def rate(
        self, enrollments: Sequence[Enrollment], source: RatingSource, level: int, rater: int
    ) -> None:
        goal_id = self.session.scalar(
            select(Goal.id).where(
                Goal.version_id == enrollments[0].version_id, Goal.competency_iri == COMPETENCE_IRI
            )
        )
        assert goal_id is not None
        self.session.add_all(
            GoalRating(
                enrollment_id=e.id, goal_id=goal_id, source=source, level=level, rated_by_id=rater
            )
            for e in enrollments
        )
        self.session.flush()

    def plan(
        self,
        person: int,
        manager: int,
        goals: Sequence[tuple[str, date | None, bool]],
        deadline: date | None = None,
        version: int = 1,
    ) -> DevelopmentPlan:
        """A plan whose version ``version`` holds goals (title, due date, done)."""
        plan = DevelopmentPlan(
            organization_id=self.org.id, person_id=person, manager_id=manager, title="Plan"
        )
        self.session.add(plan)
        self.session.flush()
        for number in range(1, version + 1):
            plan_version = PlanVersion(plan_id=plan.id, number=number, deadline=deadline)
            plan_version.goals = [
                PlanGoal(
                    title=title,
                    position=i,
                    due_on=due,
                    done_at=datetime.now(UTC) if done else None,
                )
                for i, (title, due, done) in enumerate(goals)
            ]
            self.session.add(plan_version)
        self.session.flush()
        return plan


@pytest.fixture
def world(app: Flask, registration: Registration) -> Iterator[World]:
    with get_database(app).session() as session:
        organization = session.get_one(Organization, registration.organization_id)
        built = World(session, organization, registration.id)
        yield built
        session.commit()


def seed_two_units(world: World) -> dict[str, int]:
    """Skola A (14 staff) and Skola B (12), a unit goal of A serving an organisation goal,
    one survey round with answers from both, a journey for everyone with some progress, and
    overdue plan goals of two people of A. Returns the ids the tests name."""
    competence, _ = world.framework()
    a, b = world.unit("Skola A"), world.unit("Skola B")
    a_people, b_people = world.staff(a, 14), world.staff(b, 12)
    organisation_goal = world.goal("Digitala resurser för alla", competence, level=3, share=60)
    unit_goal = world.goal(
        "Skola A väljer resurser", competence, level=3, share=50, unit=a, serves=organisation_goal
    )
    survey = world.survey(competence.framework_id, [competence])
    first = world.round(survey, 1, date(2026, 2, 1))
    world.answers(first, a_people[:12], a, competence, [4] * 7 + [2] * 5)
    world.answers(first, b_people[:11], b, competence, [3] * 6 + [1] * 5)
    journey = world.journey()
    world.assign(journey, AssignmentLevel.ORGANIZATION, goal=organisation_goal)
    world.enroll(journey, a_people[:5] + b_people[:5], completed=True)
    world.enroll(journey, a_people[5:10] + b_people[5:10])
    late = [("Pröva AI-stöd i klassrummet", date(2026, 1, 15), False)]
    world.plan(a_people[0], a_people[-1], late)
    world.plan(a_people[1], a_people[-1], late)
    world.session.commit()
    return {
        "a": a.id,
        "b": b.id,
        "organisation_goal": organisation_goal.id,
        "unit_goal": unit_goal.id,
        "round": first.id,
        "late": a_people[0],
    }


@pytest.fixture
def launches(app: Flask, launcher: Launcher) -> Launches:
    """Launches into a unit's course (``tests.leadership``'s helper)."""
    return Launches(app, launcher)
