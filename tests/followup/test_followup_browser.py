"""The unit and organisation views in headless Chromium, in Swedish and English: axe-core
finds no WCAG 2.1 A/AA violation, and each chart stands beside its table."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

try:
    from selenium.webdriver.common.by import By
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from tests.e2e import conftest as e2e
from tests.e2e.conftest import check_accessibility
from tests.followup.conftest import World, seed_two_units
from tests.leadership.conftest import ADMINISTRATOR, ORG_ADMIN, Launches

pytestmark = pytest.mark.slow

# The end-to-end fixtures, shared rather than copied.
browser = e2e.browser
axe_source = e2e.axe_source
artifacts_dir = e2e.artifacts_dir


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_follow_up_views_are_accessible(
    world: World,
    launches: Launches,
    live_url: str,
    browser: Any,
    axe_source: str,
    artifacts_dir: Path,
    lang: str,
) -> None:
    ids = seed_two_units(world)
    pages = [
        (launches.launch("rektor", roles=ADMINISTRATOR), f"/follow-up/units/{ids['a']}", "unit"),
        (launches.launch("chef", roles=ORG_ADMIN), "/follow-up/organisation", "organisation"),
    ]
    for token, path, name in pages:
        browser.get(f"{live_url}{path}?lt={token}&lang={lang}")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
        charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        assert charts, name
        for chart in charts:
            figure = chart.find_element(By.XPATH, "./ancestor::figure")
            assert figure.find_element(By.XPATH, "following-sibling::table[1]")
        check_accessibility(browser, axe_source, f"{name} view ({lang})")
        browser.save_screenshot(str(artifacts_dir / f"followup-{name}-{lang}.png"))
