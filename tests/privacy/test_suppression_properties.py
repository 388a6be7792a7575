"""Properties of the suppression rule over many generated tables, shares and filters."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.privacy import Cell, SuppressionPolicy, Table

thresholds = st.integers(min_value=2, max_value=8)


@st.composite
def tables(
    draw: st.DrawFn, max_rows: int = 4, max_columns: int = 4, max_value: int = 30
) -> list[list[int]]:
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    value = st.integers(0, max_value)
    return [[draw(value) for _ in range(columns)] for _ in range(rows)]


def _grid(rows: list[list[int]]) -> list[list[int]]:
    """The table with its totals: row totals last in each row, column totals in a last row."""
    with_totals = [[*row, sum(row)] for row in rows]
    return [*with_totals, [sum(column) for column in zip(*with_totals, strict=True)]]


def _published(table: Table) -> list[list[Cell[int]]]:
    grid = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    return [*grid, [*table.column_totals, table.total]]


def _constraints(height: int, width: int) -> list[dict[tuple[int, int], int]]:
    """Every row and column of the grid: its inner numbers minus its total make zero."""
    lines: list[dict[tuple[int, int], int]] = []
    for i in range(height):
        line = {(i, j): 1 for j in range(width - 1)}
        line[(i, width - 1)] = -1
        lines.append(line)
    for j in range(width):
        line = {(i, j): 1 for i in range(height - 1)}
        line[(height - 1, j)] = -1
        lines.append(line)
    return lines


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _linearly_determined(
    hidden: list[tuple[int, int]], height: int, width: int
) -> list[tuple[int, int]]:
    """Hidden numbers that sums and differences of the published ones give exactly."""
    index = {cell: n for n, cell in enumerate(hidden)}
    matrix = [
        [Fraction(line.get(cell, 0)) for cell in hidden] for line in _constraints(height, width)
    ]
    base = _rank(matrix)
    determined = []
    for cell, n in index.items():
        unit = [Fraction(int(m == n)) for m in range(len(hidden))]
        if _rank([*matrix, unit]) == base:
            determined.append(cell)
    return determined


@settings(max_examples=300, deadline=None)
@given(rows=tables(), k=thresholds)
def test_no_hidden_number_follows_from_the_totals_and_the_shown_numbers(
    rows: list[list[int]], k: int
) -> None:
    published = _published(SuppressionPolicy(k).table(rows))
    hidden = [
        (i, j) for i, line in enumerate(published) for j, cell in enumerate(line) if cell.suppressed
    ]
    assert _linearly_determined(hidden, len(published), len(published[0])) == []


@settings(max_examples=150, deadline=None)
@given(
    rows=st.one_of(
        tables(max_rows=2, max_columns=2, max_value=5),
        tables(max_rows=1, max_columns=4, max_value=5),
    ),
    k=st.integers(2, 4),
)
def test_every_hidden_number_has_another_possible_value(rows: list[list[int]], k: int) -> None:
    """Whole non-negative numbers included: no hidden number is pinned (say, to zero)."""
    published = _published(SuppressionPolicy(k).table(rows))
    truth = _grid(rows)
    inner = [(i, j) for i in range(len(rows)) for j in range(len(rows[0]))]
    unknown = [cell for cell in inner if published[cell[0]][cell[1]].suppressed]
    possible: set[tuple[tuple[int, ...], ...]] = set()
    for guess in itertools.product(range(max(map(max, rows)) + 3), repeat=len(unknown)):
        candidate = [row[:] for row in rows]
        for (i, j), value in zip(unknown, guess, strict=True):
            candidate[i][j] = value
        grid = _grid(candidate)
        if all(
            cell.suppressed or cell.value == grid[i][j]
            for i, line in enumerate(published)
            for j, cell in enumerate(line)
        ):
            possible.add(tuple(map(tuple, grid)))
    for i, line in enumerate(published):
        for j, cell in enumerate(line):
            if cell.suppressed:
                assert {grid[i][j] for grid in possible} != {truth[i][j]}, (i, j)


def _complements(grid: list[list[int]], i: int, j: int) -> list[int]:
    """The people outside a number in each of its lines that has more than one inner number."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    value, grand = grid[i][j], grid[last_row][last_column]
    if (i, j) == (last_row, last_column):
        return []
    if j == last_column:
        return [grand - value] if last_row > 1 else []
    if i == last_row:
        return [grand - value] if last_column > 1 else []
    complements = []
    if last_column > 1:
        complements.append(grid[i][last_column] - value)
    if last_row > 1:
        complements.append(grid[last_row][j] - value)
    return complements


@settings(max_examples=300, deadline=None)
@given(rows=tables(), k=thresholds)
def test_every_shown_number_and_its_complements_reach_the_threshold(
    rows: list[list[int]], k: int
) -> None:
    published = _published(SuppressionPolicy(k).table(rows))
    grid = _grid(rows)
    for i, line in enumerate(published):
        for j, cell in enumerate(line):
            if cell.suppressed:
                continue
            assert cell.value is not None and cell.value >= k
            assert all(c >= k for c in _complements(grid, i, j))


@settings(max_examples=300, deadline=None)
@given(rows=tables(), k=thresholds)
def test_hidden_numbers_of_a_line_with_a_shown_total_are_two_or_more_and_not_few(
    rows: list[list[int]], k: int
) -> None:
    published = _published(SuppressionPolicy(k).table(rows))
    grid = _grid(rows)
    height, width = len(grid), len(grid[0])
    lines = [[(i, j) for j in range(width)] for i in range(height)]
    lines += [[(i, j) for i in range(height)] for j in range(width)]
    for line in lines:
        *parts, (ti, tj) = line
        if published[ti][tj].suppressed:
            continue
        hidden = [grid[i][j] for i, j in parts if published[i][j].suppressed]
        assert not hidden or (len(hidden) >= 2 and sum(hidden) >= k)


@settings(max_examples=500)
@given(data=st.data(), k=thresholds)
def test_a_shown_share_never_reveals_a_small_rest_of_the_group(data: st.DataObject, k: int) -> None:
    denominator = data.draw(st.integers(0, 60))
    numerator = data.draw(st.integers(0, denominator))
    share = SuppressionPolicy(k).share(numerator, denominator)
    if not share.suppressed:
        assert min(numerator, denominator, denominator - numerator) >= k


@settings(max_examples=300)
@given(
    filters=st.lists(st.sets(st.integers(0, 40)), min_size=1, max_size=8),
    k=thresholds,
)
def test_groups_of_adjacent_filters_never_differ_by_fewer_than_the_threshold(
    filters: list[set[int]], k: int
) -> None:
    policy = SuppressionPolicy(k)
    shown: list[set[int]] = []
    for group in filters:
        if not policy.filtered_group(group, visible=shown).suppressed:
            shown.append(group)
    for a, b in itertools.combinations(shown, 2):
        assert len(a ^ b) == 0 or len(a ^ b) >= k
    assert all(len(group) >= k for group in shown)


@settings(max_examples=300)
@given(unit=st.sets(st.integers(0, 40)), data=st.data(), k=thresholds)
def test_a_narrower_filter_never_singles_out_fewer_than_the_threshold(
    unit: set[int], data: st.DataObject, k: int
) -> None:
    narrower = data.draw(st.sets(st.sampled_from(sorted(unit)))) if unit else set()
    cell = SuppressionPolicy(k).narrower(unit, narrower)
    if not cell.suppressed:
        assert len(unit - narrower) == 0 or len(unit - narrower) >= k
