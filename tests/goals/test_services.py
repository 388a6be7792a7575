"""Goal services: owners create, change and delete goals; every problem names its field."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.goals import services
from lti_tool.goals.errors import GoalForbiddenError, GoalInvalidError, GoalNotFoundError
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.goals.tree import goal_tree, serving_goals
from lti_tool.recording import get_recording
from tests.goals.conftest import (
    World,
    org_goal,
    org_leader,
    statements,
    unit_goal,
    unit_leader,
)


def _fields(exc: pytest.ExceptionInfo[GoalInvalidError]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_create_goal_stores_target_dates_and_links(
    app: Flask, session: Session, world: World
) -> None:
    values = org_goal(
        target_competence_id=world.feedback_id,
        target_level=2,
        target_share=80,
        starts_on=date(2026, 8, 1),
        ends_on=date(2027, 6, 30),
        competence_ids=[world.selecting_id],
        journey_ids=[world.journey_id],
    )
    goal = services.create_goal(
        session, world.org_id, values, org_leader(world), recording=get_recording(app)
    )
    stored = services.get_goal(session, world.org_id, goal.id)
    assert (stored.target_level, stored.target_share, stored.ends_on) == (2, 80, date(2027, 6, 30))
    assert [c.id for c in stored.competences] == [world.selecting_id]
    assert [j.id for j in stored.journeys] == [world.journey_id]


def test_every_problem_is_reported_with_its_field(session: Session, world: World) -> None:
    values = org_goal(
        title=" ",
        target_competence_id=world.feedback_id,
        target_level=9,
        target_share=0,
        starts_on=date(2027, 1, 1),
        ends_on=date(2026, 1, 1),
        journey_ids=[world.other_journey_id],
    )
    with pytest.raises(GoalInvalidError) as exc:
        services.create_goal(session, world.org_id, values)
    assert _fields(exc) == {"title", "target_level", "target_share", "ends_on", "journeys"}


def test_a_target_needs_competence_level_and_share_together(session: Session, world: World) -> None:
    with pytest.raises(GoalInvalidError) as exc:
        services.create_goal(session, world.org_id, org_goal(target_share=50))
    assert _fields(exc) == {"target"}


def test_another_organisations_competence_is_refused(session: Session, world: World) -> None:
    other = services.create_goal  # the competence of org-a is not org-b's
    with pytest.raises(GoalInvalidError) as exc:
        other(session, world.other_org_id, org_goal(competence_ids=[world.feedback_id]))
    assert _fields(exc) == {"competences"}


def test_unit_goal_serves_an_organisation_goal(app: Flask, session: Session, world: World) -> None:
    top = services.create_goal(session, world.org_id, org_goal(), recording=get_recording(app))
    served = services.create_goal(
        session,
        world.org_id,
        unit_goal(world.north_id, serves_id=top.id),
        unit_leader(world, world.north_id),
        recording=get_recording(app),
    )
    assert serving_goals(session, top) == [served]


def test_an_organisation_goal_cannot_serve(session: Session, world: World) -> None:
    top = services.create_goal(session, world.org_id, org_goal())
    with pytest.raises(GoalInvalidError) as exc:
        services.create_goal(session, world.org_id, org_goal(serves_id=top.id))
    assert _fields(exc) == {"serves"}


def test_a_sub_goal_has_the_level_and_unit_of_its_goal(session: Session, world: World) -> None:
    top = services.create_goal(session, world.org_id, unit_goal(world.north_id))
    with pytest.raises(GoalInvalidError) as exc:
        services.create_goal(session, world.org_id, unit_goal(world.south_id, parent_id=top.id))
    assert _fields(exc) == {"parent"}


def test_a_goal_cannot_become_a_sub_goal_of_its_sub_goal(session: Session, world: World) -> None:
    top = services.create_goal(session, world.org_id, org_goal())
    sub = services.create_goal(session, world.org_id, org_goal(title="Delmål", parent_id=top.id))
    with pytest.raises(GoalInvalidError) as exc:
        services.update_goal(session, top, org_goal(parent_id=sub.id))
    assert _fields(exc) == {"parent"}


def test_unit_leader_cannot_set_organisation_goals(session: Session, world: World) -> None:
    with pytest.raises(GoalForbiddenError):
        services.create_goal(session, world.org_id, org_goal(), unit_leader(world, world.north_id))


def test_unit_leader_cannot_change_another_units_goal(session: Session, world: World) -> None:
    goal = services.create_goal(session, world.org_id, unit_goal(world.south_id))
    with pytest.raises(GoalForbiddenError):
        services.update_goal(
            session,
            goal,
            unit_goal(world.south_id, title="Nytt"),
            unit_leader(world, world.north_id),
        )


def test_unit_leader_cannot_move_a_goal_to_a_unit_they_do_not_lead(
    session: Session, world: World
) -> None:
    goal = services.create_goal(session, world.org_id, unit_goal(world.north_id))
    with pytest.raises(GoalForbiddenError):
        services.update_goal(
            session, goal, unit_goal(world.south_id), unit_leader(world, world.north_id)
        )


def test_another_organisations_goal_is_not_found(session: Session, world: World) -> None:
    goal = services.create_goal(session, world.org_id, org_goal())
    with pytest.raises(GoalNotFoundError):
        services.get_goal(session, world.other_org_id, goal.id)


def test_update_returns_what_changed(app: Flask, session: Session, world: World) -> None:
    goal = services.create_goal(session, world.org_id, org_goal(), recording=get_recording(app))
    changed = services.update_goal(
        session,
        goal,
        org_goal(ends_on=date(2027, 6, 30), journey_ids=[world.journey_id]),
        org_leader(world),
        recording=get_recording(app),
    )
    assert changed == ["ends_on", "journeys"]


def test_delete_removes_sub_goals_and_unlinks_serving_goals(
    app: Flask, session: Session, world: World
) -> None:
    top = services.create_goal(session, world.org_id, org_goal(), recording=get_recording(app))
    sub = services.create_goal(
        session,
        world.org_id,
        org_goal(title="Delmål", parent_id=top.id),
        recording=get_recording(app),
    )
    served = services.create_goal(
        session,
        world.org_id,
        unit_goal(world.north_id, serves_id=top.id),
        recording=get_recording(app),
    )
    sub_id, served_id = sub.id, served.id
    services.delete_goal(session, top, org_leader(world), recording=get_recording(app))
    session.expire_all()
    assert session.get(CompetenceGoal, sub_id) is None
    remaining = session.get(CompetenceGoal, served_id)
    assert remaining is not None and remaining.serves_id is None


def test_tree_cascades_unit_goals_under_the_goal_they_serve(session: Session, world: World) -> None:
    top = services.create_goal(session, world.org_id, org_goal())
    services.create_goal(session, world.org_id, org_goal(title="Delmål", parent_id=top.id))
    services.create_goal(session, world.org_id, unit_goal(world.north_id, serves_id=top.id))
    services.create_goal(session, world.org_id, unit_goal(world.south_id, title="Eget mål"))
    tree = goal_tree(session, world.org_id)
    assert [(n.goal.title, n.depth) for n in tree.walk()] == [
        ("Digital kompetens för alla", 0),
        ("Delmål", 1),
        ("Återkoppling i Norrskolan", 1),
        ("Eget mål", 0),
    ]


def test_tree_shows_only_the_visible_units(session: Session, world: World) -> None:
    services.create_goal(session, world.org_id, org_goal())
    services.create_goal(session, world.org_id, unit_goal(world.north_id))
    services.create_goal(session, world.org_id, unit_goal(world.south_id, title="Söder"))
    tree = goal_tree(session, world.org_id, frozenset({world.north_id}))
    titles = [n.goal.title for n in tree.walk()]
    assert titles == ["Digital kompetens för alla", "Återkoppling i Norrskolan"]


def test_goal_set_statement_follows_the_profile(app: Flask, session: Session, world: World) -> None:
    services.create_goal(
        session,
        world.org_id,
        unit_goal(
            world.north_id, target_competence_id=world.feedback_id, target_level=3, target_share=60
        ),
        recording=get_recording(app),
    )
    (statement,) = statements(session, "/create")
    context = statement["context"]["contextActivities"]
    assert statement["object"]["id"].startswith("http://tool.test/xapi/activities/goals/")
    assert context["other"][0]["id"] == "https://example.org/competences/feedback"
    assert context["grouping"][1]["id"].endswith("/school-units/12345678")


def test_goal_changed_statement_names_what_changed(
    app: Flask, session: Session, world: World
) -> None:
    goal = services.create_goal(session, world.org_id, org_goal(), recording=get_recording(app))
    services.update_goal(session, goal, org_goal(title="Nytt namn"), recording=get_recording(app))
    (statement,) = statements(session, "/update")
    extension = statement["context"]["extensions"][
        "https://w3id.org/xapi/lti-journeys/extensions/competence-goal"
    ]
    assert extension["changed"] == ["title"]


def test_unchanged_goal_records_nothing(app: Flask, session: Session, world: World) -> None:
    goal = services.create_goal(session, world.org_id, org_goal(), recording=get_recording(app))
    services.update_goal(session, goal, org_goal(), recording=get_recording(app))
    assert statements(session, "/update") == []


def test_level_must_match_unit(session: Session, world: World) -> None:
    with pytest.raises(GoalInvalidError) as exc:
        services.create_goal(
            session, world.org_id, org_goal(level=GoalLevel.UNIT, unit_id=world.other_unit_id)
        )
    assert _fields(exc) == {"unit"}
