"""The own profile: latest level per competence with earlier rounds, seen by the person and
those who lead them only."""

from __future__ import annotations

import pytest

from lti_tool.leadership.services import Reach
from lti_tool.surveys.errors import SurveyForbiddenError, SurveyNotFoundError
from lti_tool.surveys.profile import check_may_see, find_person, profile_of
from lti_tool.tenancy.services import add_organization
from tests.surveys.conftest import World, answer


def test_profile_shows_the_latest_round_with_the_earlier_beside_it(world: World) -> None:
    survey = world.survey()
    first = world.round(survey, opens=-30, closes=-20)
    second = world.round(survey, opens=-5, closes=5)
    anna = world.person("anna", "A")
    answer(world, first, anna, {"1.1": 1, "1.2": 1, "2": 2})
    answer(world, second, anna, {"1.1": 3, "1.2": 1, "2": 1})
    entries = {e.competence.code: e for e in profile_of(world.session, anna).entries}
    assert (entries["1.1"].level, entries["1.1"].round.id) == (3, second.id)
    assert [(e.round.id, e.level) for e in entries["1.1"].earlier] == [(first.id, 1)]
    assert (entries["1.1"].change, entries["1.2"].change, entries["2"].change) == (2, 0, -1)


def test_profile_holds_only_the_persons_own_answers(world: World) -> None:
    survey_round = world.round(world.survey())
    anna, bo = world.person("anna", "A"), world.person("bo", "A")
    answer(world, survey_round, bo, {"1.1": 3, "1.2": 3, "2": 3})
    assert profile_of(world.session, anna).entries == []


def test_check_may_see_lets_the_person_see_their_own(world: World) -> None:
    anna = world.person("anna", "A")
    check_may_see(world.session, Reach(world.org.id, anna.id), anna)


def test_check_may_see_lets_the_rektor_of_the_persons_unit_see_it(world: World) -> None:
    anna = world.person("anna", "A")
    check_may_see(world.session, world.rektor("A"), anna)


def test_check_may_see_refuses_the_rektor_of_another_unit(world: World) -> None:
    bo = world.person("bo", "B")
    with pytest.raises(SurveyForbiddenError):
        check_may_see(world.session, world.rektor("A"), bo)


def test_check_may_see_refuses_a_colleague(world: World) -> None:
    anna, bo = world.person("anna", "A"), world.person("bo", "A")
    with pytest.raises(SurveyForbiddenError):
        check_may_see(world.session, Reach(world.org.id, anna.id), bo)


def test_check_may_see_lets_an_organisation_leader_see_anyone(world: World) -> None:
    bo = world.person("bo", "B")
    check_may_see(world.session, world.org_leader(), bo)


def test_find_person_of_another_organisation_is_not_found(world: World) -> None:
    anna = world.person("anna", "A")
    other = add_organization(world.session, "org-b", "Organisation B")
    with pytest.raises(SurveyNotFoundError):
        find_person(world.session, other.id, anna.id)
