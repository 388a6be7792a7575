"""Surveys, rounds and answers: who may create, open and answer, and the editing window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lti_tool.leadership.services import Reach
from lti_tool.surveys import services
from lti_tool.surveys.errors import (
    SurveyClosedError,
    SurveyError,
    SurveyForbiddenError,
    SurveyNotFoundError,
)
from lti_tool.surveys.models import Survey, SurveyRound
from tests.surveys.conftest import AREA_1, LEAF_2, LEAF_11, LEAF_12, TODAY, World

ALL = {"1.1": 1, "1.2": 2, "2": 3}


def _codes(world: World, survey: Survey) -> list[str]:
    return [c.code for c in services.survey_items(world.session, survey)]


def test_create_survey_asks_about_every_leaf_of_the_framework(world: World) -> None:
    survey = world.survey()
    assert _codes(world, survey) == ["1.1", "1.2", "2"]


def test_create_survey_with_an_area_asks_about_the_competences_under_it(world: World) -> None:
    area = world.competence(AREA_1)
    survey = world.survey(competence_ids=[area.id])
    assert _codes(world, survey) == ["1.1", "1.2"]


def test_create_survey_with_chosen_leaves_asks_about_those(world: World) -> None:
    survey = world.survey(competence_ids=[world.competence(LEAF_2).id])
    assert _codes(world, survey) == ["2"]


def test_create_survey_refuses_an_unknown_competence(world: World) -> None:
    with pytest.raises(SurveyError) as refused:
        world.survey(competence_ids=[999_999])
    assert refused.value.code == "competence_invalid"


def test_create_survey_for_the_organisation_needs_an_organisation_leader(world: World) -> None:
    with pytest.raises(SurveyForbiddenError):
        services.create_survey(
            world.session, world.rektor("A"), world.framework.id, "Enkät", unit_id=None
        )


def test_create_survey_for_another_unit_is_refused_to_a_rektor(world: World) -> None:
    with pytest.raises(SurveyForbiddenError):
        services.create_survey(
            world.session, world.rektor("A"), world.framework.id, "Enkät", world.units["B"].id
        )


def test_create_survey_refuses_another_organisations_framework(world: World) -> None:
    other = Reach(world.org.id + 1000, world.org_leader().person_id, whole_organization=True)
    with pytest.raises(SurveyNotFoundError):
        services.create_survey(world.session, other, world.framework.id, "Enkät")


def test_create_survey_refuses_an_empty_title(world: World) -> None:
    with pytest.raises(SurveyError) as refused:
        world.survey(title="  ")
    assert refused.value.code == "title_invalid"


def test_open_round_numbers_the_rounds_of_a_survey(world: World) -> None:
    survey = world.survey()
    first = world.round(survey, opens=0, closes=10)
    second = world.round(survey, opens=40, closes=50)
    assert (first.number, second.number) == (1, 2)


def test_open_round_refuses_a_round_that_overlaps_the_previous(world: World) -> None:
    survey = world.survey()
    world.round(survey, opens=0, closes=10)
    with pytest.raises(SurveyError) as refused:
        world.round(survey, opens=10, closes=20)
    assert refused.value.code == "period_overlaps"


def test_open_round_refuses_a_period_that_ends_before_it_starts(world: World) -> None:
    survey = world.survey()
    with pytest.raises(SurveyError) as refused:
        world.round(survey, opens=5, closes=2)
    assert refused.value.code == "period_invalid"


def test_open_round_is_refused_to_a_rektor_of_another_unit(world: World) -> None:
    survey = world.survey("A")
    with pytest.raises(SurveyForbiddenError):
        services.open_round(
            world.session, world.rektor("B"), survey, TODAY, TODAY + timedelta(days=3), TODAY
        )


def test_may_answer_a_unit_survey_only_as_staff_of_the_unit(world: World) -> None:
    survey = world.survey("A")
    anna, bo = world.person("anna", "A"), world.person("bo", "B")
    assert services.may_answer(world.session, world.org.id, anna.id, survey)
    assert not services.may_answer(world.session, world.org.id, bo.id, survey)


def test_may_answer_an_organisation_survey_as_anyone_of_the_organisation(world: World) -> None:
    survey = world.survey()
    loner = world.person("ensam")
    assert services.may_answer(world.session, world.org.id, loner.id, survey)


def test_open_rounds_for_leaves_out_other_units_and_closed_rounds(world: World) -> None:
    survey_a, survey_b, closed = world.survey("A"), world.survey("B"), world.survey()
    round_a = world.round(survey_a)
    world.round(survey_b)
    world.round(closed, opens=-20, closes=-1)
    anna = world.person("anna", "A")
    listed = services.open_rounds_for(world.session, world.org.id, anna.id, TODAY)
    assert [item.round.id for item in listed] == [round_a.id]


def _submit(
    world: World,
    survey_round: SurveyRound,
    person_id: int,
    levels: dict[str, int] = ALL,
    today: date = TODAY,
    context_unit_id: int | None = None,
) -> services.Submitted:
    return services.submit_response(
        world.session,
        survey_round,
        world.org.id,
        person_id,
        world.answers(survey_round.survey, levels),
        context_unit_id=context_unit_id,
        today=today,
    )


def test_submit_response_saves_a_level_per_competence(world: World) -> None:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    submitted = _submit(world, survey_round, anna.id)
    world.session.commit()
    levels = services.answers_by_competence(submitted.response)
    assert sorted(levels.values()) == [1, 2, 3]
    assert not submitted.changed


def test_submit_response_again_changes_the_same_response_while_open(world: World) -> None:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    first = _submit(world, survey_round, anna.id).response
    again = _submit(world, survey_round, anna.id, levels={"1.1": 3, "1.2": 3, "2": 3})
    assert again.response.id == first.id
    assert again.changed
    assert set(services.answers_by_competence(again.response).values()) == {3}


def test_submit_response_after_the_last_day_is_refused(world: World) -> None:
    survey_round = world.round(world.survey(), opens=-5, closes=0)
    anna = world.person("anna", "A")
    _submit(world, survey_round, anna.id)
    with pytest.raises(SurveyClosedError):
        _submit(world, survey_round, anna.id, today=TODAY + timedelta(days=1))


def test_submit_response_before_the_first_day_is_refused(world: World) -> None:
    survey_round = world.round(world.survey(), opens=3, closes=9)
    anna = world.person("anna", "A")
    with pytest.raises(SurveyClosedError):
        _submit(world, survey_round, anna.id)


def test_submit_response_refuses_a_missing_competence(world: World) -> None:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    with pytest.raises(SurveyError) as refused:
        _submit(world, survey_round, anna.id, levels={"1.1": 1, "1.2": 1})
    assert refused.value.code == "answers_missing"


def test_submit_response_refuses_a_level_above_the_top(world: World) -> None:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    with pytest.raises(SurveyError):
        _submit(world, survey_round, anna.id, levels={"1.1": 4, "1.2": 1, "2": 1})


def test_submit_response_to_another_units_survey_is_refused(world: World) -> None:
    survey_round = world.round(world.survey("A"))
    bo = world.person("bo", "B")
    with pytest.raises(SurveyForbiddenError):
        _submit(world, survey_round, bo.id)


def test_response_unit_is_the_launch_course_unit_when_it_is_the_persons(world: World) -> None:
    survey_round = world.round(world.survey())
    both = world.person("båda", "A", "B")
    submitted = _submit(world, survey_round, both.id, context_unit_id=world.units["B"].id)
    assert submitted.response.unit_id == world.units["B"].id


def test_response_unit_is_the_first_unit_when_the_launch_names_another(world: World) -> None:
    survey_round = world.round(world.survey())
    anna = world.person("anna", "A")
    submitted = _submit(world, survey_round, anna.id, context_unit_id=world.units["B"].id)
    assert submitted.response.unit_id == world.units["A"].id


def test_response_to_a_unit_survey_belongs_to_that_unit(world: World) -> None:
    survey_round = world.round(world.survey("A"))
    both = world.person("båda", "A", "B")
    submitted = _submit(world, survey_round, both.id, context_unit_id=world.units["B"].id)
    assert submitted.response.unit_id == world.units["A"].id


def test_leader_surveys_of_a_rektor_leave_out_other_units(world: World) -> None:
    mine, theirs, everyone = world.survey("A"), world.survey("B"), world.survey()
    listed = {s.id for s in services.leader_surveys(world.session, world.rektor("A"))}
    assert listed == {mine.id, everyone.id}
    assert theirs.id not in listed


def test_leaf_iris_are_the_frameworks(world: World) -> None:
    survey = world.survey()
    assert [c.iri for c in services.survey_items(world.session, survey)] == [
        LEAF_11,
        LEAF_12,
        LEAF_2,
    ]
