"""The group's logbook: entries by members, comments, attachments, and no reading across groups."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.collegial.cycle_models import LogbookAttachment, LogbookEntry
from lti_tool.db import get_database
from lti_tool.lti.models import Registration
from tests.collegial.cycle_support import Crew, Someone, launch, make_crew
from tests.conftest import Launcher
from tests.journeys.conftest import INSTRUCTOR
from xapi.lrs.models import Statement


def logbook(crew: Crew, group: str | None = None) -> str:
    return f"/collegial/groups/{group or crew.group_a}/logbook"


def post(client: FlaskClient, url: str, someone: Someone, **data: Any) -> Any:
    return client.post(url, data={"lt": someone.token, **data}, content_type="multipart/form-data")


def verbs(app: Flask) -> list[dict[str, Any]]:
    with get_database(app).session() as session:
        return list(session.scalars(select(Statement.full).order_by(Statement.seq)))


def entry_key(app: Flask) -> str:
    with get_database(app).session() as session:
        return session.scalars(select(LogbookEntry.key)).one()


def test_member_writes_an_entry_recorded_by_its_length(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = post(client, logbook(crew), crew.members[0], title="Vecka 1", text="Vi började.")
    assert response.status_code == 303
    page = client.get(logbook(crew), query_string={"lt": crew.members[1].token})
    assert "Vi började." in page.get_data(as_text=True)
    posted = [s for s in verbs(app) if s["verb"]["id"].endswith("/post")]
    assert len(posted) == 1
    assert list(posted[0]["result"]["extensions"].values()) == [len("Vi började.")]
    assert "Vi började" not in str(posted[0])
    groupings = posted[0]["context"]["contextActivities"]["grouping"]
    assert any(a["id"].endswith(f"/groups/{crew.group_a}") for a in groupings)


def test_facilitator_and_member_comment_but_only_members_write_entries(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    post(client, logbook(crew), crew.members[0], text="Vi började.")
    key = entry_key(app)
    comments = f"{logbook(crew)}/{key}/comments"
    assert post(client, comments, crew.facilitator, text="Bra start!").status_code == 303
    assert post(client, comments, crew.members[1], text="Håller med.").status_code == 303
    refused = post(client, logbook(crew), crew.facilitator, text="Ett inlägg")
    assert refused.status_code == 403
    replied = [s for s in verbs(app) if s["verb"]["id"].endswith("/replied")]
    assert len(replied) == 2


def test_empty_entry_is_refused_with_a_swedish_message(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = post(client, logbook(crew) + "?lang=sv", crew.members[0], text="  ")
    assert response.status_code == 400
    assert "Skriv något innan du skickar" in response.get_data(as_text=True)


def test_another_groups_member_cannot_read_write_or_comment(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    post(client, logbook(crew), crew.members[0], text="Vi började.")
    key = entry_key(app)
    outsider = crew.outsider
    assert client.get(logbook(crew), query_string={"lt": outsider.token}).status_code == 403
    assert post(client, logbook(crew), outsider, text="Hej").status_code == 403
    assert post(client, f"{logbook(crew)}/{key}/comments", outsider, text="Hej").status_code == 403


def test_staff_of_the_course_read_and_staff_of_another_course_do_not(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    ok = client.get(logbook(crew), query_string={"lt": crew.instructor.token})
    assert ok.status_code == 200
    other = launch(launcher, "teach-2", "Tove", roles=INSTRUCTOR, course="course-2")
    assert client.get(logbook(crew), query_string={"lt": other.token}).status_code == 403


def test_unknown_group_is_not_found(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = client.get(
        logbook(crew, "no-such-group"), query_string={"lt": crew.members[0].token}
    )
    assert response.status_code == 404


def _attach(app: Flask, client: FlaskClient, crew: Crew) -> int:
    response = post(
        client,
        logbook(crew),
        crew.members[0],
        text="Med bilaga",
        file=(io.BytesIO(b"<html><script>alert(1)</script>"), "plan.txt"),
    )
    assert response.status_code == 303
    with get_database(app).session() as session:
        return session.scalars(select(LogbookAttachment.id)).one()


def test_attachment_is_always_a_download_for_the_group(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    file_id = _attach(app, client, crew)
    url = f"{logbook(crew)}/files/{file_id}"
    response = client.get(url, query_string={"lt": crew.members[1].token})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/plain"
    assert client.get(url, query_string={"lt": crew.outsider.token}).status_code == 403


def test_attachment_is_not_reached_through_another_groups_url(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    file_id = _attach(app, client, crew)
    url = f"{logbook(crew, crew.group_b)}/files/{file_id}"
    assert client.get(url, query_string={"lt": crew.outsider.token}).status_code == 404


def test_attachment_outside_the_evidence_limits_is_refused(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = post(
        client,
        logbook(crew),
        crew.members[0],
        text="Med bilaga",
        file=(io.BytesIO(b"MZ"), "program.exe"),
    )
    assert response.status_code == 400
    with get_database(app).session() as session:
        assert session.scalars(select(LogbookEntry)).first() is None
