"""Goals files: every problem at once with its place, nothing half-imported, updates by key."""

from __future__ import annotations

import textwrap

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.goals.interchange import (
    GoalsFileError,
    dump_goals,
    export_goals,
    import_goals,
    load_goals,
)
from lti_tool.goals.models import CompetenceGoal, GoalLevel
from lti_tool.recording import get_recording
from tests.goals.conftest import FEEDBACK, SELECTING, World

GOALS = textwrap.dedent(
    f"""\
    format: lti-journeys/goals@1
    goals:
      - key: digital-2027
        title: Digital kompetens för alla
        target: {{competence: "{FEEDBACK}", level: L2, share: 80}}
        starts: 2026-08-01
        ends: 2027-06-30
        competences: ["{SELECTING}"]
        journeys: [digital-kompetens]
        subgoals:
          - key: digital-2027-a
            title: Alla har provat
      - key: norr-feedback
        title: Återkoppling i Norrskolan
        unit: "12345678"
        serves: digital-2027
      - key: soder-egen
        title: Söderskolans eget mål
        unit: Söderskolan
    """
)


def _import(app: Flask, session: Session, org_id: int, text: str) -> object:
    document, places = load_goals(text, "goals.yaml")
    return import_goals(session, org_id, document, places, "goals.yaml", get_recording(app))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CompetenceGoal)) or 0


def test_import_creates_the_cascade(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    norr = session.scalars(
        select(CompetenceGoal).where(CompetenceGoal.key == "norr-feedback")
    ).one()
    assert norr.level == GoalLevel.UNIT and norr.unit_id == world.north_id
    assert norr.serves is not None and norr.serves.key == "digital-2027"


def test_level_code_is_read_as_its_position(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    top = session.scalars(select(CompetenceGoal).where(CompetenceGoal.key == "digital-2027")).one()
    assert (top.target_level, top.target_share) == (2, 80)


def test_sub_goal_takes_the_level_of_its_goal(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    sub = session.scalars(
        select(CompetenceGoal).where(CompetenceGoal.key == "digital-2027-a")
    ).one()
    assert sub.parent is not None and sub.parent.key == "digital-2027"


def test_reimport_updates_in_place_by_key(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    before = session.scalars(
        select(CompetenceGoal.id).where(CompetenceGoal.key == "soder-egen")
    ).one()
    report = _import(app, session, world.org_id, GOALS.replace("Söderskolans eget mål", "Nytt mål"))
    after = session.scalars(select(CompetenceGoal).where(CompetenceGoal.key == "soder-egen")).one()
    assert (after.id, after.title) == (before, "Nytt mål")
    assert report.updated == ["soder-egen"]  # type: ignore[attr-defined]


def test_every_problem_is_reported_at_once_with_its_line(
    app: Flask, session: Session, world: World
) -> None:
    broken = (
        GOALS.replace("unit: Söderskolan", "unit: Okänd skola")
        .replace("[digital-kompetens]", "[finns-inte]")
        .replace("level: L2", "level: X9")
        .replace("serves: digital-2027", "serves: saknas")
    )
    with pytest.raises(GoalsFileError) as exc:
        _import(app, session, world.org_id, broken)
    problems = exc.value.problems
    assert len(problems) == 4
    assert any(p.startswith("line 19, column 11: goals[2].unit:") for p in problems)
    assert any("goals[0].journeys[0]" in p for p in problems)
    assert any("goals[0].target.level" in p for p in problems)
    assert any("goals[1].serves" in p for p in problems)


def test_nothing_is_imported_when_one_goal_is_wrong(
    app: Flask, session: Session, world: World
) -> None:
    with pytest.raises(GoalsFileError):
        _import(app, session, world.org_id, GOALS.replace("unit: Söderskolan", "unit: Okänd"))
    assert _count(session) == 0


def test_shape_errors_name_line_and_field(session: Session, world: World) -> None:
    with pytest.raises(GoalsFileError) as exc:
        load_goals("goals:\n  - key: a\n    title: T\n    share: 5\n", "goals.yaml")
    assert exc.value.problems == [
        "line 4, column 12: goals[0].share: Extra inputs are not permitted"
    ]


def test_duplicate_keys_are_refused(app: Flask, session: Session, world: World) -> None:
    text = "goals:\n  - {key: a, title: Ett}\n  - {key: a, title: Två}\n"
    with pytest.raises(GoalsFileError) as exc:
        _import(app, session, world.org_id, text)
    assert "goals[1].key" in exc.value.problems[0]


def test_key_of_another_organisation_is_refused(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, "goals:\n  - {key: a, title: Ett}\n")
    with pytest.raises(GoalsFileError) as exc:
        _import(app, session, world.other_org_id, "goals:\n  - {key: a, title: Ett}\n")
    assert "another organisation" in exc.value.problems[0]


def test_sub_goal_may_not_name_a_unit(app: Flask, session: Session, world: World) -> None:
    text = "goals:\n  - key: a\n    title: Ett\n    subgoals:\n      - {key: b, title: B, unit: Söderskolan}\n"
    with pytest.raises(GoalsFileError) as exc:
        _import(app, session, world.org_id, text)
    assert "goals[0].subgoals[0].unit" in exc.value.problems[0]


def test_export_reads_back_as_the_same_document(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    exported = export_goals(session, world.org_id)
    again, _ = load_goals(dump_goals(exported))
    assert again == exported
    assert [g.key for g in exported.goals] == ["digital-2027", "norr-feedback", "soder-egen"]


def test_export_of_one_unit(app: Flask, session: Session, world: World) -> None:
    _import(app, session, world.org_id, GOALS)
    unit = session.get_one(CompetenceGoal, 1).unit  # organisation goal: no unit
    assert unit is None
    from lti_tool.tenancy.models import Unit

    north = session.get_one(Unit, world.north_id)
    assert [g.key for g in export_goals(session, world.org_id, north).goals] == ["norr-feedback"]


def test_impossible_date_is_a_clear_error() -> None:
    with pytest.raises(GoalsFileError) as exc:
        load_goals("goals:\n  - {key: a, title: T, starts: 2026-13-01}\n", "goals.yaml")
    assert exc.value.problems == [
        "a value could not be read (month must be in 1..12); write dates as YYYY-MM-DD"
    ]
