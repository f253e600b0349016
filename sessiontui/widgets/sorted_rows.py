"""Rows kept sorted by one column, changed a row at a time, and built a slice at a time. Pure.

`SortedRows` holds the rows in display order with their sort keys (and, once made, their filter
haystacks), so a changed row is taken out and put back by `bisect` instead of sorting again.
`SortBuilder` sorts rows for a column in small steps (keys a slice at a time, sorted runs, then a
merge a slice at a time), so an order can be made ready while the operator reads the screen
without holding the event loop for longer than a step.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any

from sessiontui.model import SessionRow
from sessiontui.widgets.session_columns import column

SortKey = Callable[[SessionRow], Any]


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

    __slots__ = ("column", "hays", "key", "keys", "reverse", "rows")

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

    @property
    def order(self) -> tuple[str, bool]:
        return self.column, self.reverse

    def index(
        self, row: SessionRow, same: Callable[[SessionRow], bool] | None = None
    ) -> int | None:
        """Where the row version `row` sits (or, with `same`, a row `same` accepts among the rows
        with `row`'s key); found by bisect, then among equal keys."""
        key, keys, rows = self.key(row), self.keys, self.rows
        if not self.reverse:
            start = bisect_left(keys, key)
        else:
            start = len(keys) - bisect_right(_Reversed(keys), key)
        for index in range(start, len(rows)):
            if keys[index] != key:
                break
            if rows[index] is row if same is None else same(rows[index]):
                return index
        return None

    def remove(self, row: SessionRow) -> None:
        """Take the row version `row` out, if it is here."""
        index = self.index(row)
        if index is not None:
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
        self.rows.insert(index, row)
        keys.insert(index, key)
        if self.hays is not None:
            self.hays.insert(index, hay(row))


class SortBuilder:
    """Sorts `rows` by a column in steps of about `step` rows each; `done` once `result` is set."""

    def __init__(
        self, column_key: str, reverse: bool, rows: Sequence[SessionRow], step: int = 8000
    ) -> None:
        self.order = (column_key, reverse)
        self.result: SortedRows | None = None
        self._rows = rows
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
        column_key, reverse = self.order
        key, rows, step = key_function(column_key, reverse), self._rows, self._step
        keys: list[Any] = []
        for start in range(0, len(rows), step):
            keys += map(key, rows[start : start + step])
            yield
        get = keys.__getitem__
        runs = []
        for start in range(0, len(rows), step):
            runs.append(
                sorted(range(start, min(start + step, len(rows))), key=get, reverse=reverse)
            )
            yield
        merged = (
            heapq.merge(*runs, key=get, reverse=reverse)
            if len(runs) > 1
            else iter(runs[0] if runs else ())
        )
        order: list[int] = []
        while True:
            before = len(order)
            order += islice(merged, step)
            if len(order) == before:
                break
            yield
        sorted_rows: list[SessionRow] = []
        sorted_keys: list[Any] = []
        for start in range(0, len(order), step):
            part = order[start : start + step]
            sorted_rows += [rows[i] for i in part]
            sorted_keys += [keys[i] for i in part]
            yield
        self.result = SortedRows(column_key, reverse, sorted_rows, sorted_keys)


class _Reversed(Sequence[Any]):
    """A descending list seen back to front (ascending), for bisect."""

    def __init__(self, keys: list[Any]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self._keys[len(self._keys) - 1 - index]
