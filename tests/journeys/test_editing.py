"""Editing a draft: goals, sections, steps, moves, validation; published versions stay as they were."""

from __future__ import annotations

import pytest
from flask import Flask

from lti_tool.db import get_database
from lti_tool.journeys import authoring, editing
from lti_tool.journeys.markdown import MAX_MARKDOWN_MARKS
from lti_tool.journeys.models import Journey, StepType
from lti_tool.lti.models import Registration
from tests.journeys.conftest import sample_document


def _steps(app: Flask, journey_id: int) -> list[tuple[str, str]]:
    with get_database(app).session() as session:
        journey = session.get(Journey, journey_id)
        assert journey is not None
        version = editing.draft(session, journey)
        return [(s.key, sec.key) for sec in version.sections for s in sec.steps]


def test_editing_a_published_journey_starts_a_new_draft(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        editing.update_settings(session, journey, {"title": "Ny titel", "language": "sv"})
        published = authoring.latest_published(session, journey)
        draft = authoring.current_draft(session, journey)
        assert published is not None and published.title == sample_document().title
        assert draft is not None and draft.number == 2 and draft.title == "Ny titel"


def test_moving_a_step_keeps_positions_dense(app: Flask, published_journey: Journey) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        editing.move_step(session, journey, "step-reflect", offset=-1)
    assert _steps(app, published_journey.id)[:2] == [
        ("step-reflect", "section-start"),
        ("step-read", "section-start"),
    ]


def test_a_step_moves_to_another_section(app: Flask, published_journey: Journey) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        editing.move_step(session, journey, "step-read", section_key="section-practice")
        version = editing.draft(session, journey)
        positions = {s.key: [st.position for st in s.steps] for s in version.sections}
    assert ("step-read", "section-practice") in _steps(app, published_journey.id)
    assert positions == {"section-start": [0], "section-practice": [0, 1, 2]}


def test_an_invalid_knowledge_check_is_refused_with_reasons(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        bad = {
            "questions": [
                {"kind": "single", "prompt": "?", "choices": [{"text": "a"}, {"text": "b"}]}
            ]
        }
        with pytest.raises(editing.EditError) as refused:
            editing.save_step(session, journey, "step-quiz", "Test", [], bad)
    assert any("exactly one correct choice" in p for p in refused.value.problems)


def test_a_new_step_starts_empty_and_blocks_publishing(
    app: Flask, registration: Registration
) -> None:
    with get_database(app).session() as session:
        journey = authoring.create_journey(
            session, registration.organization_id, sample_document(sections=[])
        )
        section = editing.save_section(session, journey, {"title": "Avsnitt"})
        editing.add_step(session, journey, section.key, "knowledge_check", "Test")
        problems = authoring.publish_problems(editing.draft(session, journey))
    assert problems and "Test" in problems[0]


def test_deleting_a_goal_unlinks_it_from_steps(app: Flask, published_journey: Journey) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        editing.delete_goal(session, journey, "goal-ai")  # and its sub-goal goal-ai-sources
        version = editing.draft(session, journey)
        assert [g.key for g in version.goals] == ["goal-feedback"]
        linked = {s.key: s.goal_keys for sec in version.sections for s in sec.steps}
    assert linked["step-read"] == [] and linked["step-reflect"] == []


def test_a_sub_goal_cannot_have_sub_goals(app: Flask, published_journey: Journey) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        with pytest.raises(editing.EditError):
            editing.save_goal(session, journey, {"title": "X", "parent": "goal-ai-sources"})


def test_empty_configs_exist_for_every_step_type() -> None:
    assert set(editing.EMPTY_CONFIGS) == set(StepType)


def test_save_step_refuses_markdown_over_the_render_budget(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        with pytest.raises(editing.EditError) as refused:
            editing.save_step(session, journey, "step-read", "Läs", [], {"body": "![" * 5_000})
    assert any(f"at most {MAX_MARKDOWN_MARKS}" in p for p in refused.value.problems)


def test_update_settings_refuses_a_description_over_the_render_budget(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        with pytest.raises(editing.EditError) as refused:
            editing.update_settings(
                session, journey, {"title": "Titel", "description": "a**" * 2_000}
            )
    assert "The description" in refused.value.problems[0]
    assert f"at most {MAX_MARKDOWN_MARKS}" in refused.value.problems[0]


def test_update_settings_refuses_estimated_minutes_in_other_digits(
    app: Flask, published_journey: Journey
) -> None:
    with get_database(app).session() as session:
        journey = session.get(Journey, published_journey.id)
        assert journey is not None
        with pytest.raises(editing.EditError, match="whole number of minutes"):
            editing.update_settings(session, journey, {"title": "T", "estimated_minutes": "²"})
