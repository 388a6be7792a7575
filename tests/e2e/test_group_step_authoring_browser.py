"""An author edits a live session and a collegial cycle in a real headless Chromium.

The editor pages of both step types, and the cycle's page with a problem shown by its field, are
checked with axe-core (WCAG 2.1 A and AA rules) and must have no violation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e.conftest import check_accessibility, page_replaced
from tests.e2e.test_journey_browser import (
    WAIT_SECONDS,
    _screenshot,
    follow,
    open_in_course,
    wait_for,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

SESSION_TITLE = "Uppstartsträff för alla lärgrupper"
CYCLE_TITLE = "Kollegialt lärande: återkoppling som används"


def _click(browser: Any, server: ToolServer, element: Any, ready: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    wait_for(browser, server, ready)


def test_author_edits_a_live_session_and_a_collegial_cycle(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    open_in_course(browser, tool_server, "norrstad-formativ", "instructor", "h1#who")
    follow(browser, tool_server, "a[href*='/author/']", "h1#journeys-title")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "formativ bedömning")
    _click(browser, tool_server, link, "h1#editor-title")

    _click(
        browser, tool_server, browser.find_element(By.LINK_TEXT, SESSION_TITLE), "#duration_minutes"
    )
    check_accessibility(browser, axe_source, "live session editor")

    follow(browser, tool_server, "nav.crumbs a:last-of-type", "h1#editor-title")
    _click(browser, tool_server, browser.find_element(By.LINK_TEXT, CYCLE_TITLE), "#phase-1")
    assert browser.find_element(By.ID, "p0-title").get_attribute("value") == "Förbered"
    check_accessibility(browser, axe_source, "collegial cycle editor")
    _screenshot(browser, artifacts_dir, "author-collegial-cycle")

    minutes = browser.find_element(By.CSS_SELECTOR, "input[name='p1-t1-minutes']")
    minutes.clear()
    minutes.send_keys("0")
    save = browser.find_element(By.CSS_SELECTOR, "button[name='action'][value='save']")
    _click(browser, tool_server, save, "#error-p1-t1-minutes")
    field = browser.find_element(By.CSS_SELECTOR, "input[name='p1-t1-minutes']")
    assert field.get_attribute("aria-invalid") == "true"
    check_accessibility(browser, axe_source, "collegial cycle editor with a problem")
    _screenshot(browser, artifacts_dir, "author-collegial-cycle-problem")
