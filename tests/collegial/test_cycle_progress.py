"""A member's and a group's phases on a collegial cycle step, and the step's completion."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.collegial.cycle_models import PhaseCompletion
from lti_tool.db import get_database
from lti_tool.journeys.models import ProgressStatus, Step, StepProgress
from lti_tool.lti.models import Registration
from tests.collegial.cycle_support import (
    ACTIONS,
    BASE,
    SLUG,
    STEP,
    Crew,
    Someone,
    add_occurrence,
    attend,
    launch,
    make_crew,
)
from tests.conftest import Launcher
from xapi.lrs.models import Statement

PHASE_TYPE = "/activity-types/cycle-phase"


def statements(app: Flask) -> list[dict[str, Any]]:
    with get_database(app).session() as session:
        return list(session.scalars(select(Statement.full).order_by(Statement.seq)))


def phase_statements(app: Flask, verb: str) -> list[dict[str, Any]]:
    return [
        s
        for s in statements(app)
        if s["verb"]["id"].endswith("/" + verb)
        and s["object"]["definition"]["type"].endswith(PHASE_TYPE)
    ]


def completions(app: Flask) -> set[tuple[str, int | None]]:
    with get_database(app).session() as session:
        return {
            (row.phase_key, row.person_id)
            for row in session.execute(select(PhaseCompletion.phase_key, PhaseCompletion.person_id))
        }


def step_status(app: Flask, person_id: int) -> ProgressStatus | None:
    from lti_tool.journeys.models import Enrollment

    with get_database(app).session() as session:
        return session.scalar(
            select(StepProgress.status)
            .join(Enrollment, Enrollment.id == StepProgress.enrollment_id)
            .join(Step, Step.id == StepProgress.step_id)
            .where(Enrollment.person_id == person_id, Step.key == "step-cycle")
        )


def reflect(
    client: FlaskClient, someone: Someone, text: str = "Jag vill pröva exit tickets."
) -> int:
    response = client.post(
        ACTIONS + "/phases/prepare/reflection", data={"lt": someone.token, "text": text}
    )
    return response.status_code


def evidence(client: FlaskClient, someone: Someone, text: str = "Det gick bra.") -> int:
    response = client.post(
        ACTIONS + "/phases/practice/evidence",
        data={"lt": someone.token, "kind": "text", "text": text},
    )
    return response.status_code


def follow_up(client: FlaskClient, someone: Someone) -> int:
    response = client.post(
        ACTIONS + "/phases/follow-up/follow-up",
        data={"lt": someone.token, "title": "Uppföljning", "text": "Vi såg att fler svarade."},
    )
    return response.status_code


def test_reflection_does_the_prepare_phase_for_the_member(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    alva = crew.members[0]
    assert reflect(client, alva) == 303
    assert completions(app) == {("prepare", alva.person_id)}
    reflected = phase_statements(app, "commented")
    done = phase_statements(app, "completed")
    assert len(reflected) == 1 and len(done) == 1
    extension = next(v for k, v in done[0]["context"]["extensions"].items() if "cycle-phase" in k)
    assert extension == {"key": "prepare", "kind": "prepare", "position": 1, "of": 4,
                         "done_by": "member"}  # fmt: skip
    assert len(done[0]["context"]["team"]["member"]) == 3
    assert "result" in reflected[0] and "response" not in reflected[0]["result"]


def test_short_reflection_is_refused_with_its_reason(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = client.post(
        ACTIONS + "/phases/prepare/reflection", data={"lt": crew.members[0].token, "text": "Kort"}
    )
    assert response.status_code == 400
    assert "minst 10 tecken" in response.get_data(as_text=True) or "at least 10" in (
        response.get_data(as_text=True)
    )
    assert completions(app) == set()


def test_meeting_attended_does_the_meet_phase_for_that_member_only(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    occurrence = add_occurrence(app, crew.group_a, crew.journey.id)
    attend(app, occurrence, crew.members[1].person_id)
    assert completions(app) == {("meet", crew.members[1].person_id)}
    done = phase_statements(app, "completed")
    assert len(done) == 1
    assert done[0]["timestamp"]


def test_meeting_of_another_group_does_not_count(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    occurrence = add_occurrence(app, crew.group_b, crew.journey.id)
    attend(app, occurrence, crew.members[0].person_id)
    assert completions(app) == set()


def test_evidence_checks_reuse_the_practice_limits(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    import io

    response = client.post(
        ACTIONS + "/phases/practice/evidence",
        data={
            "lt": crew.members[0].token,
            "kind": "file",
            "file": (io.BytesIO(b"MZ"), "virus.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "exe" in response.get_data(as_text=True)
    assert evidence(client, crew.members[0]) == 303
    assert ("practice", crew.members[0].person_id) in completions(app)
    attempted = phase_statements(app, "attempted")
    assert [s["result"]["response"] for s in attempted] == ["text"]


def test_follow_up_entry_does_the_phase_for_the_whole_group(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    assert follow_up(client, crew.members[2]) == 303
    assert completions(app) == {("follow-up", None)}
    done = phase_statements(app, "completed")
    assert sorted(s["actor"]["account"]["name"] for s in done) == ["m0", "m1", "m2"]
    assert follow_up(client, crew.members[0]) == 303  # a second entry does not do it again
    assert len(phase_statements(app, "completed")) == 3


def test_follow_up_form_takes_a_follow_up_phase_only(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    response = client.post(
        ACTIONS + "/phases/prepare/follow-up",
        data={"lt": crew.members[0].token, "text": "Vi följer upp."},
    )
    assert response.status_code == 404
    assert completions(app) == set()


def _all_phases(app: Flask, client: FlaskClient, crew: Crew, people: list[Someone]) -> None:
    occurrence = add_occurrence(app, crew.group_a, crew.journey.id)
    for someone in people:
        assert reflect(client, someone) == 303
        attend(app, occurrence, someone.person_id)
        assert evidence(client, someone) == 303


def test_step_waits_for_peer_feedback_once_a_colleague_has_evidence(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    alva, bo = crew.members[0], crew.members[1]
    _all_phases(app, client, crew, [alva, bo])
    assert follow_up(client, alva) == 303
    assert step_status(app, alva.person_id) == ProgressStatus.IN_PROGRESS
    with get_database(app).session() as session:
        from lti_tool.collegial.cycle_models import Contribution

        bo_evidence = session.scalars(
            select(Contribution.key).where(
                Contribution.person_id == bo.person_id, Contribution.phase_key == "practice"
            )
        ).one()
    response = client.post(
        f"{ACTIONS}/evidence/{bo_evidence}/feedback",
        data={"lt": alva.token, "strength": ["Tydligt", "Modigt"], "next_step": ["Pröva igen"]},
    )
    assert response.status_code == 303
    assert step_status(app, alva.person_id) == ProgressStatus.COMPLETED
    step_completed = [
        s
        for s in statements(app)
        if s["verb"]["id"].endswith("/completed")
        and s["object"]["id"].endswith("/steps/step-cycle")
        and s["actor"]["account"]["name"] == "m0"
    ]
    assert len(step_completed) == 1


def test_step_completes_without_feedback_when_no_colleague_has_evidence(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    alva = crew.members[0]
    _all_phases(app, client, crew, [alva])
    assert step_status(app, alva.person_id) == ProgressStatus.IN_PROGRESS
    assert follow_up(client, crew.members[1]) == 303  # a colleague writes the follow-up
    assert step_status(app, alva.person_id) == ProgressStatus.COMPLETED


def test_step_completes_without_feedback_when_the_author_does_not_require_it(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher, peer_feedback_required=False)
    alva, bo = crew.members[0], crew.members[1]
    _all_phases(app, client, crew, [bo, alva])
    assert follow_up(client, alva) == 303
    assert step_status(app, alva.person_id) == ProgressStatus.COMPLETED


def test_meeting_before_opening_the_journey_is_settled_on_opening_the_step(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    crew = make_crew(app, registration, launcher)
    occurrence = add_occurrence(app, crew.group_a, crew.journey.id)
    with get_database(app).session() as session:
        from lti_tool.collegial.models import Attendance, AttendanceMethod

        session.add(
            Attendance(
                occurrence_id=occurrence,
                person_id=crew.members[0].person_id,
                method=AttendanceMethod.SELF_CHECK_IN,
            )
        )
        session.commit()
    response = client.get(BASE, query_string={"lt": crew.members[0].token})
    assert response.status_code == 200
    assert completions(app) == {("meet", crew.members[0].person_id)}


def test_learner_without_a_group_is_told_so(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    make_crew(app, registration, launcher)
    loner = launch(launcher, "loner", "Lo")
    page = client.get(BASE, query_string={"lt": loner.token, "lang": "en"})
    assert page.status_code == 200
    assert "you are not in a group yet" in page.get_data(as_text=True)
    refused = reflect(client, loner)
    assert refused == 409


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_follow_ups_at_once_do_the_group_phase_once(
    app: Flask, client: FlaskClient, registration: Registration, launcher: Launcher
) -> None:
    from lti_tool.collegial import logbook
    from lti_tool.collegial.cycle_access import Viewer
    from lti_tool.collegial.models import Group

    crew = make_crew(app, registration, launcher)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(someone: Someone) -> None:
        try:
            with app.test_request_context(), get_database(app).session() as session:
                group = session.scalars(select(Group).where(Group.key == crew.group_a)).one()
                barrier.wait(timeout=10)
                logbook.post_entry(
                    session,
                    group,
                    Viewer.MEMBER,
                    someone.person_id,
                    "Uppföljning",
                    "Vi följer upp.",
                    tag=logbook.PhaseTag(SLUG, STEP, "follow-up"),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(m,)) for m in crew.members[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert completions(app) == {("follow-up", None)}
    assert len(phase_statements(app, "completed")) == 3
