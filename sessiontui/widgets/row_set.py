"""The rows of the session table and the filtered, sorted view of them. Pure; no Textual.

Everything here is a plain pass over Python lists with keys computed once per row, so 100,000
rows filter and sort in tens of milliseconds. Hot loops avoid hashing enum members (a
Python-level `__hash__`) by looking states up by `id()`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from operator import attrgetter

from sessiontui.model import SessionRow, SessionState
from sessiontui.widgets.session_columns import column, filter_text

_KEY = attrgetter("key")


class RowSet:
    """Rows keyed by `SessionRow.key`, with a text filter, a state filter and a sort column."""

    def __init__(self, sort: str = "state", reverse: bool = False) -> None:
        column(sort)  # fail early on a bad column key
        self.sort_key = sort
        self.reverse = reverse
        self.text = ""  # case-folded filter text; "" shows every row
        self.states: frozenset[SessionState] | None = None  # None shows every state
        self.show_hidden = False  # rows the bot's own pickers hide (Session.hidden) are left out
        self.hidden_count = 0  # rows left out for that at the last rebuild
        self.rows: list[SessionRow] = []
        self.view: list[SessionRow] = []
        self._haystacks: dict[str, tuple[object, str]] = {}

    def set_rows(self, rows: Sequence[SessionRow]) -> None:
        self.rows = list(rows)
        if len(self._haystacks) > 2 * len(self.rows) + 1024:
            self._haystacks.clear()  # forget sessions long gone

    def set_sort(self, column_key: str, reverse: bool) -> None:
        column(column_key)
        self.sort_key, self.reverse = column_key, reverse

    def set_text(self, text: str) -> None:
        self.text = text.strip().casefold()

    def set_states(self, states: Collection[SessionState] | None) -> None:
        self.states = None if states is None else frozenset(SessionState(s) for s in states)

    def rebuild(self) -> list[SessionRow]:
        """Filter, then sort: the new view."""
        self.view = self._sorted(self._filtered())
        return self.view

    def find(self, uid: str, hint: int) -> int | None:
        """The index of `uid` in the view: `hint` when it did not move, else a C-speed scan."""
        view = self.view
        if 0 <= hint < len(view) and view[hint].key == uid:
            return hint
        try:
            return list(map(_KEY, view)).index(uid)  # about 10x faster than a Python loop
        except ValueError:
            return None

    def _haystack(self, row: SessionRow) -> str:
        """The filter text of a row, cached while its session object is the same."""
        cached = self._haystacks.get(row.key)
        if cached is not None and cached[0] is row.session:
            return cached[1]
        text = filter_text(row)
        self._haystacks[row.key] = (row.session, text)
        return text

    def _filtered(self) -> list[SessionRow]:
        rows = self.rows
        if not self.show_hidden:
            shown = [row for row in rows if not row.session.hidden]
            self.hidden_count = len(rows) - len(shown)
            rows = shown
        else:
            self.hidden_count = 0
        if self.states is not None:
            ids = {id(state) for state in self.states}
            rows = [row for row in rows if id(row.verdict.state) in ids]
        if self.text:
            needle, haystack = self.text, self._haystack
            rows = [row for row in rows if needle in haystack(row)]
        return rows

    def _sorted(self, rows: list[SessionRow]) -> list[SessionRow]:
        """A plain, stable Python sort; rows without a value go last in both directions."""
        col, reverse = column(self.sort_key), self.reverse
        fn = col.sort_key
        if col.total:
            return sorted(rows, key=fn, reverse=reverse)
        # (missing?, value): tuples that tie on a missing value never compare None with None.
        if reverse:
            return sorted(rows, key=lambda row: ((v := fn(row)) is not None, v), reverse=True)
        return sorted(rows, key=lambda row: ((v := fn(row)) is None, v))
