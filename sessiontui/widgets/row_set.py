"""The rows of the session table and the filtered, sorted view of them. Pure; no Textual.

Work follows change: a sort key and a filter haystack are computed once per row version (a row
is replaced whenever its session, verdict or burn changes); a tick that changed a few rows moves
just those rows to their sorted places (`bisect`) instead of sorting all of them again; a filter
text that only grew narrows the previous result; the unfiltered view is kept while a filter is
shown, so clearing the filter (Esc) restores it without recomputation.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import compress, repeat
from operator import attrgetter, contains
from typing import Any

from sessiontui.live.classified_rows import RowChange
from sessiontui.model import SessionRow, SessionState
from sessiontui.widgets.filter_query import Term, field_text, haystack, matches, narrows, parse
from sessiontui.widgets.session_columns import column

_KEY = attrgetter("key")
_INCREMENTAL_UP_TO = 2000  # changed rows: above this, one full sort is cheaper than many inserts


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


class RowSet:
    """Rows keyed by `SessionRow.key`, with a text filter, a state filter and a sort column."""

    def __init__(self, sort: str = "state", reverse: bool = False) -> None:
        column(sort)  # fail early on a bad column key
        self.sort_key = sort
        self.reverse = reverse
        self.text = ""  # the filter text as typed; "" shows every row
        self.states: frozenset[SessionState] | None = None  # None shows every state
        self.show_hidden = False  # rows the bot's own pickers hide (Session.hidden) are left out
        self._hidden: tuple[Sequence[SessionRow], int] | None = None  # (rows, how many hidden)
        self.rows: Sequence[SessionRow] = ()
        self.view: list[SessionRow] = []
        self._terms: tuple[Term, ...] = ()
        self._hay: dict[str, tuple[SessionRow, str]] = {}
        self._sort_keys: dict[str, Any] = {}  # uid -> sort key of the row version in `_versions`
        self._versions: dict[str, SessionRow] = {}  # uid -> the row version the key was made for
        self._plain: list[SessionRow] | None = None  # sorted, state-filtered, no text filter
        self._view_keys: list[Any] = []  # sort keys of `view` (bisect needs them)
        self._plain_keys: list[Any] = []
        self._plain_hays: list[str] | None = None  # haystacks of `_plain`, made on the first filter
        self._view_hays: list[str] = []  # haystacks of `view` while a text filter is on
        self._pending: list[SessionRow] | None = None  # changed rows to place; None: rebuild all
        self._removed: frozenset[str] = frozenset()
        self._narrow_from: list[SessionRow] | None = None  # a text that grew: filter these
        self._unwarmed: list[SessionRow] = []

    # ----------------------------------------------------------------- inputs

    def set_rows(self, rows: Sequence[SessionRow], change: RowChange | None = None) -> None:
        """Take a new snapshot. `change` (what changed since the rows last given) lets a few
        changed rows move to their places instead of everything being filtered and sorted."""
        self.rows = rows
        if (
            change is None
            or change.reordered
            or self._pending is None
            or len(change.changed) + len(self._pending) > _INCREMENTAL_UP_TO
        ):
            self._pending = None
            self._unwarmed = list(rows)
            if len(self._hay) > 2 * len(rows) + 1024:
                self._hay.clear()  # forget sessions long gone
        else:
            self._pending += change.changed
            self._removed |= change.removed
            self._unwarmed += change.changed

    def set_sort(self, column_key: str, reverse: bool) -> None:
        column(column_key)
        if (column_key, reverse) != (self.sort_key, self.reverse):
            self._sort_keys.clear()
            self._versions.clear()
        self.sort_key, self.reverse = column_key, reverse
        self._pending = None

    def set_text(self, text: str) -> None:
        terms = parse(text)
        if terms == self._terms:
            self.text = text
            return
        if self._pending == [] and not self._removed and narrows(self._terms, terms):
            self._narrow_from = self.view  # (from no text at all: the kept, sorted rows)
        elif not terms and self._plain is not None and self._pending == [] and not self._removed:
            self._narrow_from = self._plain  # the view before the filter, kept: Esc restores it
        else:
            self._pending = None
        self.text, self._terms = text, terms

    def set_states(self, states: Collection[SessionState] | None) -> None:
        self.states = None if states is None else frozenset(SessionState(s) for s in states)
        self._pending = None

    def set_show_hidden(self, show: bool) -> None:
        self.show_hidden = show
        self._pending = None

    # ----------------------------------------------------------------- the view

    def rebuild(self) -> list[SessionRow]:
        """Bring the view up to date with the least work the inputs allow."""
        narrow, self._narrow_from = self._narrow_from, None
        if self._pending is None or (narrow is not None and (self._pending or self._removed)):
            self._full()
        elif narrow is not None and narrow is self._plain and not self._terms:  # Esc: the kept view
            self.view, self._view_keys = self._plain, self._plain_keys
        elif narrow is not None and narrow is self._plain:
            self.view, self._view_keys, self._view_hays = self._filter(
                self._plain, self._plain_keys, self._plain_haystacks()
            )
        elif narrow is not None:
            self.view, self._view_keys, self._view_hays = self._filter(
                narrow, self._view_keys, self._view_hays
            )
        elif self._pending or self._removed:
            self._place(self._pending, self._removed)
        self._pending, self._removed = [], frozenset()
        return self.view

    def warm(self, limit: int = 5000) -> bool:
        """Compute up to `limit` filter haystacks ahead of the first key; True while some remain."""
        rows, self._unwarmed = self._unwarmed[:limit], self._unwarmed[limit:]
        hay = self._haystack
        for row in rows:
            hay(row)
        if self._unwarmed:
            return True
        self._plain_haystacks()  # the list the first filter letter scans, made while idle
        return False

    def find(self, uid: str, hint: int) -> int | None:
        """The index of `uid` in the view: `hint` when it did not move, else a C-speed scan."""
        view = self.view
        if 0 <= hint < len(view) and view[hint].key == uid:
            return hint
        try:
            return list(map(_KEY, view)).index(uid)  # about 10x faster than a Python loop
        except ValueError:
            return None

    # ----------------------------------------------------------------- internals

    @property
    def hidden_count(self) -> int:
        """Rows left out because the bots' own pickers hide them (0 while they are shown)."""
        if self.show_hidden:
            return 0
        if self._hidden is None or self._hidden[0] is not self.rows:
            self._hidden = (self.rows, sum(1 for row in self.rows if row.session.hidden))
        return self._hidden[1]

    def _full(self) -> None:
        rows: Iterable[SessionRow] = self.rows
        if not self.show_hidden:
            rows = [row for row in rows if not row.session.hidden]
        if self.states is not None:
            ids = {id(state) for state in self.states}
            rows = [row for row in rows if id(row.verdict.state) in ids]
        rows = list(rows)
        keys = list(map(self._key_function(), rows))  # once per row version: kept for bisect
        uids = list(
            map(_KEY, rows)
        )  # two C-level dicts: no tuple per row (100k tuples cost a GC pass)
        self._sort_keys, self._versions = (
            dict(zip(uids, keys, strict=True)),
            dict(zip(uids, rows, strict=True)),
        )
        order = sorted(range(len(rows)), key=keys.__getitem__, reverse=self.reverse)
        self._plain = [rows[i] for i in order]
        self._plain_keys = [keys[i] for i in order]
        self._plain_hays = None
        if self._terms:
            self.view, self._view_keys, self._view_hays = self._filter(
                self._plain, self._plain_keys, self._plain_haystacks()
            )
        else:
            self.view, self._view_keys = self._plain, self._plain_keys

    def _plain_haystacks(self) -> list[str]:
        if self._plain_hays is None:
            self._plain_hays = [self._haystack(row) for row in self._plain or ()]
        return self._plain_hays

    def _filter(
        self, rows: list[SessionRow], keys: list[Any], hays: list[str]
    ) -> tuple[list[SessionRow], list[Any], list[str]]:
        """The rows passing every term, with their keys and haystacks: plain words in one C-level
        pass over the haystacks each (`compress` over `map(contains, ...)`)."""
        for term in self._terms:
            if term.field is None:
                mask: list[bool] = list(map(contains, hays, repeat(term.value)))
            else:
                mask = [term.value in field_text(row, term.field) for row in rows]
            rows, keys, hays = (
                list(compress(rows, mask)),
                list(compress(keys, mask)),
                list(compress(hays, mask)),
            )
        return rows, keys, hays

    def _place(self, changed: list[SessionRow], removed: frozenset[str]) -> None:
        """Take out the old versions of changed and removed rows, put the new ones in place."""
        latest = {row.key: row for row in changed}
        old = [
            cached
            for uid in removed | latest.keys()
            if (cached := self._versions.get(uid)) is not None
        ]
        views = [(self._plain, self._plain_keys, self._plain_hays, False)]
        if self.view is not self._plain:
            views.append((self.view, self._view_keys, self._view_hays, True))
        for view, keys, hays, _text in views:
            if view is None:
                continue
            for row in old:
                index = self._index_of(view, keys, row)
                if index is not None:
                    del view[index]
                    del keys[index]
                    if hays is not None:
                        del hays[index]
        for row in old:
            if row.key not in latest:
                del self._sort_keys[row.key]
                del self._versions[row.key]
        for view, keys, hays, text in views:
            if view is None:
                continue
            for row in latest.values():
                if self._passes(row, text):
                    key = self._sort_key(row)
                    index = self._slot(keys, key)
                    view.insert(index, row)
                    keys.insert(index, key)
                    if hays is not None:
                        hays.insert(index, self._haystack(row))

    def _index_of(self, view: list[SessionRow], keys: list[Any], row: SessionRow) -> int | None:
        """Where the row version `row` sits: among the rows with its sort key (found by bisect)."""
        key = self._sort_keys[row.key]
        if not self.reverse:
            start = bisect_left(keys, key)
        else:
            start = len(keys) - bisect_right(_Reversed(keys), key)
        for index in range(start, len(view)):
            if view[index] is row:
                return index
            if keys[index] != key:
                break
        return None

    def _slot(self, keys: list[Any], key: Any) -> int:
        """Where `key` goes in `keys` (after its equals), ascending or descending."""
        if not self.reverse:
            return bisect_right(keys, key)
        # Descending: the first place whose key is smaller, i.e. after every key >= `key`.
        return len(keys) - bisect_left(_Reversed(keys), key)

    def _passes(self, row: SessionRow, text: bool) -> bool:
        if row.session.hidden and not self.show_hidden:
            return False
        if self.states is not None and row.verdict.state not in self.states:
            return False
        return not text or matches(self._terms, row, self._haystack(row))

    def _haystack(self, row: SessionRow) -> str:
        """The filter text of a row, computed once per row version."""
        cached = self._hay.get(row.key)
        if cached is not None and cached[0] is row:
            return cached[1]
        text = haystack(row)
        self._hay[row.key] = (row, text)
        return text

    def _sort_key(self, row: SessionRow) -> Any:
        """The row's sort key for the current column, computed once per row version."""
        if self._versions.get(row.key) is row:
            return self._sort_keys[row.key]
        key = self._key_function()(row)
        self._sort_keys[row.key], self._versions[row.key] = key, row
        return key

    def _key_function(self) -> Callable[[SessionRow], Any]:
        """The sort column's key, with a missing value replaced by one that sorts last."""
        col = column(self.sort_key)
        if col.total:
            return col.sort_key
        fn, missing = col.sort_key, _MISSING_LOW if self.reverse else _MISSING
        return lambda row: missing if (value := fn(row)) is None else value


_MISSING, _MISSING_LOW = _Missing(), _MissingLow()


class _Reversed(Sequence[Any]):
    """A descending list seen back to front (ascending), for bisect."""

    def __init__(self, keys: list[Any]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self._keys[len(self._keys) - 1 - index]
