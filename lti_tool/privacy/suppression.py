"""One small-group suppression rule for every aggregate view (counts, shares, means, tables).

Every dashboard, export, API answer and leader follow-up that shows numbers about groups of
people computes them through a :class:`SuppressionPolicy` (one per organisation, see
:func:`lti_tool.privacy.policy_for`), so no two views can disagree about what is hidden.

What the policy guarantees, with ``k = min_group``:

* **Counts**: a count of people below ``k`` is never shown, zero included (a zero tells that
  nobody in the group has the property, which is as telling as one).
* **Shares** ``numerator / denominator``: shown only when the denominator, the numerator and the
  complement (denominator − numerator) are all at least ``k``, since "18 of 20" names a group
  of two as surely as "2 of 20" does.
* **Means of ratings**: shown only when at least ``k`` people rated, and (given the scale) not
  when the mean sits at the scale's end, which would tell every rater's answer.
* **Tables with totals** (and distributions over levels, which are one-row tables): every shown
  number, inner cell or total, is at least ``k``; so is its complement in each of its lines
  (row total − cell, column total − cell, grand total − row or column total). In every row and
  column whose total is shown, the hidden cells are either none or at least two that together
  count at least ``k`` (**complementary suppression**: the next-smallest cell is hidden with a
  lonely one, repeated until stable). Finally every hidden number is checked to be not
  recomputable: for each there is another table of non-negative whole numbers with the same
  shown numbers in which it differs; when there is none, more is hidden until there is.
* **Adjacent filters**: :meth:`SuppressionPolicy.filtered_group` refuses a group whose
  difference to a group the viewer can also see (the group without the filter, or a sibling
  filter) is between one and ``k − 1`` people, so "unit" against "unit without one person"
  cannot single anyone out.

A hidden result (:class:`Cell` with ``suppressed=True``) carries the reason and the threshold,
never the value, so a template cannot print it by mistake (``str()`` of it is a dash; render it
with the ``privacy_cell`` template filter for its accessible explanation).

What callers must do:

* Pass the numbers of people (distinct persons), never of statements or answers, to every
  function: a person who answered twice is still one person.
* Compute every aggregate of a view through the policy, totals included, and publish only what
  it returns: a table's own totals from :meth:`SuppressionPolicy.table`, never totals summed
  by the view.
* When a view lets the viewer filter (unit, role, period, journey version...), check each
  filtered group with :meth:`SuppressionPolicy.filtered_group` against every group the same
  viewer can see for the unfiltered and sibling filters, and show nothing of a refused group.
* Use one policy (the organisation's) for all views of an organisation's data.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

__all__ = [
    "DEFAULT_MIN_GROUP",
    "MIN_GROUP_HIGHEST",
    "MIN_GROUP_LOWEST",
    "Cell",
    "Distribution",
    "InvalidMinGroupError",
    "SuppressionPolicy",
    "SuppressionReason",
    "Table",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# The organisation's setting (``organizations.privacy_min_group``) stays within these.
MIN_GROUP_LOWEST = 2
MIN_GROUP_HIGHEST = 100
DEFAULT_MIN_GROUP = 5


class InvalidMinGroupError(ValueError):
    """A threshold outside 2..100."""


class SuppressionReason(StrEnum):
    """Why a number is hidden."""

    SMALL_GROUP = "small-group"  # fewer people than the threshold (zero included)
    SMALL_COMPLEMENT = "small-complement"  # the people outside it are fewer than the threshold
    COMPLEMENTARY = "complementary"  # hidden so that another hidden number cannot be recomputed
    NARROW_DIFFERENCE = "narrow-difference"  # differs from a visible group by too few people
    UNANIMOUS = "unanimous"  # a mean at the scale's end tells every rater's answer


@dataclass(frozen=True, slots=True)
class Cell(Generic[T]):
    """One aggregate number: its value, or ``suppressed`` with the reason and no value."""

    value: T | None
    reason: SuppressionReason | None
    min_group: int

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("A cell holds either a value or the reason it is hidden.")

    @classmethod
    def shown(cls, value: T, min_group: int) -> Cell[T]:
        return cls(value, None, min_group)

    @classmethod
    def hidden(cls, reason: SuppressionReason, min_group: int) -> Cell[T]:
        return cls(None, reason, min_group)

    @property
    def suppressed(self) -> bool:
        return self.reason is not None

    def __str__(self) -> str:
        return "–" if self.value is None else str(self.value)


@dataclass(frozen=True, slots=True)
class Table:
    """A table of counts with its row, column and grand totals, each shown or hidden."""

    cells: tuple[tuple[Cell[int], ...], ...]
    row_totals: tuple[Cell[int], ...]
    column_totals: tuple[Cell[int], ...]
    total: Cell[int]


@dataclass(frozen=True, slots=True)
class Distribution(Generic[K]):
    """How a group spreads over levels: a count per level and the group's size."""

    counts: dict[K, Cell[int]]
    total: Cell[int]


