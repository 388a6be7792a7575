"""The suppression rule, one behaviour per test (threshold five unless a test says otherwise)."""

from __future__ import annotations

import pytest

from lti_tool.privacy import (
    Cell,
    InvalidMinGroupError,
    SuppressionPolicy,
    SuppressionReason,
    policy_for,
)
from lti_tool.tenancy.models import Organization


def _shown(cells: tuple[object, ...] | list[object]) -> list[str]:
    return [str(cell) for cell in cells]


def test_policy_refuses_a_threshold_below_two() -> None:
    with pytest.raises(InvalidMinGroupError, match="between 2 and 100"):
        SuppressionPolicy(1)


def test_policy_refuses_a_threshold_above_a_hundred() -> None:
    with pytest.raises(InvalidMinGroupError, match="between 2 and 100"):
        SuppressionPolicy(101)


def test_policy_for_uses_the_organisations_threshold() -> None:
    assert policy_for(Organization(slug="a", name="A", privacy_min_group=7)).min_group == 7


def test_count_below_the_threshold_is_hidden_as_a_small_group(policy: SuppressionPolicy) -> None:
    assert policy.count(4).reason is SuppressionReason.SMALL_GROUP


def test_count_of_zero_is_hidden(policy: SuppressionPolicy) -> None:
    assert policy.count(0).suppressed


def test_count_at_the_threshold_is_shown(policy: SuppressionPolicy) -> None:
    assert policy.count(5).value == 5


def test_hidden_cell_holds_no_value_and_prints_a_dash(policy: SuppressionPolicy) -> None:
    cell = policy.count(3)
    assert (cell.value, str(cell), cell.min_group) == (None, "–", 5)


def test_cell_cannot_hold_a_value_and_a_reason_to_hide_it() -> None:
    with pytest.raises(ValueError, match="either a value or the reason"):
        Cell(3, SuppressionReason.SMALL_GROUP, 5)


def test_count_refuses_a_negative_number(policy: SuppressionPolicy) -> None:
    with pytest.raises(ValueError, match="at least 0"):
        policy.count(-1)


def test_share_is_hidden_when_the_group_is_small(policy: SuppressionPolicy) -> None:
    assert policy.share(0, 4).reason is SuppressionReason.SMALL_GROUP


def test_share_is_hidden_when_the_part_is_small(policy: SuppressionPolicy) -> None:
    assert policy.share(4, 20).reason is SuppressionReason.SMALL_GROUP


def test_share_is_hidden_when_the_rest_of_the_group_is_small(policy: SuppressionPolicy) -> None:
    assert policy.share(16, 20).reason is SuppressionReason.SMALL_COMPLEMENT


def test_share_of_the_whole_group_is_hidden(policy: SuppressionPolicy) -> None:
    assert policy.share(20, 20).reason is SuppressionReason.SMALL_COMPLEMENT


def test_share_is_shown_when_part_rest_and_group_reach_the_threshold(
    policy: SuppressionPolicy,
) -> None:
    assert policy.share(5, 10).value == 0.5


def test_share_refuses_a_part_larger_than_the_group(policy: SuppressionPolicy) -> None:
    with pytest.raises(ValueError, match="cannot exceed"):
        policy.share(11, 10)


def test_mean_is_hidden_when_fewer_people_rated_than_the_threshold(
    policy: SuppressionPolicy,
) -> None:
    assert policy.mean([3, 4, 5, 2]).reason is SuppressionReason.SMALL_GROUP


def test_mean_is_hidden_when_everyone_gave_the_scales_top_value(
    policy: SuppressionPolicy,
) -> None:
    assert policy.mean([5] * 6, scale=(1, 5)).reason is SuppressionReason.UNANIMOUS


def test_mean_is_shown_for_enough_ratings(policy: SuppressionPolicy) -> None:
    assert policy.mean([1, 2, 3, 4, 5], scale=(1, 5)).value == 3


