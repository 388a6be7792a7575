"""Filters of the organisation view never reveal a hidden group: every filtered page shows
only numbers of the unfiltered page's tables, so no difference of two pages tells more."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select

from lti_tool.followup.pages import OrganisationFilters, OrganisationPage, organisation_page
from lti_tool.followup.staff import unit_staff
from lti_tool.frameworks.models import Competence
from lti_tool.privacy import Cell, SuppressionPolicy
from lti_tool.surveys.models import SurveyRound
from tests.followup.conftest import COMPETENCE_IRI, World, seed_two_units

POLICY = SuppressionPolicy(5)
TODAY = date(2026, 6, 1)


def _page(world: World, filters: OrganisationFilters) -> OrganisationPage:
    staff = unit_staff(world.session, world.org.id)
    return organisation_page(
        world.session, world.org.id, filters, staff, POLICY, TODAY, lambda c: c.title
    )


def _cells(page: OrganisationPage) -> set[tuple[object, ...]]:
    """Every number the page shows, keyed by what it is about."""
    shown: set[tuple[object, ...]] = set()

    def add(key: tuple[object, ...], cell: Cell[int] | Cell[float]) -> None:
        if cell.value is not None:
            shown.add((*key, cell.value))

    for block in page.blocks:
        for r in block.measurement.rounds:
            add(("measurement", block.goal.id, r.round.id, "answered"), r.answered)
            add(("measurement", block.goal.id, r.round.id, "share"), r.share)
        table = block.round_table
        if table is not None:
            for row in block.round_rows:
                for name in ("answered", "at_or_above", "below", "share"):
                    add(
                        ("round", block.goal.id, table.round.id, row.unit_id, name),
                        getattr(row, name),
                    )
            for name in ("answered", "at_or_above", "below", "share"):
                add(("round", block.goal.id, table.round.id, None, name), getattr(table, name))
    for journey, rows in page.journeys:
        for row in (*rows, journey.total):
            for name in ("staff", "not_started", "in_progress", "completed"):
                add(("journey", journey.subject_id, row.unit_id, name), getattr(row, name))
    for overdue in page.overdue:
        add(("overdue", overdue.unit_id), overdue.overdue)
    return shown


@pytest.fixture
def small_unit_world(world: World) -> tuple[World, dict[str, int]]:
    """The two units of 12 and more, and Skola C, whose three staff answered the survey."""
    ids = seed_two_units(world)
    small = world.unit("Skola C")
    people = world.staff(small, 3)

    first = world.session.get_one(SurveyRound, ids["round"])

    competence = world.session.scalars(
        select(Competence).where(Competence.iri == COMPETENCE_IRI)
    ).one()
    world.answers(first, people, small, competence, [4, 4, 1])
    world.session.commit()
    ids["c"] = small.id
    return world, ids


def test_every_filter_combination_shows_only_numbers_of_the_unfiltered_page(
    small_unit_world: tuple[World, dict[str, int]],
) -> None:
    world, ids = small_unit_world
    everything = _cells(_page(world, OrganisationFilters()))
    for round_id, goal_id, unit_id in itertools.product(
        (None, ids["round"]), (None, ids["organisation_goal"]), (None, ids["a"], ids["b"], ids["c"])
    ):
        filtered = _cells(_page(world, OrganisationFilters(round_id, goal_id, unit_id)))
        assert filtered <= everything, (round_id, goal_id, unit_id)


def test_the_small_unit_cannot_be_worked_out_from_the_total_and_the_other_units(
    small_unit_world: tuple[World, dict[str, int]],
) -> None:
    world, ids = small_unit_world
    page = _page(world, OrganisationFilters())
    (block,) = page.blocks
    table = block.round_table
    assert table is not None
    for name in ("answered", "at_or_above", "below"):
        hidden = [row.unit_id for row in table.rows if getattr(row, name).suppressed]
        assert ids["c"] in hidden
        # Total minus the shown units would give Skola C's number only if it were hidden alone.
        assert getattr(table, name).suppressed or len(hidden) >= 2


def test_filtering_on_the_small_unit_shows_none_of_its_numbers(
    small_unit_world: tuple[World, dict[str, int]],
) -> None:
    world, ids = small_unit_world
    page = _page(world, OrganisationFilters(unit_id=ids["c"]))
    (block,) = page.blocks
    (row,) = block.round_rows
    assert all(getattr(row, n).suppressed for n in ("answered", "at_or_above", "below", "share"))


def test_round_filter_chooses_that_rounds_table_instead_of_the_latest(
    small_unit_world: tuple[World, dict[str, int]],
) -> None:
    world, ids = small_unit_world
    survey_round = world.session.get_one(SurveyRound, ids["round"])
    later = world.round(survey_round.survey, 2, date(2026, 9, 1))
    world.session.commit()
    chosen = _page(world, OrganisationFilters(round_id=ids["round"])).blocks[0].round_table
    latest = _page(world, OrganisationFilters()).blocks[0].round_table
    assert chosen is not None and latest is not None
    assert (chosen.round.id, latest.round.id) == (ids["round"], later.id)