@dataclass(frozen=True, slots=True)
class SuppressionPolicy:
    """The organisation's threshold: no group of fewer than ``min_group`` people is shown."""

    min_group: int = DEFAULT_MIN_GROUP

    def __post_init__(self) -> None:
        if isinstance(self.min_group, bool) or not isinstance(self.min_group, int):
            raise InvalidMinGroupError("The smallest group must be a whole number.")
        if not MIN_GROUP_LOWEST <= self.min_group <= MIN_GROUP_HIGHEST:
            raise InvalidMinGroupError(
                f"The smallest group must be between {MIN_GROUP_LOWEST} and "
                f"{MIN_GROUP_HIGHEST} people (got {self.min_group})."
            )

    def _small(self, n: int) -> bool:
        return n < self.min_group

    def _hidden(self, reason: SuppressionReason) -> Cell[T]:
        return Cell[T].hidden(reason, self.min_group)

    def count(self, n: int) -> Cell[int]:
        """The number of people in a group, or hidden when fewer than the threshold."""
        _check_count(n)
        if self._small(n):
            return self._hidden(SuppressionReason.SMALL_GROUP)
        return Cell.shown(n, self.min_group)

    def share(self, numerator: int, denominator: int) -> Cell[float]:
        """``numerator / denominator`` (0..1) of a group, hidden when the group, the part or
        the rest of the group is smaller than the threshold."""
        _check_count(numerator)
        _check_count(denominator)
        if numerator > denominator:
            raise ValueError("A share's numerator cannot exceed its denominator.")
        if self._small(denominator) or self._small(numerator):
            return self._hidden(SuppressionReason.SMALL_GROUP)
        if self._small(denominator - numerator):
            return self._hidden(SuppressionReason.SMALL_COMPLEMENT)
        return Cell.shown(numerator / denominator, self.min_group)

    def mean(
        self, ratings: Sequence[float], scale: tuple[float, float] | None = None
    ) -> Cell[float]:
        """The mean of one rating per person, hidden when too few rated or (with the scale's
        lowest and highest value) when the mean shows that everyone gave the same end value."""
        if self._small(len(ratings)):
            return self._hidden(SuppressionReason.SMALL_GROUP)
        if scale is not None and (min(ratings) == max(ratings) and ratings[0] in scale):
            return self._hidden(SuppressionReason.UNANIMOUS)
        return Cell.shown(sum(ratings) / len(ratings), self.min_group)

    def distribution(self, counts: Mapping[K, int]) -> Distribution[K]:
        """Counts of one group per level (every level listed, zeros included) and its size."""
        levels = list(counts)
        table = self.table([[counts[level] for level in levels]])
        return Distribution(dict(zip(levels, table.cells[0], strict=True)), table.row_totals[0])

    def table(self, rows: Sequence[Sequence[int]]) -> Table:
        """A table of counts (rows × columns) with its totals, small groups and whatever would
        let them be recomputed hidden (see the module's guarantees)."""
        if not rows or not rows[0] or any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("A table needs at least one row and column, all rows equally long.")
        for row in rows:
            for n in row:
                _check_count(n)
        grid = _Grid.from_rows(rows)
        reasons = _primary_suppression(grid, self.min_group)
        _protect(grid, reasons, self.min_group)
        return grid.to_table(reasons, self.min_group)

    def filtered_group(
        self, members: Collection[K], visible: Iterable[Collection[K]] = ()
    ) -> Cell[int]:
        """The size of a filtered group, or hidden when it is small or differs from a group
        the viewer can also see (``visible``: the unfiltered group, sibling filters) by
        between one and ``min_group − 1`` people."""
        group = frozenset(members)
        if self._small(len(group)):
            return self._hidden(SuppressionReason.SMALL_GROUP)
        for other in visible:
            difference = len(group.symmetric_difference(other))
            if 0 < difference < self.min_group:
                return self._hidden(SuppressionReason.NARROW_DIFFERENCE)
        return Cell.shown(len(group), self.min_group)

    def narrower(self, group: Collection[K], narrower: Collection[K]) -> Cell[int]:
        """The size of ``narrower`` (a filter of ``group``), hidden when small or when it
        leaves out between one and ``min_group − 1`` of the group's people."""
        if not frozenset(narrower) <= frozenset(group):
            raise ValueError("The narrower group must be part of the group.")
        return self.filtered_group(narrower, [group])


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"A count of people must be a whole number of at least 0 (got {n!r}).")


