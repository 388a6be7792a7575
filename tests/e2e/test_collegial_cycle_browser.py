"""A learning group runs a whole collegial cycle with its facilitator, in a real headless Chromium.

The demo's closed group "Lärgrupp Björken" has three learners and the demo instructor as its
facilitator (processledare). Each learner writes the preparation reflection; the facilitator moves
the group's meeting to now and shows the check-in code with its QR code; two learners check in
by opening the QR code's link in their own launched browser session and the facilitator marks the
third present; each learner gives evidence from practice and feedback on a colleague's; one
writes the group's follow-up in the logbook and a colleague comments on it. The facilitator's
view then shows every member's phases done, the meeting attended by all three and the logbook's
activity, and each learner's step is completed. Every page on the way is checked with axe-core
(WCAG 2.1 A and AA) in Swedish and in English.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.environ.get("LTI_JOURNEYS_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("selenium is not installed (pip install selenium)", allow_module_level=True)

from lti_tool import models as _models  # noqa: F401 (every table, so foreign keys resolve)
from lti_tool.collegial.models import (
    Attendance,
    AttendanceMethod,
    Group,
    GroupMember,
    GroupRole,
    Occurrence,
)
from lti_tool.collegial.qr import qr_svg
from lti_tool.demo import catalog
from lti_tool.tenancy.models import Person
from tests.e2e.conftest import _serving, check_accessibility, page_replaced
from tests.e2e.test_journey_browser import (
    WAIT_SECONDS,
    _screenshot,
    follow,
    open_in_course,
    submit,
    wait_for,
)
from tests.e2e.test_leader_flow_browser import _both_languages, _follow_xpath
from tests.support.workers import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import ToolServer

pytestmark = pytest.mark.slow

COURSE = "norrstad-formativ"
JOURNEY = "formativ-bedomning"
STEP = "cykel-aterkoppling"
GROUP = "Lärgrupp Björken"
FACILITATOR = "instructor"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LANDED = "h1#journey-title, h1#sa-title, h1#who"
REFLECTION = (
    "Eleven läste min kommentar om styckeindelning och skrev om inledningen, men frågan om "
    "källorna hoppade hen över. Jag tror att den försvann för att den stod sist och var för "
    "allmänt formulerad. {name} tar med exemplet till träffen."
)


@dataclass(frozen=True)
class Member:
    key: str  # the demo launch's person key
    name: str
    sub: str


@pytest.fixture(scope="module")
def cycle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ToolServer, Path]]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("cycle-server")
    with _serving(workdir, f"http://127.0.0.1:{port}", port) as server:
        yield server, workdir / "demo.sqlite3"


def _read(database: Path, query: Any) -> list[Any]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            return list(session.execute(query).all())
    finally:
        engine.dispose()


def _members(database: Path) -> list[Member]:
    """The group's learners as the seed placed them, each a person of the demo's launch page."""
    rows = _read(
        database,
        select(Person.sub)
        .join(GroupMember, GroupMember.person_id == Person.id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.name == GROUP, GroupMember.role == GroupRole.MEMBER)
        .order_by(GroupMember.id),
    )
    members = []
    for (sub,) in rows:
        key = sub.removeprefix("demo-")
        person = catalog.person(key)
        assert person is not None, f"{sub} is not a person of the demo's launch page"
        members.append(Member(key, person.name, sub))
    return members


def _attendance(database: Path) -> dict[str, AttendanceMethod]:
    rows = _read(
        database,
        select(Person.sub, Attendance.method)
        .join(Attendance, Attendance.person_id == Person.id)
        .join(Occurrence, Occurrence.id == Attendance.occurrence_id)
        .join(Group, Group.id == Occurrence.group_id)
        .where(Group.name == GROUP, Occurrence.step_key == STEP),
    )
    return {sub: method for sub, method in rows}


def _click(browser: Any, server: ToolServer, element: Any, ready: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, WAIT_SECONDS).until(page_replaced(old))
    wait_for(browser, server, ready)


def _open_journey(browser: Any, server: ToolServer, person: str) -> None:
    """Launch ``person`` in the course and open the journey, past the self-assessment."""
    open_in_course(browser, server, COURSE, person, LANDED)
    if browser.find_elements(By.ID, "who"):  # staff land on the start page
        follow(browser, server, f"a[href^='/journeys/{JOURNEY}?']", "h1#journey-title, h1#sa-title")
    if browser.find_elements(By.ID, "sa-title"):
        follow(browser, server, "a[href*='skip=1']", "h1#journey-title")


def _open_step(browser: Any, server: ToolServer, person: str) -> None:
    _open_journey(browser, server, person)
    follow(browser, server, f"a[href*='/steps/{STEP}?']", "section#cycle")


def _step_status(browser: Any) -> str:
    """The class of the cycle step's line on the journey overview."""
    line = browser.find_element(
        By.XPATH, f"//li[contains(@class, 'step')][.//a[contains(@href, '/steps/{STEP}?')]]"
    )
    return str(line.get_attribute("class"))


