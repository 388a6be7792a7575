"""What the goal pages show: the viewer's rights, a goal with its neighbours, the form's choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.models import Competence, Framework
from lti_tool.frameworks.services import competences_of, depth_of, list_frameworks
from lti_tool.goals.access import may_edit, may_edit_goal, may_see, visible_unit_ids
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.goals.tree import serving_goals
from lti_tool.journeys.assignments import choosable
from lti_tool.journeys.authoring import current_draft, latest_published
from lti_tool.journeys.models import Assignment, Journey
from lti_tool.leadership.services import Reach, managed_people, manages, units_of_person
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.tenancy.models import Person, Unit


@dataclass(frozen=True)
class Viewer:
    """Who looks at the goals: their launch, their reach and the units whose goals they see."""

    identity: LaunchIdentity
    reach: Reach
    visible: frozenset[int] | None
    led_units: list[Unit]

    @property
    def may_create(self) -> bool:
        return self.reach.whole_organization or bool(self.led_units)

    def may_edit(self, goal: CompetenceGoal) -> bool:
        return may_edit_goal(self.reach, goal)

    def may_see(self, goal: CompetenceGoal) -> bool:
        return goal.organization_id == self.reach.organization_id and may_see(goal, self.visible)


def viewer_of(session: Session, identity: LaunchIdentity, reach: Reach) -> Viewer:
    own = units_of_person(session, identity.organization_id, identity.person_id)
    units = session.scalars(
        select(Unit).where(Unit.organization_id == identity.organization_id).order_by(Unit.name)
    )
    led = [unit for unit in units if reach.leads_unit(unit.id)]
    return Viewer(identity, reach, visible_unit_ids(reach, [u.id for u in own]), led)


def level_of(competence: Competence | None, number: int | None) -> dict[str, Any] | None:
    """The framework's level ``number`` (1-based) of the competence: code, name, descriptor."""
    if competence is None or number is None:
        return None
    levels = competence.framework.levels
    return levels[number - 1] if 1 <= number <= len(levels) else None


def journey_title(session: Session, journey: Journey) -> str:
    version = latest_published(session, journey) or current_draft(session, journey)
    return version.title if version is not None else journey.slug


@dataclass
class AssignedRow:
    journey_title: str
    level: str
    unit: Unit | None
    person: Person | None
    due_on: str | None


@dataclass
class GoalPage:
    goal: CompetenceGoal
    editable: bool
    children: list[CompetenceGoal]
    serving: list[CompetenceGoal]
    target_level: dict[str, Any] | None
    journeys: list[tuple[Journey, str]]
    assigned: list[AssignedRow]
    # Assignment choices, for leaders: published journeys and whom they may assign them to.
    offer: list[tuple[Journey, str]] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    whole_organization: bool = False


def goal_page(session: Session, viewer: Viewer, goal: CompetenceGoal) -> GoalPage:
    rows = session.scalars(
        select(Assignment)
        .where(Assignment.goal_id == goal.id, Assignment.organization_id == goal.organization_id)
        .order_by(Assignment.created_at, Assignment.id)
    )
    assigned = []
    for row in rows:
        person = session.get(Person, row.person_id) if row.person_id is not None else None
        if person is not None and not manages(session, viewer.reach, person.id):
            person = None  # named only to those who follow the person up
        journey = session.get_one(Journey, row.journey_id)
        assigned.append(
            AssignedRow(
                journey_title=journey_title(session, journey),
                level=str(row.level),
                unit=session.get(Unit, row.unit_id) if row.unit_id is not None else None,
                person=person,
                due_on=row.due_at.strftime("%Y-%m-%d") if row.due_at else None,
            )
        )
    page = GoalPage(
        goal=goal,
        editable=viewer.may_edit(goal),
        children=[child for child in goal.children if viewer.may_see(child)],
        serving=[g for g in serving_goals(session, goal) if viewer.may_see(g)],
        target_level=level_of(goal.target_competence, goal.target_level),
        journeys=[(j, journey_title(session, j)) for j in goal.journeys],
        assigned=assigned,
    )
    if viewer.reach.whole_organization or viewer.led_units or viewer.reach.mentee_ids:
        page.offer = [
            (journey, version.title) for journey, version in choosable(session, viewer.identity)
        ]
        page.units = viewer.led_units
        page.people = managed_people(session, viewer.reach)
        page.whole_organization = viewer.reach.whole_organization
    return page


@dataclass
class FormChoices:
    """The choices of the goal form, all of the organisation."""

    units: list[Unit]
    may_set_organization_goals: bool
    organization_goals: list[CompetenceGoal]
    parents: list[CompetenceGoal]
    frameworks: list[tuple[Framework, list[tuple[Competence, int]]]]
    journeys: list[tuple[Journey, str]]


def form_choices(session: Session, viewer: Viewer, goal: CompetenceGoal | None) -> FormChoices:
    org_id = viewer.identity.organization_id
    goals = list(
        session.scalars(
            select(CompetenceGoal)
            .where(CompetenceGoal.organization_id == org_id)
            .order_by(CompetenceGoal.level, CompetenceGoal.position, CompetenceGoal.id)
        )
    )

    def inside(candidate: CompetenceGoal) -> bool:
        node: CompetenceGoal | None = candidate
        while node is not None:
            if goal is not None and node.id == goal.id:
                return True
            node = node.parent
        return False

    frameworks = []
    for framework in list_frameworks(session, org_id):
        rows = competences_of(session, framework)
        depths = depth_of(rows)
        frameworks.append((framework, [(row, depths[row.id]) for row in rows]))
    journeys = list(
        session.scalars(
            select(Journey).where(Journey.organization_id == org_id).order_by(Journey.slug)
        )
    )
    return FormChoices(
        units=viewer.led_units,
        may_set_organization_goals=viewer.reach.whole_organization,
        organization_goals=[g for g in goals if g.level == GoalLevel.ORGANIZATION],
        parents=[g for g in goals if may_edit(viewer.reach, g.level, g.unit_id) and not inside(g)],
        frameworks=frameworks,
        journeys=[(j, journey_title(session, j)) for j in journeys],
    )