@dataclass
class _Grid:
    """The table with its totals as one (rows + 1) × (columns + 1) grid: the last row holds
    the column totals, the last column the row totals, the corner the grand total."""

    values: list[list[int]]

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[int]]) -> _Grid:
        values = [[*row, sum(row)] for row in rows]
        values.append([sum(column) for column in zip(*values, strict=True)])
        return cls(values)

    @property
    def height(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        return len(self.values[0])

    def lines(self) -> list[list[tuple[int, int]]]:
        """Every row and column, its total last."""
        rows = [[(i, j) for j in range(self.width)] for i in range(self.height)]
        columns = [[(i, j) for i in range(self.height)] for j in range(self.width)]
        return rows + columns

    def is_total(self, cell: tuple[int, int]) -> bool:
        i, j = cell
        return i == self.height - 1 or j == self.width - 1

    def to_table(self, reasons: dict[tuple[int, int], SuppressionReason], min_group: int) -> Table:
        def cell(i: int, j: int) -> Cell[int]:
            reason = reasons.get((i, j))
            if reason is None:
                return Cell.shown(self.values[i][j], min_group)
            return Cell[int].hidden(reason, min_group)

        last_row, last_column = self.height - 1, self.width - 1
        return Table(
            cells=tuple(tuple(cell(i, j) for j in range(last_column)) for i in range(last_row)),
            row_totals=tuple(cell(i, last_column) for i in range(last_row)),
            column_totals=tuple(cell(last_row, j) for j in range(last_column)),
            total=cell(last_row, last_column),
        )


def _primary_suppression(grid: _Grid, k: int) -> dict[tuple[int, int], SuppressionReason]:
    """Small numbers, and numbers whose complement in one of their lines is small."""
    last_row, last_column = grid.height - 1, grid.width - 1
    grand = grid.values[last_row][last_column]
    reasons: dict[tuple[int, int], SuppressionReason] = {}
    for i in range(grid.height):
        for j in range(grid.width):
            n = grid.values[i][j]
            if n < k:
                reasons[(i, j)] = SuppressionReason.SMALL_GROUP
                continue
            # A line with one inner number has no complement: its total is that number.
            complements = []
            if i == last_row and j != last_column and last_column > 1:
                complements.append(grand - n)
            if j == last_column and i != last_row and last_row > 1:
                complements.append(grand - n)
            if i != last_row and j != last_column:
                if last_column > 1:
                    complements.append(grid.values[i][last_column] - n)
                if last_row > 1:
                    complements.append(grid.values[last_row][j] - n)
            if any(c < k for c in complements):
                reasons[(i, j)] = SuppressionReason.SMALL_COMPLEMENT
    return reasons


def _protect(grid: _Grid, reasons: dict[tuple[int, int], SuppressionReason], k: int) -> None:
    """Hide more until no line gives a hidden number away and none can be recomputed."""
    while True:
        if _complete_lines(grid, reasons, k):
            continue
        exposed = next(
            (cell for cell in sorted(reasons) if not _movable(grid, reasons, cell)), None
        )
        if exposed is None:
            return
        _hide_next_to(grid, reasons, exposed)


def _complete_lines(grid: _Grid, reasons: dict[tuple[int, int], SuppressionReason], k: int) -> bool:
    """Hide the next-smallest number in a line whose shown total would reveal one hidden
    number (total minus the others) or a hidden part smaller than the threshold."""
    changed = False
    for line in grid.lines():
        total = line[-1]
        if total in reasons:
            continue
        hidden = [cell for cell in line[:-1] if cell in reasons]
        if not hidden:
            continue
        hidden_sum = sum(grid.values[i][j] for i, j in hidden)
        if len(hidden) >= 2 and hidden_sum >= k:
            continue
        # Nothing else in the line to hide with it: then its total goes.
        visible = [cell for cell in line[:-1] if cell not in reasons] or [total]
        reasons[_smallest(grid, visible)] = SuppressionReason.COMPLEMENTARY
        changed = True
    return changed


def _smallest(grid: _Grid, cells: list[tuple[int, int]]) -> tuple[int, int]:
    return min(cells, key=lambda cell: (grid.values[cell[0]][cell[1]], cell))


def _hide_next_to(
    grid: _Grid, reasons: dict[tuple[int, int], SuppressionReason], cell: tuple[int, int]
) -> None:
    """Hide the smallest shown number in the cell's row or column; when both are all hidden,
    the grand total (with every total hidden around a cell, it can always move)."""
    i, j = cell
    row = [(i, c) for c in range(grid.width) if (i, c) not in reasons]
    column = [(r, j) for r in range(grid.height) if (r, j) not in reasons]
    candidates = row + column
    if not candidates:
        corner = (grid.height - 1, grid.width - 1)
        candidates = [corner] if corner not in reasons else []
    if not candidates:
        raise AssertionError("every number is hidden, yet one is recomputable")
    reasons[_smallest(grid, candidates)] = SuppressionReason.COMPLEMENTARY


def _movable(
    grid: _Grid, reasons: dict[tuple[int, int], SuppressionReason], start: tuple[int, int]
) -> bool:
    """Whether another table of non-negative whole numbers with the same shown numbers has
    ``start`` one more or one less: a cycle of hidden cells along which the numbers change by
    +1 and −1 in turn, keeping every row and column adding up.

    Inner cells add up to their totals, so along a cycle a total changes with the opposite
    sign to an inner cell of its line (and the grand total as an inner cell would). Rows and
    columns alternate on the cycle, so the change of every hidden cell follows from whether
    the cycle crosses it from its row to its column or back: reachability in a directed graph.
    """
    last_row, last_column = grid.height - 1, grid.width - 1

    def sign(cell: tuple[int, int]) -> int:
        i, j = cell
        return -1 if (i == last_row) != (j == last_column) else 1

    def can_change(cell: tuple[int, int], direction: int) -> bool:
        i, j = cell
        return sign(cell) * direction > 0 or grid.values[i][j] >= 1

    for direction in (1, -1):
        if not can_change(start, direction):
            continue
        # ``direction`` is the change of ``start`` counted with its sign (minus for a row or
        # column total): cells crossed from row to column change so too, the others opposite.
        row_to_column: dict[int, list[tuple[int, int]]] = {}
        column_to_row: dict[int, list[tuple[int, int]]] = {}
        for cell in reasons:
            if cell == start:
                continue
            if can_change(cell, direction):
                row_to_column.setdefault(cell[0], []).append(cell)
            if can_change(cell, -direction):
                column_to_row.setdefault(cell[1], []).append(cell)
        target_row, start_column = start
        seen_columns = {start_column}
        seen_rows: set[int] = set()
        queue: deque[tuple[str, int]] = deque([("column", start_column)])
        while queue:
            kind, index = queue.popleft()
            if kind == "column":
                for r, _ in column_to_row.get(index, []):
                    if r == target_row:
                        return True
                    if r not in seen_rows:
                        seen_rows.add(r)
                        queue.append(("row", r))
            else:
                for _, c in row_to_column.get(index, []):
                    if c not in seen_columns:
                        seen_columns.add(c)
                        queue.append(("column", c))
    return False
