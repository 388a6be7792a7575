""" "Level per competence per person over rounds" is one plain statements query (tincan client)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from tincan import Activity, RemoteLRS, Verb

from lti_tool.lrs_tenancy import tenant_of
from lti_tool.recording import get_recording
from lti_tool.surveys import services
from lti_tool.surveys.events import SurveyEvents
from lti_tool.surveys.models import SurveyRound
from lti_tool.tenancy.models import Person
from tests.surveys.conftest import LEAF_11, World
from tests.xapi.lrs.conftest import make_lrs_client

RATED = "http://id.tincanapi.com/verb/rated"


def _answer(
    app: Flask, world: World, survey_round: SurveyRound, person: Person, level: int
) -> None:
    fields = world.answers(survey_round.survey, {"1.1": level, "1.2": 1, "2": 1})
    submitted = services.submit_response(
        world.session, survey_round, world.org.id, person.id, fields, today=survey_round.opens_on
    )
    SurveyEvents(world.session, get_recording(app), world.org).record_answered(
        submitted.response, services.survey_items(world.session, survey_round.survey), False
    )
    world.session.commit()


def _all(lrs: RemoteLRS, **params: Any) -> list[Any]:
    response = lrs.query_statements(params)
    assert response.success, response.data
    return list(response.content.statements)


def test_levels_of_one_competence_over_rounds_come_from_one_query(
    app: Flask, world: World, live_url: str
) -> None:
    survey = world.survey()
    autumn = world.round(survey, opens=-60, closes=-50)
    spring = world.round(survey, opens=-5, closes=5)
    anna, bo = world.person("anna", "A"), world.person("bo", "B")
    _answer(app, world, autumn, anna, 1)
    _answer(app, world, spring, anna, 3)
    _answer(app, world, spring, bo, 2)
    credential = make_lrs_client(app, tenant_of(world.org), ["all/read"])
    lrs = RemoteLRS(
        endpoint=live_url + "/xapi/",
        username=credential.key,
        password=credential.secret,
        version="1.0.3",
    )
    rated = _all(lrs, verb=Verb(id=RATED), activity=Activity(id=LEAF_11))
    levels = {
        (s.actor.account.name, s.context.context_activities.parent[0].id.rsplit("/", 1)[1]): int(
            s.result.score.raw
        )
        for s in rated
    }
    assert levels == {
        ("sub-anna", autumn.key): 1,
        ("sub-anna", spring.key): 3,
        ("sub-bo", spring.key): 2,
    }
