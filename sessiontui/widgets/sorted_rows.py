"""Rows kept sorted by one column, changed a row at a time, and built a slice at a time. Pure.

`SortedRows` holds the rows in display order with their sort keys (and, once made, their filter
haystacks), so a changed row is taken out and put back by `bisect` instead of sorting again.
`SortBuilder` sorts rows for a column in small steps (keys a slice at a time, sorted runs, one
Timsort over the runs, the result a slice at a time), so an order can be made ready while the
operator reads the screen without holding the event loop for longer than a step.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import attrgetter, is_
from typing import Any

from sessiontui.model import SessionRow
from sessiontui.widgets.session_columns import column

SortKey = Callable[[SessionRow], Any]
_KEY = attrgetter("key")


class _Missing:
    """Sorts after every value: rows without one go last in an ascending view."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return not isinstance(other, _Missing)


class _MissingLow:
    """Sorts before every value: rows without one go last in a descending view."""

    def __lt__(self, other: object) -> bool:
        return not isinstance(other, _MissingLow)

    def __gt__(self, other: object) -> bool:
        return False


_MISSING, _MISSING_LOW = _Missing(), _MissingLow()


def key_function(column_key: str, reverse: bool) -> SortKey:
    """The column's sort key, with a missing value replaced by one that sorts last."""
    col = column(column_key)
    if col.total:
        return col.sort_key
    fn, missing = col.sort_key, _MISSING_LOW if reverse else _MISSING
    return lambda row: missing if (value := fn(row)) is None else value


class SortedRows:
    """Rows in the order of one column (`reverse`: descending), with their keys and haystacks."""

    __slots__ = ("column", "edits", "hays", "key", "keys", "reverse", "rows")

    def __init__(
        self,
        column_key: str,
        reverse: bool,
        rows: list[SessionRow],
        keys: list[Any],
        hays: list[str] | None = None,
    ) -> None:
        self.column, self.reverse = column_key, reverse
        self.key = key_function(column_key, reverse)
        self.rows, self.keys, self.hays = rows, keys, hays
        self.edits = 0  # rows taken out or put in so far

    @property
    def order(self) -> tuple[str, bool]:
        return self.column, self.reverse

    def index(self, row: SessionRow) -> int | None:
        """Where the row version `row` sits: bisect to the rows with its key, then a C-level
        scan among them (the Store column gives thousands the same key)."""
        start, end = self._span(self.key(row))
        rows = self.rows
        for index in range(start, min(end, start + 8)):
            if rows[index] is row:
                return index
        if end - start <= 8:
            return None
        try:
            return start + 8 + list(map(is_, rows[start + 8 : end], repeat(row))).index(True)
        except ValueError:
            return None

    def find(self, version: SessionRow) -> int | None:
        """Where a row of `version`'s session sits, if it has `version`'s sort key."""
        start, end = self._span(self.key(version))
        try:
            return start + list(map(_KEY, self.rows[start:end])).index(version.key)
        except ValueError:
            return None

    def _span(self, key: Any) -> tuple[int, int]:
        """The indices of the rows whose key equals `key`."""
        keys = self.keys
        if not self.reverse:
            return bisect_left(keys, key), bisect_right(keys, key)
        backwards, n = _Reversed(keys), len(keys)
        return n - bisect_right(backwards, key), n - bisect_left(backwards, key)

    def remove(self, row: SessionRow) -> None:
        """Take the row version `row` out, if it is here."""
        index = self.index(row)
        if index is not None:
            self.edits += 1
            del self.rows[index]
            del self.keys[index]
            if self.hays is not None:
                del self.hays[index]

    def insert(self, row: SessionRow, hay: Callable[[SessionRow], str]) -> None:
        """Put `row` in its place (after the rows with an equal key)."""
        key, keys = self.key(row), self.keys
        if not self.reverse:
            index = bisect_right(keys, key)
        else:  # descending: the first place whose key is smaller
            index = len(keys) - bisect_left(_Reversed(keys), key)
        self.edits += 1
        self.rows.insert(index, row)
        keys.insert(index, key)
        if self.hays is not None:
            self.hays.insert(index, hay(row))


class SortBuilder:
    """Sorts `rows` by a column in steps of about `step` rows each; `done` once `result` is set."""

    def __init__(
        self,
        column_key: str,
        reverse: bool,
        rows: Sequence[SessionRow],
        step: int = 8000,
        hays: Sequence[str] | None = None,
    ) -> None:
        self.order = (column_key, reverse)
        self.result: SortedRows | None = None
        self._rows = rows
        self._hays = hays  # the rows' filter haystacks, if made: put in the same order
        self._step = step
        self._stages = self._work()

    @property
    def done(self) -> bool:
        return self.result is not None

    def advance(self) -> bool:
        """Do one step; True while steps remain."""
        if self.result is None:
            next(self._stages, None)
        return self.result is None

    def finish(self) -> SortedRows:
        """Do every remaining step at once."""
        while self.advance():
            pass
        assert self.result is not None
        return self.result

    def _work(self) -> Iterator[None]:
        """Keys a slice at a time; each slice's order sorted on its own; then those sorted runs
        merged two neighbours at a time (Timsort merges the two runs it finds in a few
        comparisons per row; neighbours, so rows of equal keys keep their order); then the rows
        and keys put in that order a slice at a time."""
        column_key, reverse = self.order
        key, rows, step = key_function(column_key, reverse), self._rows, self._step
        keys: list[Any] = []
        for start in range(0, len(rows), step):
            keys += map(key, rows[start : start + step])
            yield
        get = keys.__getitem__
        runs: list[list[int]] = []
        for start in range(0, len(rows), step):
            runs.append(
                sorted(range(start, min(start + step, len(rows))), key=get, reverse=reverse)
            )
            yield
        while len(runs) > 1:  # neighbours merged a pair per step (one sort of all took 30-55 ms)
            merged = []
            for first, second in zip(runs[::2], runs[1::2], strict=False):
                first += second
                first.sort(key=get, reverse=reverse)  # Timsort merges the two runs it finds
                merged.append(first)
                yield
            runs = merged + runs[len(merged) * 2 :]
        order = runs[0] if runs else []
        sorted_rows: list[SessionRow] = []
        sorted_keys: list[Any] = []
        hays = self._hays
        sorted_hays: list[str] | None = None if hays is None else []
        for start in range(0, len(order), 4 * step):
            part = order[start : start + 4 * step]
            sorted_rows += [rows[i] for i in part]
            sorted_keys += [keys[i] for i in part]
            if hays is not None and sorted_hays is not None:
                sorted_hays += [hays[i] for i in part]
            yield
        self.result = SortedRows(column_key, reverse, sorted_rows, sorted_keys, sorted_hays)


class _Reversed(Sequence[Any]):
    """A descending list seen back to front (ascending), for bisect."""

    def __init__(self, keys: list[Any]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self._keys[len(self._keys) - 1 - index]
