"""A survey answered records ``responded`` on the round and ``rated`` per competence, valid
against the profile (the recorder validates every statement in tests)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.recording import get_recording
from lti_tool.surveys import services
from lti_tool.surveys.events import SurveyEvents
from lti_tool.surveys.models import SurveyRound
from tests.surveys.conftest import LEAF_2, LEAF_11, LEAF_12, World
from xapi.lrs.models import Statement
from xapi.profile_templates import template_iri
from xapi.profile_validation import validator

RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
RATED = "http://id.tincanapi.com/verb/rated"
LEVELS = {"1.1": 1, "1.2": 0, "2": 3}


def _answer(app: Flask, world: World, survey_round: SurveyRound) -> list[dict[str, Any]]:
    anna = world.people.get("anna") or world.person("anna", "A")
    submitted = services.submit_response(
        world.session,
        survey_round,
        world.org.id,
        anna.id,
        world.answers(survey_round.survey, LEVELS),
        today=survey_round.opens_on,
    )
    SurveyEvents(world.session, get_recording(app), world.org).record_answered(
        submitted.response,
        services.survey_items(world.session, survey_round.survey),
        submitted.changed,
        "sv",
    )
    world.session.commit()
    return [row.full for row in world.session.scalars(select(Statement).order_by(Statement.seq))]


def test_answered_records_responded_with_the_mean_level_as_score(app: Flask, world: World) -> None:
    survey_round = world.round(world.survey())
    statements = _answer(app, world, survey_round)
    [responded] = [s for s in statements if s["verb"]["id"] == RESPONDED]
    assert responded["object"]["id"].endswith(f"/rounds/{survey_round.key}")
    assert responded["result"]["score"] == {"scaled": 0.4444, "raw": 1.3333, "min": 0, "max": 3}
    others = [a["id"] for a in responded["context"]["contextActivities"]["other"]]
    assert others == [LEAF_11, LEAF_12, LEAF_2]


def test_answered_records_one_rating_per_competence_on_its_iri(app: Flask, world: World) -> None:
    survey_round = world.round(world.survey())
    statements = _answer(app, world, survey_round)
    rated = {s["object"]["id"]: s for s in statements if s["verb"]["id"] == RATED}
    assert {iri: s["result"]["score"]["raw"] for iri, s in rated.items()} == {
        LEAF_11: 1,
        LEAF_12: 0,
        LEAF_2: 3,
    }
    parents = {s["context"]["contextActivities"]["parent"][0]["id"] for s in rated.values()}
    assert len(parents) == 1 and parents.pop().endswith(survey_round.key)


def test_answered_statements_of_one_response_share_a_registration(app: Flask, world: World) -> None:
    survey_round = world.round(world.survey())
    _answer(app, world, survey_round)
    statements = _answer(app, world, survey_round)
    assert len({s["context"]["registration"] for s in statements}) == 1
    changed = [
        s["context"]["extensions"]["https://w3id.org/xapi/lti-journeys/extensions/survey"][
            "changed"
        ]
        for s in statements
        if s["verb"]["id"] == RESPONDED
    ]
    assert changed == [False, True]


def test_answered_statements_follow_their_templates(app: Flask, world: World) -> None:
    statements = _answer(app, world, world.round(world.survey()))
    checker = validator()
    verdicts = [checker.check(s) for s in statements]
    assert all(v.ok for v in verdicts), [v.problems for v in verdicts]
    assert sorted({v.template or "" for v in verdicts}) == [
        template_iri("competence-rated"),
        template_iri("survey-responded"),
    ]
