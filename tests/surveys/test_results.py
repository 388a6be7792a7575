"""Leaders' numbers of a round: suppressed per unit, only the units the leader sees."""

from __future__ import annotations

from lti_tool.privacy import SuppressionPolicy
from lti_tool.surveys.models import SurveyRound
from lti_tool.surveys.results import competence_rows, round_counts
from tests.surveys.conftest import LEAF_11, World, answer

POLICY = SuppressionPolicy(3)
LEVELS = {"1.1": 2, "1.2": 1, "2": 3}


def _round_with(world: World, per_unit: dict[str, int]) -> SurveyRound:
    survey_round = world.round(world.survey())
    for unit, n in per_unit.items():
        for i in range(n):
            answer(world, survey_round, world.person(f"{unit}-{i}", unit), LEVELS)
    return survey_round


def test_round_counts_show_a_large_enough_unit(world: World) -> None:
    survey_round = _round_with(world, {"A": 4, "B": 5})
    counts = round_counts(world.session, world.org_leader(), survey_round, POLICY)
    assert [(r.unit.name if r.unit else None, r.responses.value) for r in counts.rows] == [
        ("Skola A", 4),
        ("Skola B", 5),
    ]
    assert counts.total.value == 9


def test_round_counts_hide_a_small_unit_and_what_would_reveal_it(world: World) -> None:
    survey_round = _round_with(world, {"A": 2, "B": 5})
    counts = round_counts(world.session, world.org_leader(), survey_round, POLICY)
    assert [r.responses.suppressed for r in counts.rows] == [True, True]
    assert counts.total.value == 7


def test_round_counts_of_a_rektor_hold_only_their_unit(world: World) -> None:
    survey_round = _round_with(world, {"A": 3, "B": 4})
    counts = round_counts(world.session, world.rektor("A", name="rektor"), survey_round, POLICY)
    assert [r.unit.name if r.unit else None for r in counts.rows] == ["Skola A"]


def test_competence_rows_give_levels_per_unit_without_people(world: World) -> None:
    survey_round = _round_with(world, {"A": 3, "B": 3})
    rows = [
        r
        for r in competence_rows(world.session, world.org.id, survey_round, POLICY)
        if r.competence_iri == LEAF_11
    ]
    assert [(r.unit.name if r.unit else "all", r.responses.value) for r in rows] == [
        ("Skola A", 3),
        ("Skola B", 3),
        ("all", 6),
    ]
    # Everyone at level 2: showing that count would tell every answer.
    assert rows[2].levels[2].suppressed
