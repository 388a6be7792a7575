"""A manager makes a development plan and both agree, in a real headless Chromium.

Inside the demo LMS's iframe, as from Canvas or Moodle, on a server of this module alone (so the
people listed are only the two who act). Every page is checked with axe-core (WCAG 2.1 A and AA),
in Swedish and in English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from lti_tool.demo.names import staff_name
from tests.e2e.conftest import _serving, check_accessibility, page_replaced
from tests.e2e.test_journey_browser import follow, open_in_course, submit, wait_for
from tests.support.workers import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

COURSE = "sodervik-ledarskap"  # no journey linked: everyone lands on the start page
# A seeded member of staff without a plan of the demo's own, found on the team page by name.
EMPLOYEE = "staff-9"
EMPLOYEE_NAME = " ".join(staff_name(9))
PLAN_TITLE = "Utvecklingsplan för webbtestet"


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolServer]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("plan-server")
    with _serving(workdir, f"http://127.0.0.1:{port}", port) as server:
        yield server


def _follow_xpath(browser: Any, server: ToolServer, xpath: str, ready: str) -> None:
    """Like ``follow``, for a link found by its text (XPath)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.XPATH, xpath).click()
    WebDriverWait(browser, 20).until(page_replaced(old))
    wait_for(browser, server, ready)


def _state(browser: Any) -> str:
    return str(browser.find_element(By.ID, "plan-state").get_attribute("data-state"))


def _in_english(browser: Any, server: ToolServer, ready: str) -> None:
    follow(browser, server, "nav.lang a[lang=en]", ready)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_manager_makes_a_plan_the_employee_agrees_then_the_manager(
    browser: Any, plan_server: ToolServer, axe_source: str
) -> None:
    server = plan_server
    # The employee has launched once, so the manager finds them.
    open_in_course(browser, server, COURSE, EMPLOYEE, "h1#who")

    # The manager (an administrator: leads the whole organisation) starts from the start page.
    open_in_course(browser, server, COURSE, "admin", "h2#my-plan")
    check_accessibility(browser, axe_source, "start page with the plan block (sv)")
    follow(browser, server, "a[href*='/plans/team']", "h1#team-title")
    check_accessibility(browser, axe_source, "my staff's plans (sv)")
    _follow_xpath(
        browser,
        server,
        f"//a[contains(@href, '/plans/new') and contains(., '{EMPLOYEE_NAME}')]",
        "form#plan-form",
    )
    check_accessibility(browser, axe_source, "new plan form (sv)")
    browser.find_element(By.ID, "plan-title-field").send_keys(PLAN_TITLE)
    browser.find_element(By.ID, "plan-notes").send_keys("Vi talade om AI i undervisningen.")
    browser.find_element(By.ID, "goal-0-title").send_keys("Använda AI i planeringen")
    browser.find_element(By.CSS_SELECTOR, "input[name=journey]").click()
    submit(browser, server, "form#plan-form", "#plan-state")
    check_accessibility(browser, axe_source, "plan, manager's view (sv)")
    assert _state(browser) == "draft"

    # The employee reads the plan, in English too, looks at the change form, and agrees.
    open_in_course(browser, server, COURSE, EMPLOYEE, "h2#my-plan")
    check_accessibility(browser, axe_source, "start page with the plan block, employee (sv)")
    follow(browser, server, "a[href*='/plans/mine']", "#plan-state")
    check_accessibility(browser, axe_source, "my development plan (sv)")
    follow(browser, server, "#edit-link", "form#plan-form")
    check_accessibility(browser, axe_source, "propose a change (sv)")
    follow(browser, server, "#plan-form ~ p a", "#plan-state")
    _in_english(browser, server, "#plan-state")
    check_accessibility(browser, axe_source, "my development plan (en)")
    submit(browser, server, "#agree-form", "#plan-state")
    assert _state(browser) == "waiting_for_manager"

    # The manager finds it waiting, in English too, and agrees.
    open_in_course(browser, server, COURSE, "admin", "h2#my-plan")
    follow(browser, server, "a[href*='/plans/team']", "h1#team-title")
    _in_english(browser, server, "h1#team-title")
    check_accessibility(browser, axe_source, "my staff's plans (en)")
    _follow_xpath(browser, server, f"//a[contains(., '{PLAN_TITLE}')]", "#plan-state")
    _in_english(browser, server, "#plan-state")
    check_accessibility(browser, axe_source, "plan, manager's view (en)")
    submit(browser, server, "#agree-form", "#plan-state")
    assert _state(browser) == "agreed"
