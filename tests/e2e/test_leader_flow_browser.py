"""The leader's and the team's flow, in a real headless Chromium, on a server of its own.

An administrator imports a small framework with the CLI; the organisation leader sets an
organisation goal with a target in it and the rektor a unit goal serving it. Every page visited is
checked with axe-core (WCAG 2.1 A and AA) in Swedish and in English.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e.conftest import _console_script, _server_env, _serving, check_accessibility
from tests.e2e.test_journey_browser import follow, open_in_course, submit
from tests.support.workers import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

ORG = "demo-sodervik"
COURSE = "sodervik-ledarskap"  # Ekskolan, the rektor's unit; no journey linked
FRAMEWORK = Path(__file__).parent / "data" / "flow-framework.yaml"
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


def _set_goal(browser: Any, server: ToolServer, axe_source: str, title: str) -> None:
    """From the start page: the goal form, filled with ``title`` and a target in A.1."""
    follow(browser, server, "a[href*='/goals?']", "h1#goals-title")
    follow(browser, server, "a[href*='/goals/new']", "h1#form-title")
    _both_languages(browser, server, axe_source, f"goal form for {title}", "h1#form-title")
    browser.find_element(By.ID, "goal-title").send_keys(title)
    _choose_option(browser, "goal-target-competence", "Välja verktyg")
    browser.find_element(By.ID, "goal-target-level").send_keys("3")
    browser.find_element(By.ID, "goal-target-share").send_keys("60")


def test_leader_sets_goals_in_an_imported_framework(
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
