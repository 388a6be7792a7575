"""Notice pages: the panel on the start pages, the list, marking read, and the e-mail opt-out."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.db import utcnow
from lti_tool.reminders.inbox import email_opted_out
from lti_tool.reminders.models import Notice, NoticeKind
from lti_tool.reminders.notices import notify
from lti_tool.tenancy.models import Person
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token
from tests.reminders.conftest import World

OVERVIEW = "/journeys/digital-kompetens"


def _learner(world: World, launcher: Launcher, roles: list[str] | None = None) -> tuple[str, int]:
    """A launched learner's session token and person id."""
    token = launch_token(launcher, roles=roles, sub="learner-1", name="Alva Lind")
    with world.session() as session:
        person_id = session.scalars(select(Person.id).where(Person.sub == "learner-1")).one()
    return token, person_id


def _notice(
    world: World,
    person_id: int,
    key: str,
    kind: NoticeKind = NoticeKind.SESSION_SOON,
    **payload: object,
) -> int:
    with world.session() as session:
        notice = notify(
            session,
            organization_id=world.organization_id,
            person_id=person_id,
            kind=kind,
            dedupe_key=key,
            payload={
                "title": "Träff 1",
                "journey": "digital-kompetens",
                "step": "step-meet",
                "starts_at": "2026-12-10T13:00:00+00:00",
                "place": "Aulan",
                **payload,
            },
        )
        session.commit()
        assert notice is not None
        return notice.id


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_overview_panel_shows_unread_notices_in_swedish(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    _notice(world, person_id, "session-soon:1")
    page = client.get(OVERVIEW, query_string={"lt": token, "skip": "1"}).get_data(as_text=True)
    text = _text(page)
    assert "Notiser (olästa: 1)" in text
    assert "Oläst: Snart träff: Träff 1" in text
    assert "Börjar: 10 december 2026 kl. 14:00. Plats: Aulan." in text
    assert f'href="/journeys/digital-kompetens/steps/step-meet?lt={token}"' in page
    assert "Öppna träffen" in text


def test_overview_panel_speaks_english_when_asked(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    _notice(world, person_id, "session-soon:1")
    page = client.get(OVERVIEW, query_string={"lt": token, "skip": "1", "lang": "en"}).get_data(
        as_text=True
    )
    text = _text(page)
    assert "Notices (unread: 1)" in text
    assert "Session soon: Träff 1" in text
    assert "Starts: 10 December 2026, 14:00. Place: Aulan." in text


def test_overview_has_no_panel_without_unread_notices(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    notice_id = _notice(world, person_id, "session-soon:1")
    with world.session() as session:
        session.get_one(Notice, notice_id).read_at = utcnow()
        session.commit()
    page = client.get(OVERVIEW, query_string={"lt": token, "skip": "1"}).get_data(as_text=True)
    assert 'id="notices-panel"' not in page


def test_landing_page_shows_the_notices_panel(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher, roles=INSTRUCTOR)
    _notice(world, person_id, "nudge:1", NoticeKind.NUDGE, sender="Pia", message="Hej!")
    page = client.get("/home", query_string={"lt": token}).get_data(as_text=True)
    assert 'id="notices-panel"' in page
    assert "En påminnelse från Pia" in _text(page)


def test_notice_list_is_newest_first_with_unread_marked(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    older = _notice(world, person_id, "session-soon:1", title="Första träffen")
    _notice(world, person_id, "session-soon:2", title="Andra träffen")
    with world.session() as session:
        notice = session.get_one(Notice, older)
        notice.created_at = utcnow() - timedelta(days=1)
        notice.read_at = utcnow()
        session.commit()
    text = _text(client.get("/notices/", query_string={"lt": token}).get_data(as_text=True))
    assert text.index("Oläst: Snart träff: Andra träffen") < text.index("Snart träff: Första")
    assert "Oläst: Snart träff: Första" not in text


def test_mark_read_marks_one_notice_and_returns_to_the_overview(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    notice_id = _notice(world, person_id, "session-soon:1")
    other = _notice(world, person_id, "session-soon:2")
    response = client.post(
        f"/notices/{notice_id}/read", data={"lt": token, "back": "journey:digital-kompetens"}
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == OVERVIEW
    with world.session() as session:
        assert session.get_one(Notice, notice_id).read_at is not None
        assert session.get_one(Notice, other).read_at is None


def test_mark_all_read_marks_every_notice(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    ids = [_notice(world, person_id, f"session-soon:{i}") for i in range(3)]
    response = client.post("/notices/read", data={"lt": token, "back": "home"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/home"
    with world.session() as session:
        assert all(session.get_one(Notice, i).read_at is not None for i in ids)


def test_mark_read_refuses_another_persons_notice(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, _ = _learner(world, launcher)
    someone = world.person("someone")
    theirs = _notice(world, someone, "session-soon:1")
    response = client.post(f"/notices/{theirs}/read", data={"lt": token})
    assert response.status_code == 404
    with world.session() as session:
        assert session.get_one(Notice, theirs).read_at is None


def test_mark_read_refuses_a_forged_back_address(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    notice_id = _notice(world, person_id, "session-soon:1")
    response = client.post(
        f"/notices/{notice_id}/read", data={"lt": token, "back": "journey://evil.example/x"}
    )
    assert response.status_code == 400


def test_preferences_page_turns_reminder_email_off_and_on(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    page = client.get("/notices/preferences", query_string={"lt": token}).get_data(as_text=True)
    assert 'id="email-on" name="email" value="on" checked' in page
    response = client.post("/notices/preferences", data={"lt": token, "email": "off"})
    assert response.status_code == 303
    with world.session() as session:
        assert email_opted_out(session, person_id)
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ditt val är sparat." in saved
    assert 'id="email-off" name="email" value="off" checked' in saved
    client.post("/notices/preferences", data={"lt": token, "email": "on"})
    with world.session() as session:
        assert not email_opted_out(session, person_id)


def test_preferences_refuse_an_unknown_choice(
    client: FlaskClient, world: World, launcher: Launcher
) -> None:
    token, _ = _learner(world, launcher)
    response = client.post("/notices/preferences", data={"lt": token, "email": "maybe"})
    assert response.status_code == 400


def test_preferences_page_in_english(client: FlaskClient, world: World, launcher: Launcher) -> None:
    token, _ = _learner(world, launcher)
    page = client.get("/notices/preferences", query_string={"lt": token, "lang": "en"})
    assert "Yes, e-mail me reminders" in page.get_data(as_text=True)


def test_notice_pages_need_a_launch(client: FlaskClient, world: World) -> None:
    assert client.get("/notices/").status_code == 401


def test_notice_forms_refuse_a_post_without_the_form_token(
    app: Flask, world: World, launcher: Launcher
) -> None:
    token, person_id = _learner(world, launcher)
    _notice(world, person_id, "session-soon:1")
    plain = FlaskClient(app, app.response_class)
    response = plain.post("/notices/read", data={"lt": token})
    assert response.status_code == 403
    with world.session() as session:
        assert session.scalars(select(Notice.read_at)).one() is None
