"""An organisation leader sets a goal in a real headless Chromium, in Swedish and in English.

The goals list, the goal form and the goal page are checked with axe-core (WCAG 2.1 A and AA
rules) in both languages and must have no violation.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

try:
    from selenium.webdriver.common.by import By
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e.conftest import _console_script, _server_env, check_accessibility
from tests.e2e.test_journey_browser import follow, open_in_course, submit

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow


def _import_digcompedu(server: ToolServer) -> None:
    """DigCompEdu in the demo organisation, so the form offers competences and levels."""
    workdir = server.log_path.parent
    env = _server_env(server.base_url, f"sqlite:///{workdir / 'demo.sqlite3'}")
    command = [str(_console_script()), "frameworks", "import-digcompedu", "--org", "demo-norrstad"]
    result = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0 and "up to date" not in result.stdout:
        pytest.fail(f"framework import failed:\n{result.stdout}\n{result.stderr}")


def _both_languages(
    browser: Any, server: ToolServer, axe_source: str, page: str, ready: str
) -> None:
    check_accessibility(browser, axe_source, f"{page} (sv)")
    follow(browser, server, "nav.lang a[lang='en']", ready)
    check_accessibility(browser, axe_source, f"{page} (en)")
    follow(browser, server, "nav.lang a[lang='sv']", ready)


def test_leader_sets_a_goal_on_accessible_pages(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    _import_digcompedu(tool_server)
    open_in_course(browser, tool_server, "norrstad-digital", "admin", "h1#who")
    follow(browser, tool_server, "a[href*='/goals?']", "h1#goals-title")
    _both_languages(browser, tool_server, axe_source, "goals list", "h1#goals-title")
    follow(browser, tool_server, "a[href*='/goals/new']", "h1#form-title")
    _both_languages(browser, tool_server, axe_source, "goal form", "h1#form-title")
    browser.find_element(By.ID, "goal-title").send_keys("Digital kompetens för alla")
    submit(browser, tool_server, "form.stack", "h1#goal-title")
    assert browser.find_element(By.ID, "goal-title").text == "Digital kompetens för alla"
    _both_languages(browser, tool_server, axe_source, "goal page", "h1#goal-title")
    assert browser.save_screenshot(str(artifacts_dir / "goal-page.png"))
