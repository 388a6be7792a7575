"""The leader's and the team's whole flow, in a real headless Chromium, on a server of its own.

An administrator imports a small framework and a journey serving one of its competences with the
CLI; the organisation leader sets an organisation goal with a target in it and the rektor a unit
goal serving it; the rektor maps the unit's needs with a survey that three teachers answer, each
getting the journey on their personal path; the rektor and a teacher agree a development plan;
and the rektor's follow-up of the unit shows the goal's measurement, hidden because fewer than
the organisation's smallest group answered. Every page visited is checked with axe-core
(WCAG 2.1 A and AA) in Swedish and in English.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from lti_tool.demo import catalog
from tests.e2e.conftest import (
    _console_script,
    _server_env,
    _serving,
    check_accessibility,
    page_replaced,
)
from tests.e2e.test_journey_browser import choose, follow, open_in_course, submit, wait_for
from tests.support.workers import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

ORG = "demo-sodervik"
COURSE = "sodervik-ledarskap"  # Ekskolan, the rektor's unit; no journey linked
FRAMEWORK = Path(__file__).parent / "data" / "flow-framework.yaml"
JOURNEY = Path(__file__).parent / "data" / "flow-journey.yaml"  # serves competence A.1
JOURNEY_TITLE = "Välja digitala verktyg"
SURVEY = "Kartläggning av digitala verktyg"
PLAN = "Utvecklingsplan 2027"
TEACHERS = ("staff-2", "staff-3", "staff-4")  # seeded staff of Ekskolan (staff-1 has a plan)
ORG_GOAL = "60 % på nivå L3 i A.1 senast juni 2027"
UNIT_GOAL = "Ekskolan: 60 % på nivå L3 i A.1"


@pytest.fixture(scope="module")
def flow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolServer]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("flow-server")
    with _serving(workdir, f"http://127.0.0.1:{port}", port) as server:
        yield server


def _cli(server: ToolServer, *arguments: str) -> str:
    """``lti-journeys ARGUMENTS`` on the server's database; fails the test on an error."""
    workdir = server.log_path.parent
    env = _server_env(server.base_url, f"sqlite:///{workdir / 'demo.sqlite3'}")
    result = subprocess.run(
        [str(_console_script()), *arguments],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"lti-journeys {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _both_languages(
    browser: Any, server: ToolServer, axe_source: str, page: str, ready: str
) -> None:
    """axe-core in Swedish, then in English, back in Swedish."""
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    check_accessibility(browser, axe_source, f"{page} (sv)")
    follow(browser, server, "nav.lang a[lang='en']", ready)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    check_accessibility(browser, axe_source, f"{page} (en)")
    follow(browser, server, "nav.lang a[lang='sv']", ready)


def _choose_option(browser: Any, select_id: str, text: str) -> None:
    """The option of ``select_id`` whose visible text holds ``text``."""
    select = Select(browser.find_element(By.ID, select_id))
    matching = [o for o in select.options if text in o.text]
    assert matching, f"no option with {text!r} in #{select_id}"
    select.select_by_value(matching[0].get_attribute("value"))


