"""A bot's per-session table (ZeroClaw / Starpod `session_metadata`) kept current cheaply.

Every write the bots make to a session moves its activity timestamp (`last_activity`,
`last_message_at`), which they store as chrono RFC 3339 text that sorts in time order. So a
poll reads only rows at or past the newest timestamp seen, plus the rows in a busy state (a
state change does not move the timestamp) and those that were busy last time, in one statement
(no second scan for the busy keys; rows are counted only after a commit that moved none, which
may be a delete: each poll holds the bot's WAL as briefly as it can). A full read reconciles
what that misses (renames, a delete in the same interval as other writes): when the count moved,
on request (after our own write), and every RECONCILE_SECONDS while the bot writes. Diffing many rows runs off the
event loop.

Rows are not kept: each key keeps only the hash of its row as last read (a 64-bit value), which
is all a diff needs; the store keeps what it built from the row. (Keeping the rows cost about
70 MiB at 100k ZeroClaw sessions: benchmarks/results/memory_100k.txt.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sessiontui.stores.sqlite_read import ReadOnlyDatabase, placeholders

RECONCILE_SECONDS = 15.0
_BATCH = 500


@dataclass(frozen=True, slots=True)
class Delta:
    changed: dict[str, tuple[Any, ...]]  # key -> its row, for new and changed rows
    vanished: set[str]
    first: bool


class MetadataRows:
    def __init__(
        self,
        db: ReadOnlyDatabase,
        table: str,
        columns: list[str],
        *,
        watermark: str,
        busy: str | None = None,
    ) -> None:
        """`columns[0]` is the key; `watermark` the activity column; `busy` a WHERE clause."""
        self.db = db
        self.table = table
        self.columns = columns
        self.watermark = watermark
        self.busy = busy
        self.known: dict[str, int] = {}  # key -> hash of its row as last read
        self._mark: str | None = None
        self._busy_keys: set[str] = set()
        self._reconciled = 0.0
        self._partial = False
        self._read_once = False  # an empty table read before is not a first read
        self._mark_index = columns.index(watermark)
        self._covering: bool | None = None  # the watermark scan can read an index alone
        self._pickers: dict[tuple[str, ...], Callable[[Sequence[Any]], tuple[Any, ...]]] = {}

    def picker(self, wanted: tuple[str, ...]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """A function giving the values of the `wanted` columns of one of this table's rows, in
        that order, None for a column this file lacks (one C call per row: no dict per row).
        Made once per `wanted`."""
        made = self._pickers.get(wanted)
        if made is None:
            absent = len(self.columns)  # the index of the None put after each row
            pick = itemgetter(
                *(self.columns.index(c) if c in self.columns else absent for c in wanted)
            )
            if len(wanted) == 1:
                made = self._pickers[wanted] = lambda row: (pick((*row, None)),)
            else:
                made = self._pickers[wanted] = lambda row: pick((*row, None))
        return made

    def reconcile_next(self) -> None:
        """Read everything on the next poll (after a write of ours, for instance)."""
        self._reconciled = 0.0

    def reconcile_due(self) -> bool:
        """A full read is owed: polls since the last one were partial, and its time has come.
        (Due even when no commit happened since: what the partial reads missed is still missed.)"""
        return self._partial and time.monotonic() - self._reconciled > RECONCILE_SECONDS

    async def read(self) -> Delta:
        first = not self._read_once
        self._read_once = True
        full = first or time.monotonic() - self._reconciled > RECONCILE_SECONDS
        self._partial = not full
        busy_column = f", ({self.busy})" if self.busy else ""
        if full:
            return await self._read_all(first, busy_column)
        busy, rows = self._split_busy(await self._read_moved(busy_column))
        seen = {row[0] for row in rows}
        rows += await self.fetch([k for k in self._busy_keys if k not in seen])
        delta = self._diff_some(rows)
        if not delta.changed and await self._count() != len(self.known):
            # A commit that changed no row we read may be a delete: only then are rows counted.
            return await self._read_all(first, busy_column)
        if self.busy:
            self._busy_keys = busy
        return Delta(delta.changed, delta.vanished, first)

    async def fetch(self, keys: list[str]) -> list[tuple[Any, ...]]:
        """The current rows of these keys (those still there), in batches."""
        return await self._fetch_where(self.columns[0], keys)

    async def _fetch_where(self, column: str, values: list[Any]) -> list[tuple[Any, ...]]:
        """The rows whose `column` is one of `values`, in batches of bound parameters."""
        rows: list[Any] = []
        for start in range(0, len(values), _BATCH):
            batch = values[start : start + _BATCH]
            rows += await self.db.fetchall(
                f"{self._select} WHERE {column} IN ({placeholders(batch)})", batch
            )
        return rows

    async def _read_all(self, first: bool, busy_column: str) -> Delta:
        self._partial = False
        rows = await self.db.fetchall(
            f"SELECT {', '.join(self.columns)}{busy_column} FROM {self.table}"
        )
        self._reconciled = time.monotonic()
        busy, rows = self._split_busy(rows)
        delta = await asyncio.to_thread(self._diff_all, rows)
        if self.busy:
            self._busy_keys = busy
        return Delta(delta.changed, delta.vanished, first)

    async def _count(self) -> int:
        return int((await self.db.fetchall(f"SELECT COUNT(*) FROM {self.table}"))[0][0])

    @property
    def _select(self) -> str:
        return f"SELECT {', '.join(self.columns)} FROM {self.table}"

    async def _read_moved(self, busy_column: str) -> list[Any]:
        """Rows at or past the watermark, and the busy ones, in one statement. Where one of the
        bot's indexes holds the watermark column (Starpod's `idx_session_channel_key`), the scan
        reads that index only and the rows are then fetched by rowid."""
        if self._covering is None:
            plan = await self.db.fetchall(f"EXPLAIN QUERY PLAN {self._probe}", (self._mark,))
            self._covering = not self.busy and any("COVERING INDEX" in str(row[-1]) for row in plan)
        if not self._covering:
            where = f"{self.watermark} >= ?" + (f" OR ({self.busy})" if self.busy else "")
            return await self.db.fetchall(
                f"SELECT {', '.join(self.columns)}{busy_column} FROM {self.table} WHERE {where}",
                (self._mark or "",),
            )  # "": none seen yet, every text is past it
        ids = [row[0] for row in await self.db.fetchall(self._probe, (self._mark or "",))]
        return await self._fetch_where("rowid", ids)

    @property
    def _probe(self) -> str:
        return f"SELECT rowid FROM {self.table} WHERE {self.watermark} >= ?"

    def _split_busy(self, rows: list[Any]) -> tuple[set[str], list[Any]]:
        """With a busy clause, each row ends with its value: the busy keys, and the rows without it."""
        if not self.busy:
            return set(), rows
        return {row[0] for row in rows if row[-1]}, [row[:-1] for row in rows]

    def _diff_all(self, rows: list[Any]) -> Delta:
        known = self.known
        fresh = {row[0]: hash(row) for row in rows}
        changed = {row[0]: row for row in rows if known.get(row[0]) != fresh[row[0]]}
        vanished = set(known) - set(fresh)
        self.known = fresh
        self._mark = max(
            (row[self._mark_index] for row in rows if row[self._mark_index]), default=self._mark
        )
        return Delta(changed, vanished, False)

    def _diff_some(self, rows: list[Any]) -> Delta:
        changed: dict[str, tuple[Any, ...]] = {}
        known = self.known
        for row in rows:
            values = tuple(row)
            digest = hash(values)
            if known.get(values[0]) != digest:
                changed[values[0]] = values
                known[values[0]] = digest
            mark = values[self._mark_index]
            if mark and (self._mark is None or mark > self._mark):
                self._mark = mark
        return Delta(changed, set(), False)