def _meeting_now() -> dict[str, str]:
    """The edit form's date and times (Swedish time) of a meeting whose check-in is open now."""
    now = datetime.now(STOCKHOLM).replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    starts = max(now - timedelta(minutes=10), midnight)
    ends = min(now + timedelta(minutes=60), midnight.replace(hour=23, minute=59))
    return {
        "date": starts.date().isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
    }


def _svg_path(svg: str) -> str:
    found = re.search(r'<path[^>]* d="([^"]+)"', svg)
    assert found, svg[:300]
    return found.group(1)


def _move_meeting_to_now(browser: Any, server: ToolServer, axe_source: str) -> str:
    """As the facilitator: from the step to the groups' view, the group's meeting, its form."""
    _open_step(browser, server, FACILITATOR)
    follow(browser, server, f"a[href*='/steps/{STEP}/groups']", "h1#groups-title")
    _both_languages(browser, server, axe_source, "facilitator's view, before", "h1#groups-title")
    _follow_xpath(
        browser,
        server,
        f"//section[h2[.='{GROUP}']]//a[contains(@href, '/steps/{STEP}/manage')]",
        "h2#listed-title",
    )
    _both_languages(browser, server, axe_source, "the group's meetings", "h2#listed-title")
    follow(browser, server, "section[aria-labelledby='listed-title'] li a", "h2#people-title")
    _both_languages(browser, server, axe_source, "the meeting", "h2#people-title")
    follow(browser, server, "a[href*='/edit?']", "input#date")
    _both_languages(browser, server, axe_source, "the meeting's form", "input#date")
    for field, value in _meeting_now().items():
        browser.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1];", field, value
        )
    submit(browser, server, "form[action*='/edit']", "h2#people-title")
    key = browser.execute_script("return location.pathname").split("/")[-1]
    return str(key)


def _show_check_in_screen(browser: Any, server: ToolServer, axe_source: str, key: str) -> str:
    """The room's screen: the code and its QR code, which holds the check-in link; that link."""
    follow(browser, server, "a[href*='/screen?']", "h1#screen-title")
    _both_languages(browser, server, axe_source, "check-in screen", "h1#screen-title")
    code = browser.find_element(By.CSS_SELECTOR, ".check-in-code").text.strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code
    svg = browser.find_element(By.CSS_SELECTOR, ".qr svg.qr-code").get_attribute("outerHTML")
    link = server.url(f"/sessions/check-in/{key}?{urlencode({'code': code})}")
    # The QR code drawn on the screen is the one of this link, module for module.
    assert _svg_path(svg) == _svg_path(str(qr_svg(link, "QR")))
    return link


def _check_in_by_link(
    browser: Any, server: ToolServer, axe_source: str, member: Member, link: str, language: str
) -> None:
    """The member, launched in this browser, opens the QR code's link and checks in."""
    _open_journey(browser, server, member.key)
    browser.switch_to.default_content()
    browser.get(link)
    wait_for(browser, server, "h1#check-in-title")
    if language == "en":
        follow(browser, server, "nav.lang a[lang='en']", "input#code")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    # The code comes filled in from the link: one press checks in.
    assert browser.find_element(By.ID, "code").get_attribute("value") == link.rsplit("=", 1)[1]
    check_accessibility(browser, axe_source, f"check-in by the QR link ({language})")
    submit(browser, server, "form[action*='/sessions/check-in/']", "p.notice[role=status]")
    assert not browser.find_elements(By.CSS_SELECTOR, "form[action*='/sessions/check-in/']")
    check_accessibility(browser, axe_source, f"checked in ({language})")


