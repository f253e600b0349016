"""The fleet's rows, kept current with work proportional to what changed, not to the fleet's size.

Every session carries the next moment its row could read differently with nothing written: the
earliest time threshold its verdict crosses (`verdict_valid_until`) or a call entering or leaving
its burn window (`burn_valid_until`). Those moments wait in a priority queue. A tick then
reclassifies only the sessions a store handed back as new objects (stores keep an unchanged
session as the same object) and those whose moment came; burn rates are computed only for those,
and the runaway marks are redone only when some session's rate moved. A tick where nothing was
committed and no moment came costs one identity check per store and a peek at the queue.

Pure: no I/O, no Textual; `now` is passed in.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sessiontui.model import Burn, Session, SessionProcesses, SessionRow
from sessiontui.rules.burn import burn_of, burn_valid_until, mark_runaways
from sessiontui.rules.processes import classify_with_processes
from sessiontui.rules.state import Thresholds, verdict_valid_until


@dataclass(slots=True)
class _Entry:
    session: Session
    row: SessionRow | None
    store: int  # index of the store that holds it
    seen: int  # the last update in which its store listed it
    due: float | None = None  # POSIX time from which the row may read differently
    index: int = -1  # its row's place in `ClassifiedRows.rows` (no dict of 100k places)


@dataclass(frozen=True, slots=True)
class RowChange:
    """What one update changed. `changed` holds new and changed rows (every row the first time).

    `before` and `gone` let a consumer adjust what it derived from the rows (totals, sets, a
    sorted order) by the changed rows alone: `before[i]` is the version of `changed[i]` the rows
    `since` held (None: new), `gone` the rows `removed` names. A change made without them (both
    empty while something changed) says only which rows moved: see `versioned`.
    """

    changed: tuple[SessionRow, ...] = ()
    removed: frozenset[str] = frozenset()  # keys of rows no longer listed
    reordered: bool = False  # rows were added or removed: positions in `rows` moved
    before: tuple[SessionRow | None, ...] = ()  # the previous version of each changed row
    gone: tuple[SessionRow, ...] = ()  # the removed rows, as last listed

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.reordered)

    @property
    def versioned(self) -> bool:
        """Whether the previous version of every changed and removed row is known."""
        return len(self.before) == len(self.changed) and len(self.gone) == len(self.removed)


@dataclass
class ClassifiedRows:
    """Rows for the sessions of several stores, classified again only where something changed."""

    thresholds: Thresholds
    rows: tuple[SessionRow, ...] = ()  # in store order; the same tuple while nothing changed
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _given: dict[int, tuple[Session, ...]] = field(default_factory=dict)  # the last tuple per store
    _queue: list[tuple[float, str]] = field(default_factory=list)  # (due, uid); stale ones skipped
    _raw_burns: dict[str, Burn] = field(default_factory=dict)  # unmarked rates of sessions spending
    _burns: dict[str, Burn] = field(default_factory=dict)  # the same with runaways marked
    _facts: Mapping[str, SessionProcesses] = field(default_factory=dict)  # uid -> its processes
    _updates: int = 0

    def pending(
        self,
        stores: Sequence[tuple[Session, ...]],
        now: datetime,
        facts: Mapping[str, SessionProcesses] | None = None,
    ) -> bool:
        """Whether `update` would have anything to do (cheap: identity checks and one peek)."""
        if facts is not None and facts is not self._facts:
            return True
        if len(stores) != len(self._given) or any(
            sessions is not self._given.get(i) for i, sessions in enumerate(stores)
        ):
            return True
        return bool(self._queue) and self._queue[0][0] <= now.timestamp()

    def work_size(self, stores: Sequence[tuple[Session, ...]]) -> int:
        """Sessions the next update will at least look at (to decide whether to use a thread)."""
        return sum(len(s) for i, s in enumerate(stores) if s is not self._given.get(i))

    def update(
        self,
        stores: Sequence[tuple[Session, ...]],
        now: datetime,
        facts: Mapping[str, SessionProcesses] | None = None,
    ) -> RowChange:
        """Take each store's sessions (the same tuple object when unchanged) at `now`, and the
        processes linked to them (`facts`, a new mapping after each look at the processes)."""
        self._updates += 1
        # The sessions to look at again, with their entries, in the order they were noted: on a
        # first load that is store order, the order they were built in and sit in memory (a
        # set's hash order visited 100k sessions at random: a third of the update's time).
        dirty: dict[str, _Entry] = {}
        added, removed, gone = self._take_stores(stores, dirty)
        if facts is not None and facts is not self._facts:
            old, self._facts = self._facts, facts
            entries = self._entries
            for uid in facts.keys() | old.keys():
                was, now_ = old.get(uid), facts.get(uid)
                if was is not now_ and was != now_ and uid in entries:
                    dirty[uid] = entries[uid]
        self._take_due(now, dirty)
        burns_moved = self._take_burns(dirty, removed, now)
        if burns_moved:
            marked = mark_runaways(self._raw_burns)
            for uid in set(marked) | set(self._burns):
                if marked.get(uid) != self._burns.get(uid) and uid in self._entries:
                    dirty[uid] = self._entries[uid]
            self._burns = marked
        changed, before = self._classify(dirty, now)
        reordered = bool(added or removed)
        if reordered:
            self._reorder(stores)
        elif changed:
            rows, entries = list(self.rows), self._entries
            for row in changed:
                rows[entries[row.key].index] = row
            self.rows = tuple(rows)
        return RowChange(tuple(changed), frozenset(removed), reordered, tuple(before), tuple(gone))

    # ----------------------------------------------------------------- steps

    def _take_stores(
        self, stores: Sequence[tuple[Session, ...]], dirty: dict[str, _Entry]
    ) -> tuple[int, set[str], list[SessionRow]]:
        """Note new and replaced sessions in `dirty`; forget sessions no longer listed (their
        last rows are returned)."""
        entries, tick, added, removed = self._entries, self._updates, 0, set()
        for index, sessions in enumerate(stores):
            before = self._given.get(index)
            if sessions is before:
                continue
            self._given[index] = sessions
            kept = 0
            for session in sessions:
                uid = session.uid
                entry = entries.get(uid)
                if entry is None:
                    entries[uid] = dirty[uid] = _Entry(session, None, index, tick)
                    added += 1
                    continue
                if entry.seen != tick:
                    kept += 1
                entry.seen, entry.store = tick, index
                if entry.session is not session:
                    entry.session = session
                    dirty[uid] = entry
            if before is not None and kept != len(before):  # some sessions are gone
                removed |= {
                    uid for uid, e in entries.items() if e.store == index and e.seen != tick
                }
        for index in [i for i in self._given if i >= len(stores)]:  # a store no longer given
            del self._given[index]
            removed |= {uid for uid, e in entries.items() if e.store == index}
        gone = []
        for uid in removed:
            row = entries.pop(uid).row
            if row is not None:
                gone.append(row)
            dirty.pop(uid, None)
        return added, removed, gone

    def _take_due(self, now: datetime, dirty: dict[str, _Entry]) -> None:
        queue, entries, stamp = self._queue, self._entries, now.timestamp()
        while queue and queue[0][0] <= stamp:
            due, uid = heapq.heappop(queue)
            entry = entries.get(uid)
            if entry is not None and entry.due == due:  # else: rescheduled or gone since
                entry.due = None
                dirty[uid] = entry

    def _take_burns(self, dirty: dict[str, _Entry], removed: set[str], now: datetime) -> bool:
        """Rates of the dirty sessions; True when any session's unmarked rate moved."""
        moved = False
        raw = self._raw_burns
        for uid in removed:
            moved |= raw.pop(uid, None) is not None
        for uid, entry in dirty.items():
            session = entry.session
            burn = burn_of(session, now) if session.recent_calls else None
            if burn != raw.get(uid):
                moved = True
                if burn is None:
                    del raw[uid]
                else:
                    raw[uid] = burn
        return moved

    def _classify(
        self, dirty: dict[str, _Entry], now: datetime
    ) -> tuple[list[SessionRow], list[SessionRow | None]]:
        """Rows for the dirty sessions: those that read differently, with their previous versions."""
        changed: list[SessionRow] = []
        before: list[SessionRow | None] = []
        limits, burns, queue = self.thresholds, self._burns, self._queue
        for uid, entry in dirty.items():
            session = entry.session
            processes = self._facts.get(uid)
            verdict = classify_with_processes(session, now, limits, processes)
            row = SessionRow(session, verdict, burns.get(uid), processes)
            if entry.row is not None and entry.row == row:
                row = entry.row
            else:
                before.append(entry.row)
                entry.row = row
                changed.append(row)
            until = verdict_valid_until(session, verdict, now, limits)
            if session.recent_calls:
                burn_until = burn_valid_until(session, now)
                if burn_until is not None and (until is None or burn_until < until):
                    until = burn_until
            due = None if until is None else until.timestamp()
            if due != entry.due:
                entry.due = due
                if due is not None:
                    heapq.heappush(queue, (due, uid))
        if len(queue) > 4 * len(self._entries) + 1024:  # too many stale entries: rebuild
            self._queue = [(e.due, uid) for uid, e in self._entries.items() if e.due is not None]
            heapq.heapify(self._queue)
        return changed, before

    def _reorder(self, stores: Sequence[tuple[Session, ...]]) -> None:
        entries = self._entries
        rows: list[SessionRow] = []
        for sessions in stores:
            for session in sessions:
                entry = entries[session.uid]
                if entry.row is not None:
                    entry.index = len(rows)
                    rows.append(entry.row)
        self.rows = tuple(rows)
