"""A member of staff answers a needs-mapping survey and reads their profile, in headless Chromium.

The answer form and the profile are checked with axe-core (WCAG 2.1 A and AA) in Swedish and in
English, inside the demo LMS's iframe, without any script of the tool's own.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

try:
    from selenium.webdriver.common.by import By
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from lti_tool.frameworks import services as frameworks
from lti_tool.surveys.models import Survey, SurveyRound
from lti_tool.tenancy.models import Organization
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_journey_browser import choose, follow, open_in_course, submit, wait_for
from tests.frameworks.conftest import FRAMEWORK_IRI, framework_document

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow


def _open_survey(server: ToolServer) -> str:
    """An organisation-wide survey of demo-sodervik, open today (written into the server's DB)."""
    engine = create_engine(f"sqlite:///{server.log_path.parent / 'demo.sqlite3'}")
    try:
        with Session(engine) as session:
            org = session.scalars(
                select(Organization).where(Organization.slug == "demo-sodervik")
            ).one()
            if frameworks.framework_by_iri(session, org.id, FRAMEWORK_IRI) is None:
                frameworks.import_document(session, org.id, framework_document())
            framework = frameworks.get_framework(session, org.id, FRAMEWORK_IRI)
            survey = Survey(
                organization_id=org.id, framework_id=framework.id, title="Digitala verktyg"
            )
            session.add(survey)
            session.flush()
            today = datetime.now(UTC).date()
            session.add(
                SurveyRound(
                    organization_id=org.id,
                    survey_id=survey.id,
                    number=1,
                    opens_on=today - timedelta(days=1),
                    closes_on=today + timedelta(days=14),
                )
            )
            session.commit()
            return survey.key
    finally:
        engine.dispose()


def _language(browser: Any) -> str | None:
    language: str | None = browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    return language


def _in_english(browser: Any, server: ToolServer, ready: str) -> None:
    follow(browser, server, "nav.lang a[lang=en]", ready)
    assert _language(browser) == "en"


def test_staff_answers_a_survey_and_reads_the_profile_in_both_languages(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    _open_survey(tool_server)
    open_in_course(browser, tool_server, "sodervik-ledarskap", "learner", "h2#needs-mapping")
    follow(browser, tool_server, "a[href*='/surveys?']", "h1#mine-title")
    follow(browser, tool_server, "a[href*='/surveys/rounds/']", "h1#answer-title")
    assert _language(browser) == "sv"
    check_accessibility(browser, axe_source, "survey answer form (sv)")
    _in_english(browser, tool_server, "h1#answer-title")
    check_accessibility(browser, axe_source, "survey answer form (en)")
    assert len(browser.find_elements(By.CSS_SELECTOR, "fieldset legend")) == 3
    for field in browser.find_elements(By.CSS_SELECTOR, "fieldset"):
        name = field.find_element(By.CSS_SELECTOR, "input[type=radio]").get_attribute("name")
        choose(browser, name, "1")
    submit(browser, tool_server, "form", "h1#profile-title")
    wait_for(browser, tool_server, "h2#path-title")
    assert _language(browser) == "sv"
    check_accessibility(browser, axe_source, "profile (sv)")
    _in_english(browser, tool_server, "h1#profile-title")
    check_accessibility(browser, axe_source, "profile (en)")
    rows = browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(rows) == 3
    browser.save_screenshot(str(artifacts_dir / "survey-profile.png"))


def test_leader_creates_a_survey_and_reads_the_responses_per_unit(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    key = _open_survey(tool_server)
    open_in_course(browser, tool_server, "sodervik-ledarskap", "admin", "h2#needs-mapping")
    follow(browser, tool_server, "a[href*='/surveys/manage?']", "h1#list-title")
    check_accessibility(browser, axe_source, "survey list")
    follow(browser, tool_server, "a[href*='/surveys/manage/new']", "h1#new-title")
    check_accessibility(browser, axe_source, "new survey form")
    browser.find_element(By.ID, "title").send_keys("Vårens kartläggning")
    submit(browser, tool_server, "form", "h1#survey-title")
    check_accessibility(browser, axe_source, "survey with its round form")
    follow(browser, tool_server, "a[href*='/surveys/manage?']", "h1#list-title")
    follow(browser, tool_server, f"table a[href*='/surveys/manage/{key}?']", "h1#survey-title")
    follow(browser, tool_server, "a[href*='/rounds/']", "h1#round-title")
    check_accessibility(browser, axe_source, "responses per unit")
    _in_english(browser, tool_server, "h1#round-title")
    check_accessibility(browser, axe_source, "responses per unit (en)")
    browser.save_screenshot(str(artifacts_dir / "survey-responses.png"))
