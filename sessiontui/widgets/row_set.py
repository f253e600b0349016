"""The rows of the session table and the filtered, sorted view of them. Pure; no Textual.

Work follows change. A tick that changed a few rows takes their old versions (`RowChange.before`)
out of the sorted order and puts the new ones in by `bisect`, instead of sorting every row again,
and adjusts the hidden count by those rows alone. Sort keys and filter haystacks are computed
once per row version. The order for the next column in the `o` cycle is made in small steps
while the operator reads (`prepare`), from the shown one with its haystacks carried along, and
kept current like the shown one, so the key only swaps it in. Filtering never sorts: a filter text that grew narrows the previous result, any other
text filters the kept, sorted rows, and clearing it (Esc) shows them again as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from itertools import compress, repeat
from operator import attrgetter, contains
from typing import Any

from sessiontui.live.classified_rows import RowChange
from sessiontui.model import SessionRow, SessionState
from sessiontui.widgets.filter_query import Term, field_text, haystack, matches, narrows, parse
from sessiontui.widgets.session_columns import COLUMN_KEYS, column
from sessiontui.widgets.sorted_rows import SortBuilder, SortedRows, key_function

_KEY = attrgetter("key")
_INCREMENTAL_UP_TO = 2000  # changed rows: above this, one full sort is cheaper than many inserts
_AHEAD = 2  # orders made ahead for the `o` cycle: a press while the next is made still waits
_SPARES = _AHEAD + 1  # sorted orders kept besides the shown one (those ahead, the last shown)
_KEY_SCAN = 20_000  # rows a typed filter letter scans at most; the rest are counted while idle


class RowSet:
    """Rows keyed by `SessionRow.key`, with a text filter, a state filter and a sort column."""

    def __init__(self, sort: str = "state", reverse: bool = False) -> None:
        column(sort)  # fail early on a bad column key
        self.sort_key = sort
        self.reverse = reverse
        self.text = ""  # the filter text as typed; "" shows every row
        self.states: frozenset[SessionState] | None = None  # None shows every state
        self.show_hidden = False  # rows the bot's own pickers hide (Session.hidden) are left out
        self.rows: Sequence[SessionRow] = ()
        self.view: list[SessionRow] = []
        self._hidden: tuple[Sequence[SessionRow], int] | None = None  # (rows, how many hidden)
        self._terms: tuple[Term, ...] = ()
        # each row's filter haystack and the version it was made from, in two dicts rather than
        # one of (row, text) pairs: 100k tuples fewer for every full garbage collection to walk
        # (a dict of str to str is not tracked by the collector at all)
        self._hay: dict[str, str] = {}
        self._hay_of: dict[str, SessionRow] = {}
        self._plain: SortedRows | None = None  # sorted, state-filtered, no text filter
        self._shown: SortedRows | None = None  # the view: `_plain`, or the rows passing the text
        self._spares: dict[tuple[str, bool], SortedRows] = {}  # other orders, kept current
        self._building: SortBuilder | None = None  # an order being made, a step at a time
        self._built_since: list[tuple[SessionRow | None, SessionRow | None]] = []
        self._old: (
            dict[str, SessionRow | None] | None
        ) = {}  # uid -> version in the orders; None: all
        self._new: dict[str, SessionRow | None] = {}  # uid -> its latest version (None: removed)
        self._text_move = ""  # "narrow", "restore", "refilter" or "" (no change of text)
        self._unwarmed: list[SessionRow] = []
        self._hays_made: tuple[SortedRows, int, list[str]] | None = None  # (order, edits, hays)
        # a filter still counting: the rows still to scan, in display order, as (rows, from)
        # stages: the view holds the matches of what came before; the rest are scanned in idle
        # steps (a filter narrowing one still counting scans that one's rows, then its stages)
        self._counting: list[tuple[SortedRows, int]] | None = None
        # views a key replaced (a filter's matches, once cleared or narrowed): their lists are
        # freed by the next `warm` step, after the key's frame, not inside the key (dropping a
        # filter's 30k-row lists took ~0.3 ms of each `Esc`)
        self._retired: list[SortedRows] = []

    # ----------------------------------------------------------------- inputs

    def set_rows(self, rows: Sequence[SessionRow], change: RowChange | None = None) -> None:
        """Take a new snapshot. `change` (what changed since the rows last given, with the old
        versions) lets the changed rows move to their places instead of everything being
        filtered and sorted again."""
        previous, self.rows = self.rows, rows
        if (
            change is None
            or not change.versioned
            or self._old is None
            or len(self._new) + len(change.changed) + len(change.gone) > _INCREMENTAL_UP_TO
        ):
            self._old, self._new = None, {}  # (the hidden rows are counted as they are left out)
            self._unwarmed = list(rows)
            if len(self._hay) > 2 * len(rows) + 1024:
                self._hay.clear()  # forget sessions long gone
                self._hay_of.clear()
            return
        hidden = self._hidden
        if hidden is not None and hidden[0] is previous:
            self._hidden = (rows, hidden[1] + _hidden_delta(change))
        old, new = self._old, self._new
        for before, row in zip(change.before, change.changed, strict=True):
            old.setdefault(row.key, before)
            new[row.key] = row
        for row in change.gone:
            old.setdefault(row.key, row)
            new[row.key] = None
        self._unwarmed += change.changed

    def set_sort(self, column_key: str, reverse: bool) -> None:
        column(column_key)
        self.sort_key, self.reverse = column_key, reverse

    def set_text(self, text: str) -> None:
        terms = parse(text)
        self.text = text
        if terms == self._terms:
            return
        if not terms:
            move = "restore"
        elif self._text_move in ("", "narrow") and narrows(self._terms, terms):
            move = "narrow"
        else:
            move = "refilter"
        self._text_move, self._terms = move, terms

    def set_states(self, states: Collection[SessionState] | None) -> None:
        self.states = None if states is None else frozenset(SessionState(s) for s in states)
        self._old = None

    def set_show_hidden(self, show: bool) -> None:
        self.show_hidden = show
        self._old = None

    # ----------------------------------------------------------------- the view

    def rebuild(self, enough: int | None = None) -> list[SessionRow]:
        """Bring the view up to date with the least work the inputs allow. `enough`: a text
        filter may stop once it found that many rows (a screenful); `warm` counts the rest,
        and the view grows in place meanwhile (`counting`)."""
        move, self._text_move = self._text_move, ""
        if self._old is None or self._plain is None:
            self._full()
            return self.view
        shown = self._shown
        if self._old or self._new:
            self._apply_changes()
        if self._plain.order != (self.sort_key, self.reverse):
            self._resort()
            move = "refilter"
        if move == "restore" or (move and not self._terms):
            self._shown, self._counting = self._plain, None
        elif move == "narrow" and self._shown is not None:
            self._shown = self._filter(self._shown, enough)
        elif move:
            self._counting = None
            self._shown = self._filter(self._plain, enough)
        if enough is None:
            self.count_all()
        if shown is not None and shown is not self._shown:
            self._retired.append(shown)
        self.view = (self._shown or self._plain).rows
        return self.view

    @property
    def counting(self) -> bool:
        """Whether the view is a text filter's first rows, the rest still being counted."""
        return self._counting is not None

    def warm(self, limit: int = 5000) -> bool:
        """Idle work, a step of about `limit` rows at a time: views a key replaced let go,
        filter haystacks for new rows and for the shown order (so the first `/` letter only
        scans), then the order the next `o` shows. True while some remain."""
        if self._retired:
            self._retired.clear()
            return True
        if self._counting is not None and self._shown is not None:
            self._scan(self._shown, None, 4 * limit)
            return True
        if self._unwarmed:
            rows, self._unwarmed = self._unwarmed[:limit], self._unwarmed[limit:]
            hay = self._haystack
            for row in rows:
                hay(row)
            return True
        return self._warm_haystacks(2 * limit) or self._prepare_next(2 * limit)

    def find(self, uid: str, hint: int, row: SessionRow | None = None) -> int | None:
        """The index of `uid` in the view: `hint` when it did not move; else found by the sort
        key of `row` (a version of that session) or of its latest version; else a C-speed scan."""
        view = self.view
        if 0 <= hint < len(view) and view[hint].key == uid:
            return hint
        self.count_all()  # (the session may be among the rows not counted yet)
        if self._terms and self._shown is not self._plain:
            latest = self._latest(uid)  # every row a filter let through has its haystack made
            if latest is None or not self._passes(latest, True):
                return None  # filtered out: no scan of the view
        shown = self._shown or self._plain
        if shown is not None:
            for version in (row, self._latest(uid)):
                if version is not None and version.key == uid:
                    # by identity first: pointers compared, no row read (among 100k rows of
                    # one Store key, reading each row's key took 85-120 ms of an `o`)
                    index = shown.index(version)
                    if index is None:
                        index = shown.find(version)
                    if index is not None:
                        return index
        try:
            return list(map(_KEY, view)).index(uid)  # about 10x faster than a Python loop
        except ValueError:
            return None

    def sort_key_of(self, row: SessionRow) -> Any:
        """The row's key in the current order."""
        return key_function(self.sort_key, self.reverse)(row)

    @property
    def unfiltered_count(self) -> int:
        """Rows the view would show without the text filter (as last rebuilt)."""
        return 0 if self._plain is None else len(self._plain.rows)

    @property
    def hidden_count(self) -> int:
        """Rows left out because the bots' own pickers hide them (0 while they are shown)."""
        if self.show_hidden:
            return 0
        if self._hidden is None or self._hidden[0] is not self.rows:
            self._hidden = (self.rows, sum(1 for row in self.rows if row.session.hidden))
        return self._hidden[1]

    # ----------------------------------------------------------------- internals

    def _latest(self, uid: str) -> SessionRow | None:
        return self._hay_of.get(uid)

    def _kept(self) -> list[SessionRow]:
        """The rows passing the state and hidden filters, in the order given."""
        rows: Iterable[SessionRow] = self.rows
        if not self.show_hidden:
            rows = [row for row in self.rows if not row.session.hidden]
            self._hidden = (self.rows, len(self.rows) - len(rows))  # (no second pass to count)
        if self.states is not None:
            ids = {id(state) for state in self.states}
            rows = [row for row in rows if id(row.verdict.state) in ids]
        return rows if isinstance(rows, list) else list(rows)

    def _full(self) -> None:
        kept = self._kept()
        self._plain = SortBuilder(self.sort_key, self.reverse, kept, max(1, len(kept))).finish()
        self._spares.clear()
        self._building = None
        self._old, self._new, self._counting = {}, {}, None
        self._shown = self._filter(self._plain) if self._terms else self._plain
        self.view = self._shown.rows

    def _resort(self) -> None:
        """Show the current column's order: a spare one made before, else sorted now."""
        assert self._plain is not None
        wanted = (self.sort_key, self.reverse)
        spare = self._spares.pop(wanted, None)
        building = self._building
        if spare is None and building is not None and building.order == wanted:
            spare = self._take_built(building.finish())
        if spare is None:
            spare = self._builder(wanted, len(self._plain.rows) + 1).finish()
        self._spares[self._plain.order] = self._plain
        while len(self._spares) > _SPARES:
            del self._spares[next(iter(self._spares))]
        self._plain = spare

    def _prepare_next(self, step: int) -> bool:
        """A step towards the orders the `o` key shows next (`_AHEAD` of them, the nearest
        first); True while steps remain."""
        if self._plain is None:
            return False
        at = COLUMN_KEYS.index(self.sort_key)
        ahead = [(COLUMN_KEYS[(at + n) % len(COLUMN_KEYS)], False) for n in range(1, _AHEAD + 1)]
        missing = [o for o in ahead if o not in self._spares and o != self._plain.order]
        if not missing:
            return False
        wanted, building = missing[0], self._building
        if building is None or building.order != wanted:
            self._building = self._builder(wanted, step)
            self._built_since = []
            return True
        if building.advance():
            return True
        self._spares[wanted] = self._take_built(building.finish())
        for order in [o for o in self._spares if o not in ahead]:  # the oldest shown go first
            if len(self._spares) <= _SPARES:
                break
            del self._spares[order]
        return len(missing) > 1

    def _builder(self, order: tuple[str, bool], step: int) -> SortBuilder:
        """The shown rows sorted again by `order`, their haystacks (if made) carried along:
        copies, as the shown order changes while the new one is made."""
        plain = self._plain
        assert plain is not None
        hays = None if plain.hays is None else list(plain.hays)
        return SortBuilder(*order, list(plain.rows), max(1, step), hays)

    def _take_built(self, built: SortedRows) -> SortedRows:
        """A finished order, brought up to date with the changes made while it was built."""
        self._building = None
        for old, new in self._built_since:
            if old is not None:
                built.remove(old)
            if new is not None and self._passes(new, False):
                built.insert(new, self._haystack)
        self._built_since = []
        return built

    def _apply_changes(self) -> None:
        """Move the changed rows to their places in every kept order and the view."""
        self.count_all()  # a changed row goes to its place among every row that passes
        versions = self._old
        assert versions is not None
        pairs = [(versions[uid], new) for uid, new in self._new.items()]
        self._old, self._new = {}, {}
        if len(pairs) > _INCREMENTAL_UP_TO:
            self._full()
            return
        assert self._plain is not None
        orders = [self._plain, *self._spares.values()]
        if self._shown is not None and self._shown is not self._plain:
            orders.append(self._shown)
        for order in orders:
            text = order is self._shown and order is not self._plain
            for old, new in pairs:
                if old is not None:
                    order.remove(old)
                if new is not None and self._passes(new, text):
                    order.insert(new, self._haystack)
        if self._building is not None:
            self._built_since += pairs

    def _plain_haystacks(self) -> list[str]:
        plain = self._plain
        assert plain is not None
        while plain.hays is None:
            self._warm_haystacks(len(plain.rows) + 1)
        return plain.hays

    def _warm_haystacks(self, step: int) -> bool:
        """A step towards the haystacks of the shown order; True while steps remain."""
        plain = self._plain
        if plain is None or plain.hays is not None:
            return False
        made = self._hays_made
        if made is None or made[0] is not plain or made[1] != plain.edits:
            made = self._hays_made = (plain, plain.edits, [])  # (again, if the order moved)
        hays = made[2]
        hay = self._haystack
        hays += [hay(row) for row in plain.rows[len(hays) : len(hays) + step]]
        if len(hays) < len(plain.rows):
            return True
        plain.hays, self._hays_made = hays, None
        return False

    def _filter(self, source: SortedRows, enough: int | None = None) -> SortedRows:
        """The rows of `source` passing every term, with their keys and haystacks: plain words
        in one C-level pass over the haystacks each (`compress` over `map(contains, ...)`).
        With `enough`, the rows are scanned only until that many are found (or `_KEY_SCAN`
        rows were scanned), and `warm` counts the rest; a filter narrowing one that is still
        counting scans that one's rows, then what it had left."""
        if source is self._plain:
            self._plain_haystacks()
            left: list[tuple[SortedRows, int]] = []
        else:
            left = self._counting or []
        self._counting = [(source, 0), *left]
        shown = SortedRows(source.column, source.reverse, [], [], [])
        self._scan(shown, enough, None if enough is None else _KEY_SCAN)
        return shown

    def _scan(self, shown: SortedRows, enough: int | None, most: int | None = None) -> None:
        """Add to `shown` the matches of the rows not scanned yet, in order, until it holds
        `enough` rows (None: every match) or `most` rows were scanned."""
        stages = self._counting
        if stages is None:
            return
        assert shown.hays is not None
        budget = 1 << 62 if most is None else most
        step = budget if enough is None else 4 * enough  # (then 4 times more at each step)
        while stages and budget > 0 and (enough is None or len(shown.rows) < enough):
            source, start = stages[0]
            assert source.hays is not None
            stop = min(len(source.rows), start + step, start + budget)
            rows, keys, hays = self._matching(
                source.rows[start:stop], source.keys[start:stop], source.hays[start:stop]
            )
            shown.rows += rows
            shown.keys += keys
            shown.hays += hays
            budget -= stop - start
            step *= 4
            if stop >= len(source.rows):
                del stages[0]
            else:
                stages[0] = (source, stop)
        if not stages:
            self._counting = None

    def count_all(self) -> None:
        """Count the rest of a filter still counting, at once."""
        if self._counting is not None and self._shown is not None:
            self._scan(self._shown, None)

    def _matching(
        self, rows: list[SessionRow], keys: list[Any], hays: list[str]
    ) -> tuple[list[SessionRow], list[Any], list[str]]:
        """The rows (with their keys and haystacks) passing every term."""
        for term in self._terms:
            if term.field is None:
                mask: list[bool] = list(map(contains, hays, repeat(term.value)))
            else:
                mask = [term.value in field_text(row, term.field) for row in rows]
            if all(mask):  # (the first letter often matches every row: nothing to take out)
                continue
            rows, keys, hays = (
                list(compress(rows, mask)),
                list(compress(keys, mask)),
                list(compress(hays, mask)),
            )
        return rows, keys, hays

    def _passes(self, row: SessionRow, text: bool) -> bool:
        if row.session.hidden and not self.show_hidden:
            return False
        if self.states is not None and row.verdict.state not in self.states:
            return False
        return not text or matches(self._terms, row, self._haystack(row))

    def _haystack(self, row: SessionRow) -> str:
        """The filter text of a row, computed once per row version."""
        key = row.key
        if self._hay_of.get(key) is row:
            return self._hay[key]
        text = self._hay[key] = haystack(row)
        self._hay_of[key] = row
        return text


def _hidden_delta(change: RowChange) -> int:
    """How the count of hidden rows moves with `change`."""
    gained = sum(1 for row in change.changed if row.session.hidden)
    lost = sum(1 for row in change.before if row is not None and row.session.hidden)
    return gained - lost - sum(1 for row in change.gone if row.session.hidden)
