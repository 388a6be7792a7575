"""Goal measurement: the share of answers at or above the target level, round by round, from
one suppressed table by unit."""

from __future__ import annotations

from datetime import date

from lti_tool.followup.measurement import goal_measurement, goal_round_tables
from lti_tool.privacy import SuppressionPolicy, SuppressionReason
from tests.followup.conftest import World

POLICY = SuppressionPolicy(5)


def _two_units(world: World) -> tuple:
    competence, _ = world.framework()
    a, b = world.unit("Skola A"), world.unit("Skola B")
    survey = world.survey(competence.framework_id, [competence])
    first = world.round(survey, 1, date(2026, 2, 1))
    a_people, b_people = world.staff(a, 12), world.staff(b, 10)
    # A: 7 of 12 at B1 (3) or above; B: 5 of 10.
    world.answers(first, a_people, a, competence, [4] * 7 + [1] * 5)
    world.answers(first, b_people, b, competence, [3] * 5 + [2] * 5)
    return competence, a, b, survey, first, a_people, b_people


def test_organisation_goal_counts_every_units_answers(world: World) -> None:
    competence, *_ = _two_units(world)
    goal = world.goal("Digitala resurser", competence, level=3, share=60)
    measured = goal_measurement(world.session, goal, POLICY)
    assert measured.rounds[0].answered.value == 22
    assert measured.rounds[0].share.value == 12 / 22


def test_unit_goal_counts_only_its_units_answers(world: World) -> None:
    competence, a, *_ = _two_units(world)
    goal = world.goal("Skola A:s mål", competence, level=3, share=60, unit=a)
    measured = goal_measurement(world.session, goal, POLICY)
    assert (measured.rounds[0].answered.value, measured.rounds[0].share.value) == (12, 7 / 12)


def test_rounds_come_oldest_first(world: World) -> None:
    competence, a, _, _, first, a_people, _ = _two_units(world)
    earlier = world.round(
        world.survey(competence.framework_id, [competence], "Förra året"), 1, date(2025, 2, 1)
    )
    world.answers(earlier, a_people, a, competence, [1] * 12)
    goal = world.goal("Digitala resurser", competence)
    measured = goal_measurement(world.session, goal, POLICY)
    assert [r.round.id for r in measured.rounds] == [earlier.id, first.id]


def test_a_survey_of_every_competence_of_the_framework_counts(world: World) -> None:
    competence, a, _, _, _, a_people, _ = _two_units(world)
    everything = world.round(world.survey(competence.framework_id, [], "Allt"), 1, date(2026, 9, 1))
    world.answers(everything, a_people, a, competence, [5] * 12)
    goal = world.goal("Digitala resurser", competence)
    assert len(goal_measurement(world.session, goal, POLICY).rounds) == 2


def test_a_survey_of_other_competences_is_left_out(world: World) -> None:
    competence, other = world.framework()
    unit = world.unit("Skola A")
    other_round = world.round(world.survey(competence.framework_id, [other]), 1, date(2026, 2, 1))
    world.answers(other_round, world.staff(unit, 10), unit, other, [4] * 10)
    goal = world.goal("Digitala resurser", competence)
    assert goal_measurement(world.session, goal, POLICY).rounds == ()


def test_latest_round_meeting_the_target_is_told(world: World) -> None:
    competence, *_ = _two_units(world)
    goal = world.goal("Digitala resurser", competence, level=3, share=50)
    assert goal_measurement(world.session, goal, POLICY).latest_meets_target is True


def test_latest_round_below_the_target_is_told(world: World) -> None:
    competence, *_ = _two_units(world)
    goal = world.goal("Digitala resurser", competence, level=3, share=80)
    assert goal_measurement(world.session, goal, POLICY).latest_meets_target is False


def test_goal_without_competence_is_not_measurable(world: World) -> None:
    _two_units(world)
    goal = world.goal("Utan kompetens", None, level=None, share=None)
    measured = goal_measurement(world.session, goal, POLICY)
    assert (measured.measurable, measured.rounds) == (False, ())


def test_small_unit_goal_is_hidden(world: World) -> None:
    competence, _, _, _, first, _, _ = _two_units(world)
    small = world.unit("Skola C")
    world.answers(first, world.staff(small, 3), small, competence, [4, 4, 1])
    goal = world.goal("Skola C:s mål", competence, unit=small)
    latest = goal_measurement(world.session, goal, POLICY).rounds[0]
    assert latest.answered.reason == SuppressionReason.SMALL_GROUP


def test_hidden_share_leaves_whether_the_target_is_met_unknown(world: World) -> None:
    competence, _, _, _, first, _, _ = _two_units(world)
    small = world.unit("Skola C")
    world.answers(first, world.staff(small, 3), small, competence, [4, 4, 1])
    goal = world.goal("Skola C:s mål", competence, unit=small)
    assert goal_measurement(world.session, goal, POLICY).latest_meets_target is None


def test_total_minus_the_shown_units_never_gives_a_hidden_unit(world: World) -> None:
    competence, _, _, _, first, _, _ = _two_units(world)
    small = world.unit("Skola C")
    world.answers(first, world.staff(small, 3), small, competence, [4, 4, 1])
    goal = world.goal("Digitala resurser", competence)
    (table,) = goal_round_tables(world.session, goal, POLICY)
    for column in ("answered", "at_or_above", "below"):
        total = getattr(table, column)
        hidden = [row for row in table.rows if getattr(row, column).suppressed]
        # The small unit is hidden, and never alone while the total is shown.
        assert any(row.unit_id == small.id for row in hidden)
        assert total.suppressed or len(hidden) >= 2


def test_a_unit_goal_shows_its_row_of_the_organisations_table(world: World) -> None:
    competence, a, *_ = _two_units(world)
    organisation_goal = world.goal("Digitala resurser", competence)
    unit_goal = world.goal("Skola A:s mål", competence, unit=a)
    (table,) = goal_round_tables(world.session, organisation_goal, POLICY)
    row = table.row_of(a.id)
    assert row is not None
    assert goal_measurement(world.session, unit_goal, POLICY).rounds[0].share == row.share


def test_an_organisation_goal_read_in_a_unit_shows_the_units_row(world: World) -> None:
    competence, _, b, *_ = _two_units(world)
    goal = world.goal("Digitala resurser", competence)
    measured = goal_measurement(world.session, goal, POLICY, unit_id=b.id)
    assert measured.rounds[0].share.value == 0.5


def test_answers_without_a_unit_count_for_the_organisation_only(world: World) -> None:
    competence, a, _, _, first, _, _ = _two_units(world)
    world.answers(first, world.staff(world.unit("Skola D"), 6), None, competence, [4] * 6)
    organisation = world.goal("Digitala resurser", competence)
    unit_goal = world.goal("Skola A:s mål", competence, unit=a)
    (table,) = goal_round_tables(world.session, organisation, POLICY)
    assert [row.unit_id for row in table.rows][-1] is None
    assert goal_measurement(world.session, unit_goal, POLICY).rounds[0].answered.value == 12
