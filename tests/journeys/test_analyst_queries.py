"""Analysts' questions answered with independent xAPI clients, by filtering, not by downloading.

Learners of two school units take a journey; an instructor previews it. The ``tincan`` client and
Ralph's LRS reader then query the embedded LRS over HTTP with the standard filters (verb,
activity, related activities) that docs/xapi-profile.md lists.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from ralph.backends.data.lrs import LRSDataBackend, LRSDataBackendSettings
from ralph.backends.lrs.base import LRSStatementsQuery
from tincan import Activity, RemoteLRS, Verb

from lti_tool.db import get_database
from lti_tool.journeys.models import Journey
from lti_tool.lrs_tenancy import tenant_of
from lti_tool.tenancy.models import Organization
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token, organization_id
from tests.xapi.lrs.conftest import make_lrs_client
from xapi.profile import NAMESPACE, PROFILE, VERSION_IRI

JOURNEY = "/journeys/digital-kompetens"
NORRSKOLAN = f"{NAMESPACE}/school-units/12345678"
NONE_MASTERED = {"goal-goal-ai": "1", "goal-goal-ai-sources": "1", "goal-goal-feedback": "1"}
ADL = "http://adlnet.gov/expapi/verbs/"


def _custom(unit: str, code: str | None = None) -> dict[str, str]:
    custom = {"journey": "digital-kompetens", "unit": unit}
    if code:
        custom["unit_code"] = code
    return custom


@pytest.fixture
def lrs(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey, live_url: str
) -> RemoteLRS:
    """After the learners' journeys: a tincan client of the organisation's LRS over HTTP."""
    # Anna (Norrskolan) masters the feedback goal, so its two steps are waived, then finishes.
    anna = launch_token(launcher, sub="anna", custom=_custom("Norrskolan", "12345678"))
    client.post(
        JOURNEY + "/self-assessment",
        data={"lt": anna, "phase": "start", **NONE_MASTERED, "goal-goal-feedback": "4"},
    )
    client.get(JOURNEY + "/steps/step-read", query_string={"lt": anna})
    client.post(
        JOURNEY + "/steps/step-reflect/reflection", data={"lt": anna, "text": "Jag granskar."}
    )
    # Bertil (Norrskolan) starts and reads one step; Cecilia (Söderskolan) only starts.
    bertil = launch_token(launcher, sub="bertil", custom=_custom("Norrskolan"))
    client.get(JOURNEY, query_string={"lt": bertil, "skip": "1"})
    client.get(JOURNEY + "/steps/step-read", query_string={"lt": bertil})
    cecilia = launch_token(launcher, sub="cecilia", custom=_custom("Söderskolan"))
    client.get(JOURNEY, query_string={"lt": cecilia, "skip": "1"})
    # The course's instructor looks at the journey as a learner would.
    teacher = launch_token(launcher, sub="teacher", roles=INSTRUCTOR, custom=_custom("Norrskolan"))
    client.get(JOURNEY, query_string={"lt": teacher, "skip": "1"})
    credential = make_lrs_client(app, tenant_of_org(app), ["all/read"])
    return RemoteLRS(
        endpoint=live_url + "/xapi/",
        username=credential.key,
        password=credential.secret,
        version="1.0.3",
    )


def tenant_of_org(app: Flask) -> str:
    """The LRS tenant of org-a, the organisation of the test platform."""
    with get_database(app).session() as session:
        return tenant_of(session.get_one(Organization, organization_id(app)))


def _query(lrs: RemoteLRS, **params: Any) -> list[Any]:
    """Every statement matching ``params``, following ``more`` page by page (pages of 2)."""
    response = lrs.query_statements({**params, "limit": 2})
    assert response.success, response.data
    found = list(response.content.statements)
    while response.content.more:
        response = lrs.more_statements(response.content)
        assert response.success, response.data
        found += response.content.statements
    return found


def _actors(statements: list[Any]) -> set[str]:
    return {s.actor.account.name for s in statements}


def test_learners_who_started_per_unit_leave_out_the_instructors_preview(lrs: RemoteLRS) -> None:
    started = _query(
        lrs,
        verb=Verb(id=ADL + "initialized"),
        activity=Activity(id=NORRSKOLAN),
        related_activities=True,
    )
    assert _actors(started) == {"anna", "bertil"}
    previews = _query(lrs, verb=Verb(id=PROFILE.verbs["previewed"].iri))
    assert _actors(previews) == {"teacher"}


def test_completed_journeys_per_unit_say_how_their_steps_were_met(lrs: RemoteLRS) -> None:
    completed = _query(
        lrs,
        verb=Verb(id=ADL + "completed"),
        activity=Activity(id=NORRSKOLAN),
        related_activities=True,
    )
    journeys = [
        s for s in completed if s.object.definition.type == PROFILE.activity_type("journey")
    ]
    assert _actors(journeys) == {"anna"}
    steps = journeys[0].result.extensions[PROFILE.extension("steps")]
    assert steps == {"done": 2, "waived": 2, "total": 4}


def test_most_waived_steps_are_counted_by_object(lrs: RemoteLRS) -> None:
    waived = _query(
        lrs,
        verb=Verb(id=PROFILE.verbs["waived"].iri),
        activity=Activity(id=VERSION_IRI),
        related_activities=True,
    )
    counts = Counter(s.object.id.rsplit("/", 1)[-1] for s in waived)
    assert counts == {"step-quiz": 1, "step-task": 1}


def test_a_goals_self_ratings_are_found_by_the_goal(
    lrs: RemoteLRS, published_journey: Journey
) -> None:
    goal = f"http://tool.test/xapi/activities/journeys/{published_journey.key}/goals/goal-feedback"
    ratings = _query(lrs, verb=Verb(id=PROFILE.verbs["rated"].iri), activity=Activity(id=goal))
    scale = [s.result.extensions[PROFILE.extension("rating-scale")] for s in ratings]
    assert [(r["level"], r["source"], r["phase"]) for r in scale] == [(4, "self", "start")]


def test_ralph_reads_every_statement_of_the_profile_page_by_page(
    app: Flask, lrs: RemoteLRS, live_url: str
) -> None:
    credential = make_lrs_client(app, tenant_of_org(app), ["all/read"])
    backend = LRSDataBackend(
        LRSDataBackendSettings(
            BASE_URL=live_url,
            USERNAME=credential.key,
            PASSWORD=credential.secret,
            STATEMENTS_ENDPOINT="/xapi/statements",
        )
    )
    query = LRSStatementsQuery(activity=VERSION_IRI, related_activities=True)
    read = list(backend.read(query=query, chunk_size=5))
    everything = _query(lrs)
    assert len(read) == len(everything) > 20
    assert all(s["context"]["contextActivities"]["category"][0]["id"] == VERSION_IRI for s in read)