def test_distribution_hides_a_small_level_with_the_next_smallest(
    policy: SuppressionPolicy,
) -> None:
    result = policy.distribution({"nivå 1": 2, "nivå 2": 10, "nivå 3": 12})
    assert _shown(list(result.counts.values())) == ["–", "–", "12"]
    assert result.counts["nivå 2"].reason is SuppressionReason.COMPLEMENTARY


def test_distribution_shows_every_level_whose_count_and_rest_reach_the_threshold(
    policy: SuppressionPolicy,
) -> None:
    result = policy.distribution({"a": 6, "b": 10, "c": 12})
    assert (_shown(list(result.counts.values())), result.total.value) == (["6", "10", "12"], 28)


def test_distribution_of_a_small_group_hides_its_size_too(policy: SuppressionPolicy) -> None:
    result = policy.distribution({"a": 2, "b": 2})
    assert result.total.suppressed and all(c.suppressed for c in result.counts.values())


def test_table_hides_the_next_smallest_cell_beside_a_lonely_hidden_one(
    policy: SuppressionPolicy,
) -> None:
    table = policy.table([[3, 10, 12], [20, 30, 40]])
    assert table.cells[0][1].reason is SuppressionReason.COMPLEMENTARY


def test_table_repeats_complementary_suppression_in_the_columns_it_touches(
    policy: SuppressionPolicy,
) -> None:
    table = policy.table([[3, 10, 12], [20, 30, 40]])
    # Hiding 3 and 10 in the first row leaves each alone in its column: 20 and 30 follow.
    assert [[c.suppressed for c in row] for row in table.cells] == [
        [True, True, False],
        [True, True, False],
    ]


def test_table_hides_a_row_total_below_the_threshold(policy: SuppressionPolicy) -> None:
    table = policy.table([[1, 2], [20, 30], [25, 25]])
    assert table.row_totals[0].reason is SuppressionReason.SMALL_GROUP


def test_table_shows_a_table_without_small_numbers_whole(policy: SuppressionPolicy) -> None:
    table = policy.table([[10, 20], [30, 40]])
    assert [[c.value for c in row] for row in table.cells] == [[10, 20], [30, 40]]


def test_table_refuses_rows_of_different_lengths(policy: SuppressionPolicy) -> None:
    with pytest.raises(ValueError, match="equally long"):
        policy.table([[10, 20], [30]])


def test_narrower_filter_leaving_out_fewer_than_the_threshold_is_hidden(
    policy: SuppressionPolicy,
) -> None:
    unit = set(range(30))
    cell = policy.narrower(unit, unit - {7})
    assert cell.reason is SuppressionReason.NARROW_DIFFERENCE


def test_narrower_filter_leaving_out_the_threshold_or_more_is_shown(
    policy: SuppressionPolicy,
) -> None:
    unit = set(range(30))
    assert policy.narrower(unit, set(range(25))).value == 25


def test_narrower_filter_selecting_the_whole_group_is_shown(policy: SuppressionPolicy) -> None:
    unit = set(range(30))
    assert policy.narrower(unit, unit).value == 30


def test_narrower_refuses_a_filter_that_is_not_part_of_the_group(
    policy: SuppressionPolicy,
) -> None:
    with pytest.raises(ValueError, match="part of the group"):
        policy.narrower(set(range(10)), {99})


def test_filtered_group_is_hidden_when_a_visible_sibling_differs_by_few(
    policy: SuppressionPolicy,
) -> None:
    cell = policy.filtered_group(set(range(1, 21)), visible=[set(range(20))])
    assert cell.reason is SuppressionReason.NARROW_DIFFERENCE


def test_filtered_group_smaller_than_the_threshold_is_hidden(policy: SuppressionPolicy) -> None:
    assert policy.filtered_group({1, 2, 3}).reason is SuppressionReason.SMALL_GROUP
