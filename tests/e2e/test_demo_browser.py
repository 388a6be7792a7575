"""The demo LMS launches the tool in an iframe, in a real headless Chromium.

Each launch runs the whole OIDC flow in the browser: the demo's form post to ``/lti/login``, the
redirect to the demo's authorization endpoint, the auto-posted id_token to ``/lti/launch`` and
the 303 to the landing page. A screenshot of every end state is saved in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e.conftest import page_replaced

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

WAIT_SECONDS = 20
LANDING_OR_ERROR = "h1#who, h1#sa-title, h1#journey-title, .card.error"


def _open_tool_in_course(
    browser: Any, server: ToolServer, course_key: str, person_key: str
) -> None:
    """Open the demo course page as a person and switch into the tool's iframe once it landed."""
    browser.switch_to.default_content()
    browser.get(server.url(f"/demo/course/{course_key}/{person_key}"))
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    try:
        WebDriverWait(browser, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, LANDING_OR_ERROR))
        )
    except TimeoutException:
        pytest.fail(
            f"the launch in the iframe did not finish; frame at {_frame_url(browser)}:\n"
            f"{browser.page_source}\n--- server log ---\n{server.log()}"
        )
    _assert_no_error_page(browser, server)


def _assert_no_error_page(browser: Any, server: ToolServer) -> None:
    errors = browser.find_elements(By.CSS_SELECTOR, ".card.error")
    if errors:
        pytest.fail(
            f"the tool showed an error page at {_frame_url(browser)}: {errors[0].text}\n"
            f"--- server log ---\n{server.log()}"
        )
    assert "Traceback" not in browser.page_source


def _frame_url(browser: Any) -> str:
    """The address of the current frame; ``current_url`` is always the top-level page's."""
    url: str = browser.execute_script("return window.location.href")
    return url


def _frame_path_and_query(browser: Any) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(_frame_url(browser))
    return parts.path, parse_qs(parts.query)


def _html_lang(browser: Any) -> str:
    lang: str = browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    return lang


def _screenshot(browser: Any, directory: Path, name: str) -> None:
    """A PNG of the whole window, the demo platform around the tool's iframe included."""
    assert browser.save_screenshot(str(directory / f"{name}.png"))


def test_learner_launch_in_iframe_shows_landing_page(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path
) -> None:
    # This demo course links to no journey: the landing page lists the learner's journeys.
    _open_tool_in_course(browser, tool_server, "sodervik-ledarskap", "learner")
    _screenshot(browser, artifacts_dir, "demo-learner-landing")

    path, query = _frame_path_and_query(browser)
    assert path == "/home"
    assert query.get("lt"), "the landing page carries its session token in the URL"
    assert "Alva Lind" in browser.find_element(By.CSS_SELECTOR, "h1#who").text
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Ledarskap i klassrummet" in facts
    assert "Ekskolan" in facts
    # The journey assigned to the whole organisation, and one to choose for oneself.
    mine = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='my-journeys']").text
    assert "Digital kompetens i undervisningen" in mine
    assert "Collegial learning in your teaching team" in mine
    # A learner gets no list of people.
    assert not browser.find_elements(By.CSS_SELECTOR, "#people")

    browser.switch_to.default_content()
    assert "Ledarskap i klassrummet" in browser.find_element(By.TAG_NAME, "h1").text


def test_learner_link_to_a_journey_opens_it(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path
) -> None:
    browser.switch_to.default_content()
    browser.get(tool_server.url("/demo/course/norrstad-kollegialt/learner"))
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    heading = WebDriverWait(browser, WAIT_SECONDS).until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, "h1#sa-title, h1#journey-title, .card.error")
        )
    )
    _assert_no_error_page(browser, tool_server)
    path, _ = _frame_path_and_query(browser)
    assert path.startswith("/journeys/collegial-learning"), path
    assert heading.text


def test_instructor_sees_learner_who_launched_before(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path
) -> None:
    _open_tool_in_course(browser, tool_server, "norrstad-kollegialt", "learner")
    _open_tool_in_course(browser, tool_server, "norrstad-kollegialt", "instructor")
    people = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='people']")
    # Scroll the tool's own page, not the demo page around it, so the table is in the picture.
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    _screenshot(browser, artifacts_dir, "demo-instructor-landing")

    assert "Erik Berg" in browser.find_element(By.CSS_SELECTOR, "h1#who").text
    assert (
        "Kollegialt lärande i arbetslaget" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    )
    rows = people.find_elements(By.CSS_SELECTOR, "tbody tr")
    names = {row.find_element(By.CSS_SELECTOR, "td").text for row in rows}
    assert {"Alva Lind", "Erik Berg"} <= names, names


def test_language_switch_in_iframe_keeps_the_launch(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path
) -> None:
    _open_tool_in_course(browser, tool_server, "sodervik-ledarskap", "learner")
    first = _html_lang(browser)
    assert first in ("sv", "en")
    other = "en" if first == "sv" else "sv"

    for wanted, name in ((other, "switched"), (first, "switched-back")):
        old_html = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.CSS_SELECTOR, f"nav.lang a[lang='{wanted}']").click()
        WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old_html))
        WebDriverWait(browser, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, LANDING_OR_ERROR))
        )
        _screenshot(browser, artifacts_dir, f"demo-language-{name}-{wanted}")
        _assert_no_error_page(browser, tool_server)

        assert _html_lang(browser) == wanted
        path, query = _frame_path_and_query(browser)
        assert path == "/home"
        assert query.get("lt"), "the switch keeps the session token"
        assert query.get("lang") == [wanted]
        assert "Alva Lind" in browser.find_element(By.CSS_SELECTOR, "h1#who").text
        assert "Ledarskap i klassrummet" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
        current = browser.find_element(By.CSS_SELECTOR, "nav.lang [aria-current]")
        assert current.get_attribute("lang") == wanted

    # The outer demo page stayed where it was: only the iframe navigated.
    browser.switch_to.default_content()
    assert urlsplit(browser.current_url).path == "/demo/course/sodervik-ledarskap/learner"


def test_home_without_token_shows_error_page(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path
) -> None:
    browser.get(tool_server.url("/home"))
    error = WebDriverWait(browser, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".card.error"))
    )
    _screenshot(browser, artifacts_dir, "home-without-token-error")

    assert error.get_attribute("role") == "alert"
    assert error.find_element(By.CSS_SELECTOR, "h1").text.strip()
    assert error.find_element(By.CSS_SELECTOR, ".meta code").text == "session_missing"
    assert "HTTP 401" in error.find_element(By.CSS_SELECTOR, ".meta").text
    assert "Traceback" not in browser.page_source

    # The same refusal as seen over HTTP: a 401 HTML page, not a server error.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tool_server.url("/home"), timeout=10)
    assert refused.value.code == 401
    assert refused.value.headers.get_content_type() == "text/html"
    body = refused.value.read().decode("utf-8")
    refused.value.close()
    assert "session_missing" in body
    assert "Traceback" not in body
