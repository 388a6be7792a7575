"""Authoring pages: roles, tenants, the editor's forms, preview and publishing, 200 steps."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from lti_tool.db import get_database
from lti_tool.journeys import authoring
from lti_tool.journeys.models import Journey, JourneyVersion, Step, VersionStatus
from lti_tool.lti.models import Registration
from lti_tool.tenancy.services import add_organization
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR, launch_token, sample_document


def _author(launcher: Launcher) -> str:
    return launch_token(launcher, roles=INSTRUCTOR, sub="author-1")


def test_learners_cannot_author(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = launch_token(launcher)
    assert client.get("/author/", query_string={"lt": token}).status_code == 403
    page = client.get(f"/author/journeys/{published_journey.id}", query_string={"lt": token})
    assert page.status_code == 403


def test_another_organisations_journey_is_not_found(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    with get_database(app).session() as session:
        other = add_organization(session, "org-b", "Organisation B")
        theirs = authoring.create_journey(session, other.id, sample_document())
        theirs_id = theirs.id
    token = _author(launcher)
    assert (
        client.get(f"/author/journeys/{theirs_id}", query_string={"lt": token}).status_code == 404
    )
    posted = client.post(
        f"/author/journeys/{theirs_id}/settings", data={"lt": token, "title": "Kapad"}
    )
    assert posted.status_code == 404


def test_create_a_journey_then_add_a_section_and_a_step(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    token = _author(launcher)
    created = client.post(
        "/author/journeys",
        data={"lt": token, "title": "Ny resa", "slug": "ny-resa", "language": "sv"},
    )
    assert created.status_code == 303
    editor = created.headers["Location"]
    journey_id = int(re.search(r"/author/journeys/(\d+)", editor).group(1))  # type: ignore[union-attr]
    client.post(f"/author/journeys/{journey_id}/sections", data={"lt": token, "title": "Start"})
    page = client.get(editor).get_data(as_text=True)
    section_action = re.search(r'action="(/author/journeys/\d+/sections/[^"?]+)', page)
    assert section_action
    added = client.post(
        section_action.group(1),
        data={"lt": token, "action": "add_step", "type": "content", "title": "Läs"},
    )
    assert added.status_code == 303
    with get_database(app).session() as session:
        version = session.scalars(select(JourneyVersion)).one()
        version = authoring.load_version(session, version.id)
        assert [s.title for s in version.sections[0].steps] == ["Läs"]


def test_a_bad_slug_is_refused_with_a_message(
    client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    token = _author(launcher)
    response = client.post(
        "/author/journeys", data={"lt": token, "title": "Resa", "slug": "Ogiltig slug!"}
    )
    assert response.status_code == 400
    assert "slug" in response.get_data(as_text=True)


def test_saving_a_knowledge_check_from_the_form(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url = f"/author/journeys/{published_journey.id}/steps/step-quiz"
    form: dict[str, Any] = {
        "lt": token,
        "action": "save",
        "title": "Nytt test",
        "goals": ["goal-feedback"],
        "intro": "",
        "mastery_percent": "50",
        "max_attempts": "",
        "question_count": "2",
        "q0-kind": "single",
        "q0-prompt": "Vad är 1 + 1?",
        "q0-choice_count": "3",
        "q0-c0-text": "2",
        "q0-c0-correct": "on",
        "q0-c1-text": "3",
        "q0-c2-text": "",
        "q1-kind": "numeric",
        "q1-prompt": "Skriv 7",
        "q1-answer": "7",
        "q1-tolerance": "0",
    }
    saved = client.post(url, data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        draft = authoring.current_draft(session, journey)
        assert draft is not None
        steps = {
            s.key: s
            for sec in authoring.load_version(session, draft.id).sections
            for s in sec.steps
        }
    config = steps["step-quiz"].config
    assert steps["step-quiz"].title == "Nytt test" and config["mastery_score"] == 0.5
    assert [q["kind"] for q in config["questions"]] == ["single", "numeric"]
    assert [c["text"] for c in config["questions"][0]["choices"]] == ["2", "3"]


def test_an_invalid_step_form_comes_back_with_reasons_and_the_values(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    response = client.post(
        f"/author/journeys/{published_journey.id}/steps/step-quiz",
        data={
            "lt": token,
            "action": "save",
            "title": "Test",
            "question_count": "1",
            "q0-kind": "single",
            "q0-prompt": "Inget rätt svar?",
            "q0-choice_count": "2",
            "q0-c0-text": "a",
            "q0-c1-text": "b",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "exactly one correct choice" in html
    assert "Inget rätt svar?" in html


def test_preview_shows_the_step_as_a_learner_sees_it(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    page = client.get(
        f"/author/journeys/{published_journey.id}/steps/step-quiz/preview",
        query_string={"lt": token},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vilket är formativ återkoppling?" in html
    assert re.search(r"<button type=\"submit\" disabled", html)


def test_publishing_from_the_editor_keeps_learners_on_their_version(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    learner = launch_token(launcher, sub="learner-1")
    client.get("/journeys/digital-kompetens", query_string={"lt": learner})
    token = _author(launcher)
    client.post(
        f"/author/journeys/{published_journey.id}/settings",
        data={
            "lt": token,
            "title": "Version två",
            "language": "sv",
            "mastery_policy": "waive",
            "mastery_level": "3",
        },
    )
    published = client.post(f"/author/journeys/{published_journey.id}/publish", data={"lt": token})
    assert published.status_code == 303
    with get_database(app).session() as session:
        statuses = session.execute(
            select(JourneyVersion.number, JourneyVersion.status).order_by(JourneyVersion.number)
        ).all()
    assert [tuple(r) for r in statuses] == [
        (1, VersionStatus.PUBLISHED),
        (2, VersionStatus.PUBLISHED),
    ]
    overview = client.get("/journeys/digital-kompetens", query_string={"lt": learner, "skip": "1"})
    assert "Digital kompetens i undervisningen" in overview.get_data(as_text=True)


def test_the_editor_of_a_200_step_journey_is_fast_and_uses_few_queries(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    sample = sample_document().model_dump()
    steps = [s for section in sample["sections"] for s in section["steps"]]
    sections = [
        {
            "key": f"sec-{n}",
            "title": f"Avsnitt {n}",
            "steps": [
                {**steps[i % 4], "key": f"s-{n}-{i}", "title": f"Steg {n}.{i}"} for i in range(20)
            ],
        }
        for n in range(10)
    ]
    with get_database(app).session() as session:
        journey = authoring.create_journey(
            session,
            registration.organization_id,
            sample_document(slug="stor-resa", sections=sections),
        )
        journey_id = journey.id
    token = _author(launcher)
    statements: list[str] = []
    engine = get_database(app).engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    client.get(f"/author/journeys/{journey_id}", query_string={"lt": token})  # warm up
    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        page = client.get(f"/author/journeys/{journey_id}", query_string={"lt": token})
        elapsed = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="editor-steps"') == 10
    assert page.get_data(as_text=True).count('<li id="step-') == 200
    assert len(statements) <= 15, statements
    assert elapsed < 2.0, f"editor took {elapsed:.2f} s"


def test_move_step_ignores_a_position_in_other_digits(
    client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    moved = client.post(
        f"/author/journeys/{published_journey.id}/steps/step-read/move",
        data={"lt": token, "action": "down", "position": "²"},
    )
    assert moved.status_code == 303


def _add_group_step(
    app: Flask, client: FlaskClient, token: str, journey_id: int, step_type: str
) -> tuple[str, str]:
    """Add a step of ``step_type`` from the editor; its URL and its stored config's phases."""
    added = client.post(
        f"/author/journeys/{journey_id}/sections/section-start",
        data={"lt": token, "action": "add_step", "type": step_type, "title": "Ny"},
    )
    assert added.status_code == 303
    with get_database(app).session() as session:
        version_id = session.scalars(
            select(JourneyVersion.id)
            .where(JourneyVersion.journey_id == journey_id)
            .where(JourneyVersion.status == VersionStatus.DRAFT)
        ).one()
        step = authoring.load_version(session, version_id).sections[0].steps[-1]
        return f"/author/journeys/{journey_id}/steps/{step.key}", str(step.config)


