"""Launches inside the LMS frame with third-party cookies blocked, in real headless Chromium.

The demo LMS runs on one site (``http://127.0.0.1:PORT``) and frames the tool from another
(``http://localhost:PORT``), so the tool is a third party in the course page. Chromium blocks
third-party cookies in every set-up here:

* **platform storage**: the tool's cookies are blocked in the frame altogether (partitioned ones
  too) and the demo offers LTI Platform Storage, where the tool keeps and reads its login state:
  answered by the course page itself (``_parent``), and by a storage frame of the platform's named
  in its capabilities, as Canvas does;
* **partitioned cookies**: the demo offers no storage; the tool's CHIPS login cookie carries it;
* **all cookies blocked in the frame** (as Safari does): the tool offers a new window, where the
  launch completes.

In each, a learner launches and works through two steps and a knowledge check, and an
instructor places a journey with deep linking. Screenshots of the end states are kept in
``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ToolServer, check_accessibility, chromium

pytest.importorskip("selenium")

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 20
STORAGE = "platform-storage"
STORAGE_FRAME = "platform-storage-frame"
PARTITIONED = "partitioned-cookies"
BLOCKED = "all-cookies-blocked"
# A course (and so an enrollment) of the demo learner's own per set-up: the server is shared.
LEARNER_COURSE = {
    STORAGE: "norrstad-digital",
    STORAGE_FRAME: "sodervik-kollegialt",
    PARTITIONED: "norrstad-kollegialt",
    BLOCKED: "sodervik-ledarskap",
}
STORAGE_PARAM = {STORAGE: None, STORAGE_FRAME: "frame", PARTITIONED: "0", BLOCKED: "0"}


def _prefs(setup: str, server: ToolServer) -> dict[str, Any]:
    # Block third-party cookies, as Chrome with tracking protection and Safari do.
    prefs: dict[str, Any] = {
        "profile.cookie_controls_mode": 1,
        "profile.block_third_party_cookies": True,
    }
    if setup in (STORAGE, STORAGE_FRAME, BLOCKED):
        # Also block the tool's cookies (partitioned ones too) when the demo frames it, as Safari
        # does; as a page of its own (the new window) it keeps them. With platform storage
        # offered, the storage is then the only way to finish the launch in the frame.
        tool = urlsplit(server.base_url)
        demo = urlsplit(server.demo_url or "")
        pattern = f"{tool.scheme}://{tool.netloc},{demo.scheme}://{demo.netloc}"
        prefs["profile.content_settings.exceptions.cookies"] = {pattern: {"setting": 2}}
    return prefs


@pytest.fixture(params=[STORAGE, STORAGE_FRAME, PARTITIONED, BLOCKED])
def setup(
    request: pytest.FixtureRequest, cross_site_server: ToolServer, tmp_path: Path
) -> Iterator[tuple[str, Any]]:
    driver = chromium(tmp_path, _prefs(request.param, cross_site_server))
    try:
        yield request.param, driver
    finally:
        driver.quit()


def course_url(server: ToolServer, setup: str, course: str, person: str, mode: str = "") -> str:
    query = [f"mode={mode}"] if mode else []
    if STORAGE_PARAM[setup]:
        query.append(f"storage={STORAGE_PARAM[setup]}")
    return server.demo(f"/demo/course/{course}/{person}" + ("?" + "&".join(query) if query else ""))


def wait_for(browser: Any, server: ToolServer, selector: str) -> Any:
    try:
        return WebDriverWait(browser, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"{selector}, .card.error"))
        )
    except TimeoutException:
        pytest.fail(
            f"{selector} did not appear at {browser.current_url}:\n{browser.page_source[-6000:]}"
            f"\n--- server log ---\n{server.log()[-3000:]}"
        )
    finally:
        errors = browser.find_elements(By.CSS_SELECTOR, ".card.error")
        if errors:
            pytest.fail(f"error page: {errors[0].text}\n--- server log ---\n{server.log()}")


def enter_tool(
    browser: Any, server: ToolServer, setup: str, url: str, ready: str, axe: str
) -> None:
    """Open the course page and get to the tool: in its frame, or in the new window it offers."""
    browser.switch_to.default_content()
    browser.get(url)
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    if setup != BLOCKED:
        wait_for(browser, server, ready)
        if setup in (STORAGE, STORAGE_FRAME):
            # capabilities and put_data at the login, capabilities and get_data at the launch
            browser.switch_to.default_content()
            handled = browser.find_element(By.TAG_NAME, "body").get_attribute(
                "data-platform-storage-messages"
            )
            assert int(handled or 0) >= 4
            WebDriverWait(browser, WAIT_SECONDS).until(
                ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
            )
        return
    link = wait_for(browser, server, "a#new-window-link")
    check_accessibility(browser, axe, "new-window offer")
    screenshot(browser, setup, "new-window-offer")
    windows = set(browser.window_handles)
    link.click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: len(b.window_handles) > len(windows))
    browser.switch_to.window((set(browser.window_handles) - windows).pop())
    wait_for(browser, server, ready)


def follow(browser: Any, server: ToolServer, selector: str, ready: str) -> None:
    """Click ``selector`` and wait for the next page, in the tool's frame when it is framed.

    The tool's frame is another site than the demo page around it, and Chromium may give such a
    frame a new document host on navigation; chromedriver then loses the frame (its context
    falls back to the top page) or reports the old page's nodes as foreign. So the old page is
    recognised by a marker in its window, not by an element, and the frame is entered again
    when the context fell back to the top page.
    """
    framed = browser.execute_script("return window !== window.top")
    browser.execute_script("window.__e2eOldPage = true")
    browser.find_element(By.CSS_SELECTOR, selector).click()

    def next_page(driver: Any) -> bool:
        try:
            if framed and driver.execute_script("return window === window.top"):
                driver.switch_to.default_content()
                driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe.demo-frame"))
            return bool(
                driver.execute_script(
                    "return !window.__e2eOldPage && document.readyState !== 'loading'"
                )
            )
        except WebDriverException:
            return False  # between two documents; asked again at the next poll

    try:
        WebDriverWait(browser, WAIT_SECONDS).until(next_page)
    except TimeoutException:
        pytest.fail(f"{selector} led nowhere from {browser.current_url}:\n{browser.page_source}")
    wait_for(browser, server, ready)


def submit(browser: Any, server: ToolServer, form: str, ready: str) -> None:
    follow(browser, server, f"{form} button[type=submit]", ready)


def choose(browser: Any, name: str, value: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{value}']").click()


def _placed(browser: Any, setup: str) -> Any:
    if setup != BLOCKED:
        browser.switch_to.default_content()
        frames = browser.find_elements(By.CSS_SELECTOR, "iframe.demo-frame")
        if not frames:
            return None
        browser.switch_to.frame(frames[0])
    found = browser.find_elements(By.CSS_SELECTOR, "h1#placed-title")
    return found[0] if found else None


def screenshot(browser: Any, setup: str, name: str) -> None:
    directory = Path(__file__).resolve().parents[2] / "test-artifacts"
    directory.mkdir(exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(directory / f"cookieless-{setup}-{name}.png"))


def assert_third_party_cookies_blocked(browser: Any) -> None:
    """The frame is really a third party whose cookies the browser blocks."""
    access = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "document.hasStorageAccess().then(done, () => done(null));"
    )
    assert access is False


def test_a_learner_works_through_steps_and_a_knowledge_check(
    setup: tuple[str, Any], cross_site_server: ToolServer, axe_source: str
) -> None:
    name, browser = setup
    server = cross_site_server
    url = course_url(server, name, LEARNER_COURSE[name], "learner")
    enter_tool(browser, server, name, url, "h1#sa-title, h1#journey-title, h1#who", axe_source)
    if name != BLOCKED:
        assert_third_party_cookies_blocked(browser)
    if browser.find_elements(By.CSS_SELECTOR, "h1#who"):
        # A course without a journey link: the organisation's assigned journey.
        follow(browser, server, ".journey-list a", "h1#sa-title, h1#journey-title")
    if browser.find_elements(By.CSS_SELECTOR, "h1#sa-title"):
        for radio in browser.find_elements(By.CSS_SELECTOR, "fieldset"):
            radio.find_elements(By.CSS_SELECTOR, "input[type=radio]")[0].click()
        submit(browser, server, "form", "h1#journey-title")
    follow(browser, server, "#journey-title ~ p a.button", "h1#step-title")
    steps = 0
    while not browser.find_elements(By.CSS_SELECTOR, "fieldset.question"):
        if browser.find_elements(By.CSS_SELECTOR, "textarea#reflection-text"):
            browser.find_element(By.ID, "reflection-text").send_keys(
                "Vi provade arbetssättet i arbetslaget och jämförde elevernas svar efteråt."
            )
            submit(browser, server, "form", "section.dialogue")
        steps += 1
        follow(browser, server, "a[rel=next]", "h1#step-title, fieldset.question")
    assert steps >= 2
    for question in browser.find_elements(By.CSS_SELECTOR, "fieldset.question"):
        choices = question.find_elements(By.CSS_SELECTOR, "input[type=radio], input[type=checkbox]")
        if choices:
            choices[0].click()
        else:
            question.find_element(By.CSS_SELECTOR, "input[inputmode=decimal]").send_keys("1")
    submit(browser, server, "form", "section#result")
    screenshot(browser, name, "learner-knowledge-check")


def test_an_instructor_places_a_journey_with_deep_linking(
    setup: tuple[str, Any], cross_site_server: ToolServer, axe_source: str
) -> None:
    name, browser = setup
    server = cross_site_server
    url = course_url(server, name, "sodervik-ledarskap", "instructor", mode="add")
    enter_tool(browser, server, name, url, "h1#picker-title", axe_source)
    browser.find_elements(By.CSS_SELECTOR, "input[name=journey]")[0].click()
    browser.find_element(By.CSS_SELECTOR, "form[method=post] .actions button").click()
    # The response goes back to the platform's site inside the frame (a cross-site navigation
    # that may move the frame to another renderer): look for the result afresh each time.
    placed = WebDriverWait(browser, WAIT_SECONDS).until(lambda b: _placed(b, name))
    assert placed.text
    screenshot(browser, name, "instructor-deep-linking-placed")
