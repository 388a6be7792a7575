"""The cycle's step page, the facilitator's view of the groups, and nudges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.collegial.models import Group, Occurrence
from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from lti_tool.reminders.models import Notice, NoticeKind
from tests.collegial.cycle_support import (
    ACTIONS,
    BASE,
    STEP,
    add_occurrence,
    launch,
    make_crew,
)
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR

GROUPS = f"{ACTIONS}/groups"


def test_step_page_shows_phases_protocol_and_meetings_in_swedish_time(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    occurrence_id = add_occurrence(app, crew.group_a, crew.journey.id)
    with get_database(app).session() as session:
        occurrence = session.get_one(Occurrence, occurrence_id)
        occurrence.starts_at = datetime(2027, 2, 3, 13, 0, tzinfo=UTC)
        occurrence.ends_at = datetime(2027, 2, 3, 14, 0, tzinfo=UTC)
        session.commit()
    page = client.get(BASE, query_string={"lt": crew.members[0].token, "lang": "sv"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lärgrupp A" in html
    assert "2027-02-03 14:00–15:00" in html and "Rum 12" in html
    assert "data-turn-timer" in html and "Klargörande frågor" in html
    assert "turn-timer.js" in html


def test_step_page_speaks_english(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    page = client.get(BASE, query_string={"lt": crew.members[0].token, "lang": "en"})
    html = page.get_data(as_text=True)
    assert "Your individual reflection" in html and "Try in practice" in html


def test_a_members_meeting_link_opens_the_check_in_they_may_use(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    occurrence_id = add_occurrence(app, crew.group_a, crew.journey.id)
    with get_database(app).session() as session:
        key = session.get_one(Occurrence, occurrence_id).key
    token = crew.members[0].token
    html = client.get(BASE, query_string={"lt": token, "lang": "en"}).get_data(as_text=True)
    assert f"/sessions/check-in/{key}?" in html
    assert f"/sessions/occurrences/{key}?" not in html  # the facilitators' page
    page = client.get(f"/sessions/check-in/{key}", query_string={"lt": token, "lang": "en"})
    assert page.status_code == 200
    assert 'name="code"' in page.get_data(as_text=True)


def test_turn_timer_script_is_served(app: Flask, client: FlaskClient) -> None:
    response = client.get("/static/turn-timer.js")
    assert response.status_code == 200
    assert b"[data-turn-timer]" in response.data
    response.close()


def test_authoring_preview_shows_the_cycle_without_forms(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    url = f"/author/journeys/{crew.journey.id}/steps/{STEP}/preview"
    page = client.get(url, query_string={"lt": crew.instructor.token, "lang": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Talk protocol" in html and "<form" not in html.split('id="cycle"')[1]


def test_facilitator_sees_their_group_only(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    page = client.get(GROUPS, query_string={"lt": crew.facilitator.token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lärgrupp A" in html and "Lärgrupp B" not in html


def test_course_staff_see_every_group(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    html = client.get(GROUPS, query_string={"lt": crew.instructor.token}).get_data(as_text=True)
    assert "Lärgrupp A" in html and "Lärgrupp B" in html


def test_staff_of_another_course_see_none_of_its_groups(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    make_crew(app, registration, launcher)
    other = launch(launcher, "teach-2", "Tove", roles=INSTRUCTOR, course="course-2")
    page = client.get(GROUPS, query_string={"lt": other.token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lärgrupp A" not in html and "Lärgrupp B" not in html


def test_saved_reflection_is_confirmed_on_the_step_page(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = client.post(
        ACTIONS + "/phases/prepare/reflection",
        data={"lt": crew.members[0].token, "text": "Jag vill pröva exit tickets."},
    )
    assert response.status_code == 303
    location = response.headers["Location"].split("#")[0]
    page = client.get(location + "&lang=en")
    html = page.get_data(as_text=True)
    assert "Your reflection is saved." in html
    assert '<p class="notice" role="status"></p>' not in html


def test_step_page_links_facilitators_and_staff_to_the_groups_view(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    link = f'href="{GROUPS}?lt='
    for someone, shown in (
        (crew.facilitator, True),
        (crew.instructor, True),
        (crew.members[0], False),
    ):
        html = client.get(BASE, query_string={"lt": someone.token}).get_data(as_text=True)
        assert (link in html) is shown


def test_groups_view_table_scrolls_in_a_region_keyboard_users_reach(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    page = client.get(GROUPS, query_string={"lt": crew.facilitator.token, "lang": "en"})
    html = page.get_data(as_text=True)
    assert (
        '<div class="table-scroll" tabindex="0" role="region" '
        'aria-label="Phases of every member of Lärgrupp A">'
    ) in html


def test_learners_do_not_see_the_facilitator_view(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    assert client.get(GROUPS, query_string={"lt": crew.members[0].token}).status_code == 403


def test_view_shows_who_is_behind_and_logbook_activity(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    client.post(
        ACTIONS + "/phases/prepare/reflection",
        data={"lt": crew.members[0].token, "text": "Jag vill pröva exit tickets."},
    )
    client.post(
        f"/collegial/groups/{crew.group_a}/logbook",
        data={"lt": crew.members[0].token, "text": "Vi började."},
    )
    html = client.get(GROUPS, query_string={"lt": crew.facilitator.token, "lang": "en"}).get_data(
        as_text=True
    )
    assert html.count('class="behind"') == 2  # Bo and Cai have not prepared
    assert "1 entries, 0 comments" in html
    assert "The group is at: Prepare" in html


def _group_id(app: Flask, key: str) -> int:
    with get_database(app).session() as session:
        return session.scalars(select(Group.id).where(Group.key == key)).one()


def test_nudge_makes_one_notice_per_day_and_confirms(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    bo = crew.members[1]
    data = {"lt": crew.facilitator.token, "member": str(bo.person_id), "phase": "prepare"}
    url = f"{GROUPS}/{crew.group_a}/nudge"
    first = client.post(url, data=data)
    assert first.status_code == 303 and "nudged=sent" in first.headers["Location"]
    second = client.post(url, data=data)
    assert "nudged=already" in second.headers["Location"]
    with get_database(app).session() as session:
        notices = session.scalars(select(Notice)).all()
    assert [(n.kind, n.person_id) for n in notices] == [(NoticeKind.NUDGE, bo.person_id)]
    assert notices[0].payload["phase"] == "prepare"
    page = client.get(second.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "That member was already reminded of this phase today." in page


def test_nudge_outside_ones_groups_is_refused(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    data = {
        "lt": crew.facilitator.token,
        "member": str(crew.outsider.person_id),
        "phase": "prepare",
    }
    assert client.post(f"{GROUPS}/{crew.group_b}/nudge", data=data).status_code == 403
    learner = {"lt": crew.members[0].token, "member": str(crew.members[1].person_id),
               "phase": "prepare"}  # fmt: skip
    assert client.post(f"{GROUPS}/{crew.group_a}/nudge", data=learner).status_code == 403


def test_nudge_with_a_damaged_form_is_a_client_error(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    url = f"{GROUPS}/{crew.group_a}/nudge"
    bad_member = {"lt": crew.facilitator.token, "member": "x1", "phase": "prepare"}
    assert client.post(url, data=bad_member).status_code == 400
    bad_phase = {"lt": crew.facilitator.token, "member": str(crew.members[1].person_id),
                 "phase": "nope"}  # fmt: skip
    assert client.post(url, data=bad_phase).status_code == 404
    not_member = {"lt": crew.facilitator.token, "member": "999999", "phase": "prepare"}
    assert client.post(url, data=not_member).status_code == 404


def test_unknown_step_of_the_facilitator_view_is_not_found(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    url = GROUPS.replace(STEP, "step-read")
    assert client.get(url, query_string={"lt": crew.instructor.token}).status_code == 404


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cycle_pages_have_no_accessibility_violations(
    app: Flask,
    client: FlaskClient,
    registration: Registration,
    launcher: Launcher,
    live_url: str,
    tmp_path: Path,
) -> None:
    from tests.e2e.conftest import AXE, check_accessibility, chromium

    if not AXE.exists():
        pytest.skip(f"{AXE} not found (npm ci installs axe-core)")
    crew = make_crew(app, registration, launcher)
    alva, bo = crew.members[0], crew.members[1]
    add_occurrence(app, crew.group_a, crew.journey.id)
    client.post(
        ACTIONS + "/phases/prepare/reflection",
        data={"lt": bo.token, "text": "Jag vill pröva exit tickets."},
    )
    client.post(
        ACTIONS + "/phases/practice/evidence",
        data={"lt": bo.token, "kind": "text", "text": "Det gick bra i 8B."},
    )
    client.post(
        f"/collegial/groups/{crew.group_a}/logbook",
        data={"lt": alva.token, "title": "Vecka 1", "text": "Vi började."},
    )
    pages = [
        ("the cycle step", BASE, alva),
        ("the cycle step, colleague's evidence", BASE, crew.members[2]),
        ("the logbook", f"/collegial/groups/{crew.group_a}/logbook", alva),
        ("the facilitator's view", GROUPS, crew.facilitator),
    ]
    axe = AXE.read_text(encoding="utf-8")
    browser = chromium(tmp_path)
    try:
        for name, path, someone in pages:
            for lang in ("sv", "en"):
                browser.get(f"{live_url}{path}?lt={someone.token}&lang={lang}")
                check_accessibility(browser, axe, f"{name} ({lang})")
    finally:
        browser.quit()