def _follow_xpath(browser: Any, server: ToolServer, xpath: str, ready: str) -> None:
    """Like ``follow``, for a link found by its text (XPath)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.XPATH, xpath).click()
    WebDriverWait(browser, 20).until(page_replaced(old))
    wait_for(browser, server, ready)


def _name(key: str) -> str:
    who = catalog.person(key)
    assert who is not None
    return who.name


def _plan_state(browser: Any) -> str:
    return str(browser.find_element(By.ID, "plan-state").get_attribute("data-state"))


def _set_goal(browser: Any, server: ToolServer, axe_source: str, title: str) -> None:
    """From the start page: the goal form, filled with ``title`` and a target in A.1."""
    follow(browser, server, "a[href*='/goals?']", "h1#goals-title")
    follow(browser, server, "a[href*='/goals/new']", "h1#form-title")
    _both_languages(browser, server, axe_source, f"goal form for {title}", "h1#form-title")
    browser.find_element(By.ID, "goal-title").send_keys(title)
    _choose_option(browser, "goal-target-competence", "Välja verktyg")
    browser.find_element(By.ID, "goal-target-level").send_keys("3")
    browser.find_element(By.ID, "goal-target-share").send_keys("60")


def test_leader_and_team_from_framework_to_follow_up(
    browser: Any, flow_server: ToolServer, axe_source: str
) -> None:
    server = flow_server
    # 1. An administrator imports the framework.
    _cli(server, "frameworks", "import", str(FRAMEWORK), "--org", ORG)

    # 2. The organisation leader sets an organisation goal with a target in it.
    open_in_course(browser, server, COURSE, "admin", "h1#who")
    _set_goal(browser, server, axe_source, ORG_GOAL)
    Select(browser.find_element(By.ID, "goal-unit")).select_by_value("organization")
    submit(browser, server, "form.stack", "h1#goal-title")
    assert browser.find_element(By.ID, "goal-title").text == ORG_GOAL
    _both_languages(browser, server, axe_source, "organisation goal page", "h1#goal-title")

    # The rektor sets a goal for their unit that serves it.
    open_in_course(browser, server, COURSE, "rektor", "h1#who")
    _set_goal(browser, server, axe_source, UNIT_GOAL)
    _choose_option(browser, "goal-unit", "Ekskolan")
    _choose_option(browser, "goal-serves", ORG_GOAL)
    submit(browser, server, "form.stack", "h1#goal-title")
    assert browser.find_element(By.ID, "goal-title").text == UNIT_GOAL
    _both_languages(browser, server, axe_source, "unit goal page", "h1#goal-title")
    assert ORG_GOAL in browser.find_element(By.CSS_SELECTOR, "main").text

    # The rektor maps the unit's needs: a survey on the framework with a round open today.
    _cli(server, "journeys", "import", str(JOURNEY), "--org", ORG, "--publish")
    open_in_course(browser, server, COURSE, "rektor", "h2#needs-mapping")
    follow(browser, server, "a[href*='/surveys/manage?']", "h1#list-title")
    follow(browser, server, "a[href*='/surveys/manage/new']", "h1#new-title")
    _both_languages(browser, server, axe_source, "survey form", "h1#new-title")
    browser.find_element(By.ID, "title").send_keys(SURVEY)
    _choose_option(browser, "scope", "Ekskolan")
    _choose_option(browser, "framework", "Digitalt ledarskap")
    submit(browser, server, "form", "h1#survey-title")
    _both_languages(browser, server, axe_source, "survey with its round form", "h1#survey-title")
    today = datetime.now(UTC).date()
    for field, day in (
        ("opens_on", today - timedelta(days=1)),
        ("closes_on", today + timedelta(days=14)),
    ):
        browser.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1];", field, day.isoformat()
        )
    submit(browser, server, "form[action*='/rounds']", "h1#survey-title")
    opened = (today - timedelta(days=1)).isoformat()
    assert opened in browser.find_element(By.CSS_SELECTOR, "table").text

    # 3. Three teachers of the unit answer, each gets the journey on their personal path.
    for number, teacher in enumerate(TEACHERS):
        open_in_course(browser, server, COURSE, teacher, "h2#needs-mapping")
        follow(browser, server, "a[href*='/surveys?']", "h1#mine-title")
        _follow_xpath(browser, server, f"//a[contains(., '{SURVEY}')]", "h1#answer-title")
        if number == 0:
            _both_languages(browser, server, axe_source, "survey answer form", "h1#answer-title")
        for field in browser.find_elements(By.CSS_SELECTOR, "fieldset"):
            name = field.find_element(By.CSS_SELECTOR, "input[type=radio]").get_attribute("name")
            choose(browser, name, "1")
        submit(browser, server, "form", "h1#profile-title")
        path = wait_for(browser, server, "h2#path-title").find_element(By.XPATH, "..")
        assert JOURNEY_TITLE in path.text, f"{teacher}: {path.text}"
        if number == 0:
            _both_languages(
                browser, server, axe_source, "profile and personal path", "h2#path-title"
            )

    # 4. The rektor and the first teacher agree a development plan serving the unit goal.
    employee = _name(TEACHERS[0])
    open_in_course(browser, server, COURSE, "rektor", "h2#my-plan")
    follow(browser, server, "a[href*='/plans/team']", "h1#team-title")
    _follow_xpath(
        browser,
        server,
        f"//a[contains(@href, '/plans/new') and contains(., '{employee}')]",
        "form#plan-form",
    )
    # The language links keep the query that names the person.
    _both_languages(browser, server, axe_source, "new plan form", "form#plan-form")
    browser.find_element(By.ID, "plan-title-field").send_keys(PLAN)
    browser.find_element(By.ID, "goal-0-title").send_keys("Välja verktyg efter lektionens mål")
    _choose_option(browser, "goal-0-serves", UNIT_GOAL)
    submit(browser, server, "form#plan-form", "#plan-state")
    _both_languages(browser, server, axe_source, "plan, manager's view", "#plan-state")
    open_in_course(browser, server, COURSE, TEACHERS[0], "h2#my-plan")
    follow(browser, server, "a[href*='/plans/mine']", "#plan-state")
    _both_languages(browser, server, axe_source, "plan, employee's view", "#plan-state")
    submit(browser, server, "#agree-form", "#plan-state")
    assert _plan_state(browser) == "waiting_for_manager"
    open_in_course(browser, server, COURSE, "rektor", "h2#my-plan")
    follow(browser, server, "a[href*='/plans/team']", "h1#team-title")
    _follow_xpath(browser, server, f"//a[contains(., '{PLAN}')]", "#plan-state")
    submit(browser, server, "#agree-form", "#plan-state")
    assert _plan_state(browser) == "agreed"

    # 5. The rektor follows the unit up: three answers are fewer than the smallest group shown.
    open_in_course(browser, server, COURSE, "rektor", "h1#who")
    follow(browser, server, "a[href*='/follow-up']", "h1#followup")
    _follow_xpath(
        browser, server, "//a[contains(@href, '/follow-up/units/') and .='Ekskolan']", "h1#unit"
    )
    _both_languages(browser, server, axe_source, "unit follow-up", "h1#unit")
    goal = browser.find_element(By.XPATH, f"//article[h3[contains(., '{UNIT_GOAL}')]]")
    assert goal.find_elements(By.CSS_SELECTOR, "table"), goal.text
    suppressed = goal.find_elements(By.CSS_SELECTOR, ".suppressed")
    assert suppressed, goal.text
    reason = suppressed[0].find_element(By.CSS_SELECTOR, ".visually-hidden")
    assert "5" in reason.get_attribute("textContent")  # the organisation's smallest group