def _stored_config(app: Flask, url: str) -> dict[str, Any]:
    key = url.rsplit("/", 1)[1]
    with get_database(app).session() as session:
        step = session.scalars(select(Step).where(Step.key == key)).one()
        return dict(step.config)


def test_a_new_cycle_of_a_swedish_journey_starts_with_swedish_phases(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, stored = _add_group_step(app, client, token, published_journey.id, "collegial_cycle")
    page = client.get(url, query_string={"lt": token}).get_data(as_text=True)
    for text in ("Förbered", "Träff", "Pröva i praktiken", "Följ upp tillsammans"):
        assert f'value="{text}"' in page
    for text in ("Klargörande frågor", "Reflektion utan presentatören", "Processledare"):
        assert text in stored


def test_a_new_cycle_of_an_english_journey_starts_with_english_phases(
    app: Flask, client: FlaskClient, launcher: Launcher, registration: Registration
) -> None:
    with get_database(app).session() as session:
        journey = authoring.create_journey(
            session, registration.organization_id, sample_document("en-resa", language="en")
        )
        journey_id = journey.id
    _url, stored = _add_group_step(app, client, _author(launcher), journey_id, "collegial_cycle")
    assert "'Prepare'" in stored and "Clarifying questions" in stored and "Förbered" not in stored


def test_saving_a_live_session_from_the_form(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, _stored = _add_group_step(app, client, token, published_journey.id, "live_session")
    form = {
        "lt": token,
        "action": "save",
        "title": "Uppstartsträff",
        "description": "Vi ses i aulan.",
        "duration_minutes": "90",
        "check_in_opens_minutes": "30",
    }
    assert client.post(url, data=form).status_code == 303
    assert _stored_config(app, url) == {
        "description": "Vi ses i aulan.",
        "duration_minutes": 90,
        "self_check_in": False,
        "check_in_opens_minutes": 30,
    }


def _cycle_form(token: str, page: str) -> dict[str, Any]:
    """The editor's cycle form as the page filled it in (text fields, checked boxes, selects)."""
    form: dict[str, Any] = {"lt": token}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        form[name] = value
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', page):
        form.setdefault(name, "on")
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = body
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page):
        chosen = re.search(r'<option value="([^"]+)" selected', options)
        form[name] = chosen.group(1) if chosen else re.findall(r'value="([^"]+)"', options)[0]
    form["p2-evidence_kinds"] = re.findall(
        r'name="p2-evidence_kinds" value="([^"]+)" checked', page
    )
    return form


def test_a_cycle_edited_in_the_form_is_saved_in_the_new_order(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, _stored = _add_group_step(app, client, token, published_journey.id, "collegial_cycle")
    form = _cycle_form(token, client.get(url, query_string={"lt": token}).get_data(as_text=True))
    form.update({"title": "Cykel", "intro": "Tillsammans.", "p1-t4-title": "Nästa steg"})
    form.update({"p1-t4-minutes": "3", "p1-t0-remove": "on", "p3-remove": "on"})
    moved = client.post(url, data={**form, "action": "up-1"})
    assert moved.status_code == 200
    assert _stored_config(app, url)["intro"] == ""  # nothing is saved by a move
    form = _cycle_form(token, moved.get_data(as_text=True))
    assert client.post(url, data={**form, "action": "save"}).status_code == 303
    phases = _stored_config(app, url)["phases"]
    assert [p["kind"] for p in phases] == ["meet", "prepare", "practice"]
    assert phases[0]["protocol"][0]["title"] == "Klargörande frågor"
    assert phases[0]["protocol"][-1] == {
        "title": "Nästa steg",
        "minutes": 3,
        "speaker": "",
        "guidance": "",
    }


def test_a_wrong_turn_is_shown_by_its_field(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, _stored = _add_group_step(app, client, token, published_journey.id, "collegial_cycle")
    form = _cycle_form(token, client.get(url, query_string={"lt": token}).get_data(as_text=True))
    refused = client.post(url, data={**form, "action": "save", "p1-t1-minutes": "0"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'id="error-p1-t1-minutes"' in page
    assert re.search(r'name="p1-t1-minutes"[^>]*aria-invalid="true"', page)
    assert "Fas 2, tur 2, Minuter" in page or "Phase 2, turn 2, Minutes" in page


def test_required_peer_feedback_without_a_practice_phase_is_shown_by_its_checkbox(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, _stored = _add_group_step(app, client, token, published_journey.id, "collegial_cycle")
    form = _cycle_form(token, client.get(url, query_string={"lt": token}).get_data(as_text=True))
    refused = client.post(url, data={**form, "action": "save", "p2-remove": "on"})
    assert refused.status_code == 400
    assert 'id="error-peer_feedback_required"' in refused.get_data(as_text=True)


def test_adding_a_phase_shows_it_without_saving(
    app: Flask, client: FlaskClient, launcher: Launcher, published_journey: Journey
) -> None:
    token = _author(launcher)
    url, _stored = _add_group_step(app, client, token, published_journey.id, "collegial_cycle")
    form = _cycle_form(token, client.get(url, query_string={"lt": token}).get_data(as_text=True))
    shown = client.post(url, data={**form, "action": "add_phase", "new_phase_kind": "meet"})
    assert shown.status_code == 200
    assert 'name="p4-kind"' in shown.get_data(as_text=True)
    assert len(_stored_config(app, url)["phases"]) == 4
