"""Checking statements against the profile's templates and extension schemas."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.db import get_database
from lti_tool.recording import get_recording
from tests.conftest import make_settings
from xapi.lrs.models import Statement
from xapi.profile import NAMESPACE, PROFILE
from xapi.profile_validation import StatementNotInProfile, require_valid, validator
from xapi.statements import Person, PrivacyPolicy, Situation, StatementFactory

FACTORY = StatementFactory("http://tool.test")
ROLE = {"role": "learner", "lis": [], "preview": False}


def _launched() -> dict[str, Any]:
    return FACTORY.build(
        person=Person("https://lms.example", "s1"),
        policy=PrivacyPolicy(),
        verb="launched",
        target=FACTORY.activity("tool", FACTORY.activity_iri("resource-links", 1), {"sv": "Resa"}),
        situation=Situation(
            organization={"id": 1, "slug": "norrstad", "name": "Norrstad"},
            platform={"issuer": "https://lms.example", "client_id": "c1"},
            language="sv",
            extensions={"role": ROLE},
        ),
    )


def _progressed(percent: Any) -> dict[str, Any]:
    journey = FACTORY.activity("journey", FACTORY.activity_iri("journeys", "j1"), {"sv": "Resa"})
    return FACTORY.build(
        person=Person("https://lms.example", "s1"),
        policy=PrivacyPolicy(),
        verb="progressed",
        target=journey,
        situation=Situation(
            registration=uuid.uuid4(),
            groupings=(journey,),
            organization={"id": 1, "slug": "norrstad"},
            platform={"issuer": "https://lms.example", "client_id": "c1"},
            language="sv",
            extensions={
                "role": ROLE,
                "journey": {"slug": "digital", "key": "j1", "origin": None},
                "journey-version": 2,
            },
        ),
        result={"extensions": {PROFILE.extension("progress"): percent}},
    )


def test_a_complete_launch_statement_is_valid_against_its_template() -> None:
    verdict = validator().check(_launched())
    assert verdict.ok, verdict.problems
    assert verdict.template == f"{NAMESPACE}/templates/launched"


def test_a_missing_required_extension_is_named_by_its_location() -> None:
    statement = _launched()
    del statement["context"]["extensions"][PROFILE.extension("role")]
    verdict = validator().check(statement)
    assert not verdict.ok
    assert verdict.problems == (f"$.context.extensions['{PROFILE.extension('role')}'] is missing",)


def test_an_extension_value_outside_its_schema_is_refused() -> None:
    verdict = validator().check(_progressed(130))
    assert not verdict.ok
    assert any("130 is greater than the maximum of 100" in p for p in verdict.problems)


def test_a_statement_in_range_of_the_schema_is_valid() -> None:
    assert validator().check(_progressed(40)).ok


def test_the_wrong_profile_version_in_the_category_is_refused() -> None:
    statement = _launched()
    statement["context"]["contextActivities"]["category"][0]["id"] = f"{NAMESPACE}/v1.0.0"
    verdict = validator().check(statement)
    assert any("category" in p for p in verdict.problems)


def test_a_verb_and_object_no_template_covers_is_refused() -> None:
    statement = _launched()
    statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    verdict = validator().check(statement)
    assert verdict.template is None
    assert "no template" in verdict.problems[0]


def test_a_value_the_rule_excludes_is_refused() -> None:
    statement = _launched()
    statement["context"]["registration"] = str(uuid.uuid4())
    verdict = validator().check(statement)
    assert verdict.problems == ("$.context.registration must not be present",)


def test_require_valid_raises_with_the_statement_and_the_problem() -> None:
    bad = copy.deepcopy(_launched())
    del bad["context"]["extensions"][PROFILE.extension("organization")]
    with pytest.raises(StatementNotInProfile, match="organization'\\] is missing"):
        require_valid([_launched(), bad])


def test_the_apps_of_the_test_suite_check_every_statement_they_record(app: Flask) -> None:
    assert get_recording(app).recorder.validate is True


def test_production_records_without_the_check_unless_asked(database_url: str) -> None:
    assert make_settings(database_url, env="production").validate_statements is False
    asked = make_settings(database_url, env="production", xapi_validate_statements=True)
    assert asked.validate_statements is True


def test_a_statement_outside_the_profile_is_refused_before_anything_is_stored(app: Flask) -> None:
    bad = _launched()
    del bad["context"]["extensions"][PROFILE.extension("role")]
    with get_database(app).session() as session:
        with pytest.raises(StatementNotInProfile):
            get_recording(app).recorder.record(session, "t1", [bad])
        assert session.scalar(select(func.count()).select_from(Statement)) == 0