def _mark_present(browser: Any, server: ToolServer, member: Member, key: str) -> None:
    """As the facilitator, on the meeting's page: ``member`` marked present."""
    open_in_course(browser, server, COURSE, FACILITATOR, "h1#who")
    browser.execute_script("location.href = arguments[0]", f"/sessions/occurrences/{key}")
    wait_for(browser, server, "h2#people-title")
    row = browser.find_element(By.XPATH, f"//tbody/tr[td[contains(., '{member.name}')]]")
    _click(
        browser,
        server,
        row.find_element(By.CSS_SELECTOR, "input[name=present][value='1'] ~ button"),
        "h2#people-title",
    )
    marked = browser.find_elements(By.CSS_SELECTOR, "tbody tr input[name=present][value='0']")
    assert len(marked) == 3, browser.find_element(By.TAG_NAME, "main").text


def _give_evidence(browser: Any, server: ToolServer, member: Member) -> None:
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=text]").click()
    browser.find_element(By.ID, "evidence-text-prova").send_keys(
        f"{member.name}: exit tickets i två lektioner; eleverna skrev om med hjälp av frågan."
    )
    submit(browser, server, "form[action*='/phases/prova/evidence']", "li#phase-prova.done")


def _give_feedback(browser: Any, server: ToolServer, colleague: Member) -> None:
    article = browser.find_element(By.XPATH, f"//article[h4[.='{colleague.name}']]")
    strengths = article.find_elements(By.CSS_SELECTOR, "input[name=strength]")
    assert len(strengths) == 2
    strengths[0].send_keys("Tydligt elevexempel före och efter.")
    strengths[1].send_keys("Frågan till eleverna var konkret.")
    article.find_element(By.CSS_SELECTOR, "input[name=next_step]").send_keys(
        "Pröva samma fråga som kamratrespons."
    )
    _click(
        browser,
        server,
        article.find_element(By.CSS_SELECTOR, "button[type=submit]"),
        "section#cycle",
    )
    article = browser.find_element(By.XPATH, f"//article[h4[.='{colleague.name}']]")
    assert not article.find_elements(By.CSS_SELECTOR, "form"), article.text


