"""A learner walks a whole journey and an instructor follows up, in a real headless Chromium.

Everything happens inside the demo LMS's iframe, as from Canvas or Moodle. Every page on the way is
checked with axe-core (WCAG 2.1 A and AA rules) and must have no violation; a screenshot of each
end state is saved in ``test-artifacts/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e.conftest import check_accessibility, page_replaced
from tests.support.platform import running_platform

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

WAIT_SECONDS = 20


def open_in_course(browser: Any, server: ToolServer, course: str, person: str, ready: str) -> None:
    browser.switch_to.default_content()
    browser.get(server.url(f"/demo/course/{course}/{person}"))
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    wait_for(browser, server, ready)


def wait_for(browser: Any, server: ToolServer, selector: str) -> Any:
    try:
        return WebDriverWait(browser, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"{selector}, .card.error"))
        )
    finally:
        errors = browser.find_elements(By.CSS_SELECTOR, ".card.error")
        if errors:
            pytest.fail(f"error page: {errors[0].text}\n--- server log ---\n{server.log()}")


def submit(browser: Any, server: ToolServer, form_selector: str, ready: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, f"{form_selector} button[type=submit]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    wait_for(browser, server, ready)


def follow(browser: Any, server: ToolServer, link_selector: str, ready: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, link_selector).click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    wait_for(browser, server, ready)


def choose(browser: Any, name: str, value: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{value}']").click()


def test_learner_walks_the_journey_and_an_instructor_follows_up(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    # The course links to the journey: the first visit asks for the self-assessment.
    open_in_course(browser, tool_server, "norrstad-digital", "learner", "h1#sa-title")
    check_accessibility(browser, axe_source, "self-assessment")
    for goal in ("kallkritik", "kallkritik-ai"):
        choose(browser, f"goal-{goal}", "2")
    choose(browser, "goal-aterkoppling", "4")  # mastered: its three steps are waived
    submit(browser, tool_server, "form", "h1#journey-title")
    check_accessibility(browser, axe_source, "journey overview")
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.step.status-waived")) == 3
    # A waived step counts as done: three of the journey's eight steps.
    assert browser.find_element(By.CSS_SELECTOR, "progress").get_attribute("value") == "38"

    # Content: opening it is enough.
    follow(browser, tool_server, "#journey-title ~ p a.button", "h1#step-title")
    check_accessibility(browser, axe_source, "content step")
    # Reflection.
    follow(browser, tool_server, "a[rel=next]", "textarea#reflection-text")
    browser.find_element(By.ID, "reflection-text").send_keys(
        "Eleverna sökte information digitalt men granskade sällan källorna. Nästa gång jämför vi."
    )
    submit(browser, tool_server, "form", "section.dialogue")
    check_accessibility(browser, axe_source, "reflection step")
    # The next content step, then the knowledge check.
    follow(browser, tool_server, "a[rel=next]", "h1#step-title")
    follow(browser, tool_server, "a[rel=next]", "fieldset.question")
    choose(browser, "q-q-fakta", "b")
    for key in ("vem", "nar", "varfor"):
        choose(browser, "q-q-fragor", key)
    choose(browser, "q-q-bild", "false")
    browser.find_element(By.ID, "q-q-kallor").send_keys("2")
    choose(browser, "q-q-ansvar", "true")
    check_accessibility(browser, axe_source, "knowledge check")
    submit(browser, tool_server, "form", "section#result")
    assert "passed" in browser.find_element(By.ID, "result").get_attribute("class")
    check_accessibility(browser, axe_source, "knowledge-check result")
    _screenshot(browser, artifacts_dir, "journey-knowledge-check-passed")
    # Practice task with a text as evidence.
    follow(browser, tool_server, "a[rel=next]", "textarea#evidence-text")
    choose(browser, "kind", "text")
    browser.find_element(By.ID, "evidence-text").send_keys("Eleverna jämförde AI-svar med NE.")
    submit(browser, tool_server, "form[enctype]", "#evidence-title")
    check_accessibility(browser, axe_source, "practice step")

    # Every step that was not waived is done: the journey is complete.
    follow(browser, tool_server, "nav.pager a[href*='/journeys/digital-kompetens?']", "progress")
    assert browser.find_element(By.CSS_SELECTOR, "progress").get_attribute("value") == "100"
    assert browser.find_elements(By.CSS_SELECTOR, "a[href*='phase=end']")
    _screenshot(browser, artifacts_dir, "journey-complete")

    # The instructor of the course sees the learner's progress and reflection.
    open_in_course(browser, tool_server, "norrstad-digital", "instructor", "h1#who")
    follow(browser, tool_server, "a[href*='/courses/']", "h1#fu-title")
    check_accessibility(browser, axe_source, "follow-up table")
    row = browser.find_element(By.XPATH, "//tbody/tr[th[contains(., 'Alva Lind')]]")
    assert "5 / 8" in row.text
    # The demo's staff are in the course too: open this learner's own page.
    old = browser.find_element(By.TAG_NAME, "html")
    row.find_element(By.CSS_SELECTOR, "a[href*='/learners/']").click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    wait_for(browser, tool_server, "h1#l-title")
    assert "granskade sällan källorna" in browser.page_source
    check_accessibility(browser, axe_source, "learner follow-up")
    _screenshot(browser, artifacts_dir, "journey-instructor-follow-up")


def test_author_edits_a_step_and_previews_it(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    open_in_course(browser, tool_server, "norrstad-kollegialt", "instructor", "h1#who")
    follow(browser, tool_server, "a[href*='/author/']", "h1#journeys-title")
    check_accessibility(browser, axe_source, "journey list")
    follow(browser, tool_server, "tbody a[href*='/author/journeys/']", "h1#editor-title")
    check_accessibility(browser, axe_source, "journey editor")
    _screenshot(browser, artifacts_dir, "author-editor")
    follow(browser, tool_server, "ol.editor-steps a", "h1#step-editor-title")
    check_accessibility(browser, axe_source, "step editor")
    field = browser.find_element(By.ID, "step-title")
    field.clear()
    field.send_keys("Ny rubrik för steget")
    submit(browser, tool_server, "form.stack", "p.notice")
    follow(browser, tool_server, "p.notice a[href*='/preview']", "h1#step-title")
    assert browser.find_element(By.ID, "step-title").text == "Ny rubrik för steget"
    check_accessibility(browser, axe_source, "step preview")
    _screenshot(browser, artifacts_dir, "author-step-preview")


def test_instructor_places_a_journey_with_deep_linking(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    browser.switch_to.default_content()
    browser.get(tool_server.url("/demo/course/sodervik-ledarskap/instructor?mode=add"))
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    wait_for(browser, tool_server, "h1#picker-title")
    check_accessibility(browser, axe_source, "journey picker")
    browser.find_element(
        By.XPATH, "//label[contains(., 'Collegial learning in your teaching team')]/input"
    ).click()
    _screenshot(browser, artifacts_dir, "deep-linking-picker")
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form[method=post] .actions button").click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    # The browser posts the signed response to the demo platform, which places the link.
    placed = wait_for(browser, tool_server, "h1#placed-title")
    assert placed.text
    link = browser.find_element(By.CSS_SELECTOR, "section ul a")
    assert link.text == "Collegial learning in your teaching team"
    link.click()  # opens the course page with the new link (target _top)
    browser.switch_to.default_content()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda b: "mode=1" in b.current_url or "mode=" in b.current_url
    )
    WebDriverWait(browser, WAIT_SECONDS).until(
        ec.frame_to_be_available_and_switch_to_it((By.CSS_SELECTOR, "iframe.demo-frame"))
    )
    wait_for(browser, tool_server, "h1#who")
    assert (
        "Collegial learning in your teaching team"
        in browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby='journey']").text
    )
    _screenshot(browser, artifacts_dir, "deep-linking-placed-link")


def _screenshot(browser: Any, directory: Path, name: str) -> None:
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(directory / f"{name}.png"))


def test_an_administrator_creates_a_registration_url_on_the_setup_page(
    browser: Any, tool_server: ToolServer, artifacts_dir: Path, axe_source: str
) -> None:
    open_in_course(browser, tool_server, "norrstad-digital", "admin", "h1#who")
    follow(browser, tool_server, "a[href*='/admin/setup']", "h1#setup-heading")
    check_accessibility(browser, axe_source, "setup page")
    submit(
        browser,
        tool_server,
        "form[action$='/admin/setup/registration-url']",
        "input#registration-url",
    )
    url = browser.find_element(By.CSS_SELECTOR, "input#registration-url").get_attribute("value")
    assert "/lti/register/" in (url or "")
    check_accessibility(browser, axe_source, "setup page with a registration URL")
    _screenshot(browser, artifacts_dir, "admin-setup-registration-url")

    # A platform opens the URL in a frame; when registered, the tool asks it to close the frame.
    with running_platform(client_id="browser-registered") as platform:
        platform.issuer = platform.base_url
        config = quote(platform.base_url + "/.well-known/openid-configuration", safe="")
        src = quote(f"{url}?openid_configuration={config}", safe="")
        browser.switch_to.default_content()
        browser.get(f"{platform.base_url}/registration-frame?src={src}")
        WebDriverWait(browser, WAIT_SECONDS).until(lambda b: b.title == "closed")
        assert platform.registration_requests[-1]["body"]["client_name"] == "lti-journeys"
