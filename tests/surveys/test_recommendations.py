"""The personal path: journeys for the largest gaps, goals' target levels, completed ones left out."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.journeys.authoring import latest_published
from lti_tool.journeys.models import Enrollment
from lti_tool.surveys.profile import profile_of
from lti_tool.surveys.recommendations import recommend
from lti_tool.tenancy.models import Person
from tests.surveys.conftest import LEAF_2, LEAF_11, LEAF_12, World, answer, publish_serving


def _answered(world: World, levels: dict[str, int]) -> Person:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    answer(world, survey_round, anna, levels)
    return anna


def _slugs(world: World, person: Person) -> list[str]:
    path = recommend(world.session, world.org.id, profile_of(world.session, person))
    return [r.journey.slug for r in path]


def _goal(world: World, competence_iri: str, target: int | None, **values: object) -> None:
    goal = CompetenceGoal(
        organization_id=world.org.id,
        level=values.pop("level", GoalLevel.ORGANIZATION),
        title="Alla når nivå",
        target_competence_id=world.competence(competence_iri).id,
        target_level=target,
        target_share=80,
        **values,
    )
    world.session.add(goal)
    world.session.commit()


def test_recommend_serves_only_competences_below_the_target(world: World) -> None:
    anna = _answered(world, {"1.1": 3, "1.2": 1, "2": 3})
    publish_serving(world, "planera", LEAF_11)
    publish_serving(world, "ordna", LEAF_12)
    assert _slugs(world, anna) == ["ordna"]


def test_recommend_ranks_the_journey_of_the_largest_gap_first(world: World) -> None:
    anna = _answered(world, {"1.1": 2, "1.2": 0, "2": 2})
    _goal(world, LEAF_12, 3)
    publish_serving(world, "planera", LEAF_11)
    publish_serving(world, "ordna", LEAF_12)
    assert _slugs(world, anna) == ["ordna", "planera"]


def test_recommend_takes_the_target_level_of_an_organisation_goal(world: World) -> None:
    anna = _answered(world, {"1.1": 1, "1.2": 1, "2": 1})
    _goal(world, LEAF_2, 3)
    publish_serving(world, "planera", LEAF_11)
    publish_serving(world, "aterkoppla", LEAF_2)
    path = recommend(world.session, world.org.id, profile_of(world.session, anna))
    assert [(r.journey.slug, r.gap) for r in path] == [("aterkoppla", 2), ("planera", 1)]


def test_recommend_ignores_the_goals_of_another_unit(world: World) -> None:
    anna = _answered(world, {"1.1": 1, "1.2": 1, "2": 1})
    _goal(world, LEAF_2, 3, level=GoalLevel.UNIT, unit_id=world.units["B"].id)
    publish_serving(world, "aterkoppla", LEAF_2)
    path = recommend(world.session, world.org.id, profile_of(world.session, anna))
    assert [r.gap for r in path] == [1]


def test_recommend_includes_a_journey_linked_by_a_goal_for_the_competence(world: World) -> None:
    anna = _answered(world, {"1.1": 3, "1.2": 3, "2": 0})
    linked = publish_serving(world, "utan-kompetens")
    _goal(world, LEAF_2, 2, journeys=[linked])
    assert _slugs(world, anna) == ["utan-kompetens"]


def test_recommend_leaves_out_completed_journeys(world: World) -> None:
    anna = _answered(world, {"1.1": 1, "1.2": 1, "2": 1})
    done = publish_serving(world, "planera", LEAF_11)
    publish_serving(world, "ordna", LEAF_12)
    version = latest_published(world.session, done)
    assert version is not None
    world.session.add(
        Enrollment(
            organization_id=world.org.id,
            person_id=anna.id,
            journey_id=done.id,
            version_id=version.id,
            completed_at=datetime.now(UTC),
        )
    )
    world.session.commit()
    assert _slugs(world, anna) == ["ordna"]


def test_recommend_nothing_without_answers(world: World) -> None:
    publish_serving(world, "planera", LEAF_11)
    assert _slugs(world, world.person("ny", "A")) == []
