"""A member of staff reads their notices, marks them read and turns reminder e-mail off, in a real
headless Chromium inside the demo LMS's iframe. Every page is checked with axe-core (WCAG 2.1 A
and AA), in Swedish and in English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

try:
    from selenium.webdriver.common.by import By
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from lti_tool import models as _models  # noqa: F401 (every table, so foreign keys resolve)
from lti_tool.reminders.models import NoticeKind, NoticePreference
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Person
from tests.e2e.conftest import _serving, check_accessibility
from tests.e2e.test_journey_browser import follow, open_in_course, submit
from tests.support.workers import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

COURSE = "sodervik-ledarskap"  # no journey linked: everyone lands on the start page
PERSON = "staff-9"


@pytest.fixture(scope="module")
def notices_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ToolServer, Path]]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("notices-server")
    with _serving(workdir, f"http://127.0.0.1:{port}", port) as server:
        yield server, workdir / "demo.sqlite3"


def _remind_everyone(database: Path) -> None:
    """Two notices for every person of the demo (the one who launched among them)."""
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        for person in session.scalars(select(Person)):
            notify(
                session,
                organization_id=person.organization_id,
                person_id=person.id,
                kind=NoticeKind.NUDGE,
                dedupe_key="e2e-nudge",
                payload={"sender": "Pia Processledare", "message": "Glöm inte loggboken."},
            )
            notify(
                session,
                organization_id=person.organization_id,
                person_id=person.id,
                kind=NoticeKind.SESSION_CHANGED,
                dedupe_key="e2e-changed",
                payload={
                    "title": "Träff 1",
                    "starts_at": "2026-12-10T13:00:00+00:00",
                    "place": "Aulan",
                    "path": "/notices/",
                },
            )
        session.commit()
    engine.dispose()


def _opted_out(database: Path) -> set[int]:
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        rows = set(
            session.scalars(
                select(NoticePreference.person_id).where(NoticePreference.email_opt_out)
            )
        )
    engine.dispose()
    return rows


def test_staff_member_reads_notices_and_turns_reminder_email_off(
    browser: Any, notices_server: tuple[ToolServer, Path], axe_source: str
) -> None:
    server, database = notices_server
    open_in_course(browser, server, COURSE, PERSON, "h1#who")
    _remind_everyone(database)

    open_in_course(browser, server, COURSE, PERSON, "h2#notices-panel")
    check_accessibility(browser, axe_source, "start page with the notices panel (sv)")
    assert "olästa: 2" in browser.find_element(By.ID, "notices-panel").text

    follow(browser, server, ".notices-panel a[href^='/notices/?']", "h1#notices-title")
    check_accessibility(browser, axe_source, "notices (sv)")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".notice-item.unread")) == 2
    submit(browser, server, "form[action*='/notices/read']", "h1#notices-title")
    assert browser.find_elements(By.CSS_SELECTOR, ".notice-item.unread") == []

    follow(browser, server, "a[href*='/notices/preferences']", "h1#preferences-title")
    check_accessibility(browser, axe_source, "reminder e-mail (sv)")
    browser.find_element(By.ID, "email-off").click()
    submit(browser, server, "form[action*='/notices/preferences']", "p.notice[role=status]")
    assert len(_opted_out(database)) == 1

    follow(browser, server, "nav.lang a[lang=en]", "h1#preferences-title")
    check_accessibility(browser, axe_source, "reminder e-mail (en)")
    assert browser.find_element(By.ID, "email-off").is_selected()
    follow(browser, server, "main a[href^='/notices/?']", "h1#notices-title")
    follow(browser, server, "nav.lang a[lang=en]", "h1#notices-title")
    check_accessibility(browser, axe_source, "notices (en)")
    assert "A reminder from Pia Processledare" in browser.page_source