def test_a_group_runs_a_collegial_cycle_and_its_facilitator_follows_it(
    browser: Any, cycle_server: tuple[ToolServer, Path], artifacts_dir: Path, axe_source: str
) -> None:
    server, database = cycle_server
    members = _members(database)
    assert len(members) == 3, members

    # 0. The groups: the course's groups page and the group's page for its facilitator (course
    # staff), "my group" for a member.
    _open_journey(browser, server, FACILITATOR)
    follow(browser, server, "section[aria-labelledby='groups-link'] a", "h1#groups-title")
    _both_languages(browser, server, axe_source, "the course's groups", "h1#groups-title")
    _follow_xpath(browser, server, f"//a[normalize-space(.)='{GROUP}']", "h1#group-title")
    _both_languages(browser, server, axe_source, "a group's page", "h1#group-title")
    _open_journey(browser, server, members[0].key)
    follow(browser, server, "section[aria-labelledby='groups-link'] a", "h1#my-group")
    _both_languages(browser, server, axe_source, "my group", "h1#my-group")
    assert all(m.name in browser.page_source for m in members)

    # 1. Prepare: each learner writes the individual reflection.
    for number, member in enumerate(members):
        _open_step(browser, server, member.key)
        if number == 0:
            _both_languages(browser, server, axe_source, "cycle step: prepare", "section#cycle")
        browser.find_element(By.ID, "reflection-forbered").send_keys(
            REFLECTION.format(name=member.name)
        )
        submit(browser, server, "form[action*='/phases/forbered/reflection']", "section#cycle")
        assert "done" in str(browser.find_element(By.ID, "phase-forbered").get_attribute("class"))
        assert browser.find_element(By.ID, "phase-traff").get_attribute("aria-current") == "step"

    # 2. Meet: the facilitator moves the group's meeting to now and shows the code in the room.
    key = _move_meeting_to_now(browser, server, axe_source)
    link = _show_check_in_screen(browser, server, axe_source, key)

    # Two learners check in with the QR code's link; the facilitator marks the third present.
    for member, language in zip(members[:2], ("sv", "en"), strict=True):
        _check_in_by_link(browser, server, axe_source, member, link, language)
    _mark_present(browser, server, members[2], key)
    attendance = _attendance(database)
    assert attendance == {
        members[0].sub: AttendanceMethod.SELF_CHECK_IN,
        members[1].sub: AttendanceMethod.SELF_CHECK_IN,
        members[2].sub: AttendanceMethod.FACILITATOR,
    }

    # 3. Try in practice: each learner's evidence (the meeting phase is done for all three).
    for number, member in enumerate(members):
        _open_step(browser, server, member.key)
        assert "done" in str(browser.find_element(By.ID, "phase-traff").get_attribute("class"))
        if number == 0:
            _both_languages(browser, server, axe_source, "cycle step: practice", "section#cycle")
        _give_evidence(browser, server, member)

    # 4. Follow up: feedback on a colleague's evidence each; the last writes the group's entry.
    for number, member in enumerate(members):
        _open_step(browser, server, member.key)
        _give_feedback(browser, server, members[(number + 1) % len(members)])
    title = "Återkoppling som eleverna använder"
    browser.find_element(By.ID, "follow-up-title-folj-upp").send_keys(title)
    browser.find_element(By.ID, "follow-up-text-folj-upp").send_keys(
        "Alla tre prövade en konkret fråga i återkopplingen. Eleverna använde den när de fick "
        "tid i lektionen. Nästa steg: kamratrespons med samma fråga."
    )
    submit(browser, server, "form[action*='/phases/folj-upp/follow-up']", "li#phase-folj-upp")
    assert "done" in str(browser.find_element(By.ID, "phase-folj-upp").get_attribute("class"))
    _both_languages(browser, server, axe_source, "cycle step: every phase done", "section#cycle")

    # A colleague comments on the entry in the group's logbook.
    _open_step(browser, server, members[0].key)
    follow(browser, server, "section#cycle a[href*='/logbook?']", "h1#logbook-title")
    _both_languages(browser, server, axe_source, "group logbook", "h1#logbook-title")
    entry = browser.find_element(By.XPATH, f"//article[h3[.='{title}']]")
    comment = "Bra sammanfattat! Jag tar med kamratresponsen till nästa träff."
    entry.find_element(By.CSS_SELECTOR, "textarea[name=text]").send_keys(comment)
    _click(
        browser,
        server,
        entry.find_element(By.CSS_SELECTOR, "button[type=submit]"),
        "h1#logbook-title",
    )
    assert comment in browser.find_element(By.XPATH, f"//article[h3[.='{title}']]").text

    # 5. Each learner's step is completed.
    for member in members:
        _open_journey(browser, server, member.key)
        assert "status-completed" in _step_status(browser), member

    # The facilitator's view shows the whole cycle: phases, attendance and the logbook.
    _open_step(browser, server, FACILITATOR)
    follow(browser, server, f"a[href*='/steps/{STEP}/groups']", "h1#groups-title")
    _both_languages(browser, server, axe_source, "facilitator's view, after", "h1#groups-title")
    section = browser.find_element(By.XPATH, f"//section[h2[.='{GROUP}']]")
    text = section.text
    assert "Alla medlemmar har gjort alla faser." in text, text
    assert "3 av 3 medlemmar närvarade" in text, text
    assert "1 inlägg, 1 kommentarer" in text, text
    rows = section.find_elements(By.CSS_SELECTOR, "table.cycle-table tbody tr")
    assert {r.find_element(By.TAG_NAME, "th").text for r in rows} == {m.name for m in members}
    for row in rows:
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[:4] == ["Klart"] * 4, cells
        assert cells[4] == "1", cells  # feedback given
        assert not row.find_elements(By.CSS_SELECTOR, "form"), cells  # nobody to remind
    _screenshot(browser, artifacts_dir, "collegial-cycle-facilitator-view")
