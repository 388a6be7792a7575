"""Peer feedback on a colleague's evidence: once, not on one's own, only within the group."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.collegial.cycle_models import Contribution, PeerFeedback
from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from tests.collegial.cycle_support import ACTIONS, BASE, Someone, make_crew
from tests.conftest import Launcher
from xapi.lrs.models import Statement

FULL = {"strength": ["Tydlig struktur", "Eleverna deltog"], "next_step": ["Pröva i åk 7"]}


def give_evidence(client: FlaskClient, someone: Someone, **data: Any) -> str:
    response = client.post(
        ACTIONS + "/phases/practice/evidence",
        data={"lt": someone.token, "kind": "text", "text": "Exit tickets i 8B.", **data},
    )
    assert response.status_code == 303
    app = client.application
    with get_database(app).session() as session:
        return session.scalars(
            select(Contribution.key).where(Contribution.person_id == someone.person_id)
        ).one()


def feedback(client: FlaskClient, someone: Someone, key: str, **data: Any) -> Any:
    return client.post(f"{ACTIONS}/evidence/{key}/feedback", data={"lt": someone.token, **data})


def test_feedback_is_recorded_with_counts_only(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[1])
    assert feedback(client, crew.members[0], key, **FULL).status_code == 303
    with get_database(app).session() as session:
        given = session.scalars(select(Statement.full)).all()
    gave = [s for s in given if s["verb"]["id"].endswith("/gave-feedback")]
    assert len(gave) == 1
    assert list(gave[0]["result"]["extensions"].values()) == [{"strengths": 2, "next_steps": 1}]
    assert gave[0]["object"]["id"].endswith(f"/evidence/{key}")
    assert "Tydlig struktur" not in str(gave[0])


def test_receiver_sees_the_feedback_on_the_step_page(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[1])
    feedback(client, crew.members[0], key, **FULL)
    page = client.get(BASE, query_string={"lt": crew.members[1].token}).get_data(as_text=True)
    assert "Tydlig struktur" in page and "Pröva i åk 7" in page


def test_feedback_on_ones_own_evidence_is_refused(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[0])
    assert feedback(client, crew.members[0], key, **FULL).status_code == 409


def test_feedback_is_given_once_per_giver(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[1])
    assert feedback(client, crew.members[0], key, **FULL).status_code == 303
    assert feedback(client, crew.members[0], key, **FULL).status_code == 409
    assert feedback(client, crew.members[2], key, **FULL).status_code == 303
    with get_database(app).session() as session:
        assert len(session.scalars(select(PeerFeedback)).all()) == 2


def test_feedback_across_groups_is_refused(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[1])
    assert feedback(client, crew.outsider, key, **FULL).status_code == 403


def test_incomplete_feedback_is_refused_with_its_reason(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    key = give_evidence(client, crew.members[1])
    response = feedback(client, crew.members[0], key, strength=["Bra", ""], next_step=["Mer"])
    assert response.status_code == 400
    assert "Fyll i varje styrka i din återkoppling." in response.get_data(as_text=True)


def test_unknown_evidence_is_not_found(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    assert feedback(client, crew.members[0], "no-such-key", **FULL).status_code == 404


def test_evidence_file_is_a_download_for_the_group_only(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    import io

    crew = make_crew(app, registration, launcher)
    response = client.post(
        ACTIONS + "/phases/practice/evidence",
        data={
            "lt": crew.members[1].token,
            "kind": "file",
            "file": (io.BytesIO(b"%PDF-1.4 test"), "lektion.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with get_database(app).session() as session:
        key = session.scalars(select(Contribution.key)).one()
    url = f"/collegial/groups/{crew.group_a}/evidence/{key}"
    ok = client.get(url, query_string={"lt": crew.members[0].token})
    assert ok.status_code == 200
    assert ok.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(url, query_string={"lt": crew.outsider.token}).status_code == 403
    other_group = f"/collegial/groups/{crew.group_b}/evidence/{key}"
    assert client.get(other_group, query_string={"lt": crew.outsider.token}).status_code == 404
