"""Leaving a journey's pages records ``suspended``, in real headless Chromium inside the LMS frame.

The tool is a third party in the demo course page and its cookies are blocked there, so the leave
beacon can only carry the session in its body.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ToolServer, chromium

pytest.importorskip("selenium")

from tests.e2e.test_cookieless_browser import STORAGE, _prefs, course_url, enter_tool, follow

pytestmark = pytest.mark.slow

SUSPENDED = "http://adlnet.gov/expapi/verbs/suspended"
JOURNEY_PAGE = "h1#sa-title, h1#journey-title, h1#step-title"
WAIT_SECONDS = 20


def suspended_count(server: ToolServer) -> int:
    """The ``suspended`` statements in the server's embedded LRS."""
    with sqlite3.connect(server.log_path.parent / "demo.sqlite3", timeout=10) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM xapi_statements WHERE verb_id = ?", (SUSPENDED,)
        ).fetchone()
    return int(count)


def wait_for_count(server: ToolServer, expected: int) -> int:
    deadline = time.monotonic() + WAIT_SECONDS
    count = suspended_count(server)
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        count = suspended_count(server)
    return count


@pytest.fixture
def framed_browser(cross_site_server: ToolServer, tmp_path: Path) -> Iterator[Any]:
    driver = chromium(tmp_path, _prefs(STORAGE, cross_site_server))
    try:
        yield driver
    finally:
        driver.quit()


def test_navigating_away_from_a_journey_page_records_suspended(
    framed_browser: Any, cross_site_server: ToolServer
) -> None:
    server = cross_site_server
    url = course_url(server, STORAGE, "norrstad-digital", "learner")
    enter_tool(framed_browser, server, STORAGE, url, JOURNEY_PAGE, "")
    before = suspended_count(server)
    # Another page of the journey (the language switch) is no leaving.
    follow(framed_browser, server, "nav.lang a", JOURNEY_PAGE)
    time.sleep(1.0)
    assert suspended_count(server) == before
    framed_browser.switch_to.default_content()
    framed_browser.get(server.demo("/demo/"))
    assert wait_for_count(server, before + 1) == before + 1
