"""Keep a set of open stores current: poll SQLite, follow JSONL with watchfiles, classify.

The data side of the live dashboard: no Textual here. The app runs `Fleet.run()` in a worker
and receives a `FleetUpdate` whenever something changed (or the clock moved a state along).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import is_not
from pathlib import Path

from sessiontui.gc_pause import gc_paused
from sessiontui.live.classified_rows import ClassifiedRows, RowChange
from sessiontui.live.process_links import ProcessWatch
from sessiontui.live.processes import SCAN_SECONDS, ProcessScan, store_target
from sessiontui.model import ProcessInfo, Session, SessionProcesses, SessionRow
from sessiontui.rules.state import Thresholds
from sessiontui.stores.base import Store, StoreError

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
FULL_RESCAN_SECONDS = 30.0  # safety net under the file watcher (missed events, new directories)
CLASSIFY_IN_THREAD_AT = 5000  # sessions; below this, classifying on the loop is a few ms
FIRST_PAGE = 300  # sessions each store shows, newest activity first, before its full first read
FIRST_PAGE_BYTES = (
    16 << 20
)  # smaller files are read in full about as fast as a page (1k sessions: 4 MB)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """One line of the dashboard's store list."""

    format: str
    path: str
    sessions: int
    last_ok: datetime | None  # when the last read succeeded
    error: str | None  # the last read's failure (the previous data is kept, marked stale)
    skipped_lines: int = 0
    problems: tuple[str, ...] = ()
    note: str = ""  # the store's own one-line note (ReadReport.note)
    processes: tuple[ProcessInfo, ...] | None = None  # holding the store open; None: not looked
    process_gone: tuple[int, datetime] | None = None  # the one that held it and vanished, when
    loading: int | None = None  # only a first page is shown yet; the store holds this many

    @property
    def stale(self) -> bool:
        return self.error is not None


@dataclass(frozen=True, slots=True)
class FleetUpdate:
    rows: tuple[SessionRow, ...]
    statuses: tuple[StoreStatus, ...]
    now: datetime
    data_changed: bool  # False: only the clock moved (ages and states may still differ)
    change: RowChange | None = None  # which rows changed since the rows `since` (None: unknown)
    since: tuple[SessionRow, ...] | None = None  # a consumer that last saw these may apply `change`
    process_scan: ProcessScan | None = None  # the last look at the processes (None: not looked)
    processes_linked: bool = False  # some session has (or had) a process: show the PID column


class Fleet:
    def __init__(
        self,
        stores: Sequence[Store],
        *,
        clock: Clock,
        thresholds: Thresholds,
        refresh_seconds: float = 1.0,
        processes: ProcessWatch | None = None,
    ) -> None:
        self.stores = list(stores)
        self.processes = processes
        self._process_facts: dict[str, SessionProcesses] = {}
        self._last_scan = -SCAN_SECONDS
        self._scan_all = False  # the next scan reads every process again (one was stopped)
        self.clock = clock
        self.thresholds = thresholds
        self.refresh_seconds = refresh_seconds
        self._sessions: dict[int, tuple[Session, ...]] = {}
        self._status: dict[int, StoreStatus] = {}
        self._changed_paths: set[Path] = set()
        self._wake = asyncio.Event()
        self._last_full = 0.0
        self.rows: tuple[SessionRow, ...] = ()
        self._book = ClassifiedRows(thresholds)
        self._flat: tuple[tuple[tuple[Session, ...], ...], list[Session]] | None = None
        self._read_once = False  # a refresh read every store: later ones build little

    def store_of(self, session: Session) -> Store | None:
        for store in self.stores:
            if str(store.path) == session.store and store.format == session.format:
                return store
        return None

    def reconcile_all(self) -> None:
        """After our own write: every store reads all its rows on the next refresh, which is now.

        (A rename moves no activity timestamp, so the cheap incremental poll would not see it.)
        """
        for store in self.stores:
            reconcile_next = getattr(store, "reconcile_next", None)
            if reconcile_next is not None:
                reconcile_next()
        self._last_full = 0.0  # file stores: a full rescan
        self._wake.set()

    def forget(self) -> None:
        """Drop everything derived from the stores (after a failure): the next refresh takes each
        store's sessions as they are now and classifies them all again."""
        self._sessions.clear()
        self._book = ClassifiedRows(self.thresholds)
        self.rows = ()
        self.reconcile_all()

    async def refresh(self, full: bool = False, *, processes: bool = True) -> FleetUpdate:
        """Refresh every store once; a store that fails keeps its previous sessions, marked stale.
        `processes=False`: leave the process table for a later refresh (the first rows come sooner).

        Only sessions a store handed back anew, or whose time came to read differently, are
        classified again; with nothing committed and nothing due this returns the same rows tuple.
        The first one builds every session at once: with the garbage collector held off, and
        what it built then frozen out of later collections (gc_pause).
        """
        with gc_paused(not self._read_once, freeze=True):
            update = await self._refresh(full, processes)
        self._read_once = True
        return update

    async def _refresh(self, full: bool, processes: bool) -> FleetUpdate:
        paths = None if full else self._take_changed_paths()
        changed = False
        for index, store in enumerate(self.stores):
            changed |= await self._refresh_store(index, store, paths)
        now = self.clock()
        stores = [self._sessions.get(index, ()) for index in range(len(self.stores))]
        scan = await self._scan_processes(stores, now, full) if processes else None
        facts = self._process_facts
        change, since = RowChange(), self._book.rows
        if self._book.pending(stores, now, facts):
            if self._book.work_size(stores) >= CLASSIFY_IN_THREAD_AT:
                change = await asyncio.to_thread(self._book.update, stores, now, facts)
            else:
                change = self._book.update(stores, now, facts)
        self.rows = self._book.rows
        statuses = tuple(self._with_processes(self._status[i]) for i in sorted(self._status))
        return FleetUpdate(self.rows, statuses, now, changed, change, since, scan, bool(facts))

    async def _scan_processes(
        self, stores: list[tuple[Session, ...]], now: datetime, full: bool
    ) -> ProcessScan | None:
        """Look at the processes again when SCAN_SECONDS passed (or asked to), in a thread."""
        watch = self.processes
        if watch is None:
            return None
        if full or time.monotonic() - self._last_scan >= SCAN_SECONDS:
            full, self._scan_all = full or self._scan_all, False
            self._last_scan = time.monotonic()
            sessions = self._all_sessions(stores)
            targets = [store_target(store.path) for store in self.stores]
            try:
                self._process_facts = await asyncio.to_thread(
                    watch.update, sessions, targets, now, full=full
                )
            except Exception:
                log.exception("looking at the processes")
        return watch.last

    def _all_sessions(self, stores: list[tuple[Session, ...]]) -> list[Session]:
        """Every store's sessions in one list: the same list while no store handed back new ones."""
        flat = self._flat
        if flat is None or len(flat[0]) != len(stores) or any(map(is_not, flat[0], stores)):
            flat = self._flat = (tuple(stores), [s for store in stores for s in store])
        return flat[1]

    def scan_processes_soon(self) -> None:
        """After a process was stopped: look at every process on the next refresh, which is now."""
        self._last_scan = -SCAN_SECONDS
        self._scan_all = True
        self._wake.set()

    def _with_processes(self, status: StoreStatus) -> StoreStatus:
        watch = self.processes
        if watch is None or watch.last is None:
            return status
        return replace(
            status,
            processes=watch.store_processes(status.path),
            process_gone=watch.store_gone(status.path),
        )

    async def first_pages(self) -> FleetUpdate | None:
        """The newest sessions of each big store that can page (read through the bot's indexes in
        milliseconds), to show while the full first read runs; None when no store pages."""
        paged = False
        for index, store in enumerate(self.stores):
            first_page = getattr(store, "first_page", None)
            if first_page is None or _size(store.path) < FIRST_PAGE_BYTES:
                continue
            try:
                sessions, total = await first_page(FIRST_PAGE)
            except StoreError:
                continue  # the full read says what is wrong
            if total <= len(sessions):
                continue  # small: the full read is as quick
            self._sessions[index] = sessions
            self._status[index] = StoreStatus(
                str(store.format), str(store.path), len(sessions), None, None, loading=total
            )
            paged = True
        if not paged:
            return None
        now = self.clock()
        stores = [self._sessions.get(index, ()) for index in range(len(self.stores))]
        change = self._book.update(stores, now)
        self.rows = self._book.rows
        return FleetUpdate(
            self.rows, tuple(self._status[i] for i in sorted(self._status)), now, True, change, ()
        )

    async def _redetect(self, store: Store, error: StoreError) -> Store | None:
        """After a read failed: the adapter for what the file at the store's path is now, when
        that is another format's store (the file was replaced); None otherwise."""
        if "locked" in str(error) or not store.path.is_file():
            return None
        from sessiontui.stores.detect import detect_file
        from sessiontui.stores.hermes_link import default_claude_projects
        from sessiontui.stores.registry import OpenContext, open_store

        try:
            found = await asyncio.to_thread(detect_file, store.path)
        except (StoreError, OSError):
            return None
        if found.format == store.format or found.path != store.path:
            return None
        log.warning("%s is now a %s store (the file was replaced)", store.path, found.format)
        return open_store(found.format, found.path, OpenContext(default_claude_projects()))

    async def _refresh_store(self, index: int, store: Store, paths: set[Path] | None) -> bool:
        """Read one store; on failure keep its previous sessions and note the error. True: changed."""
        previous = self._status.get(index)
        try:
            report = await store.refresh(paths if store.watch_paths() else None)
        except StoreError as exc:
            other = await self._redetect(store, exc)
            if other is not None:  # another bot's store now at that path: read it as such
                self.stores[index] = other
                self._sessions.pop(index, None)
                await store.close()
                return await self._refresh_store(index, other, None)
            self._status[index] = StoreStatus(
                str(store.format),
                str(store.path),
                len(self._sessions.get(index, ())),
                previous.last_ok if previous else None,
                str(exc),
            )
            return previous is None or previous.error != str(exc)
        except Exception as exc:
            log.exception("reading %s", store.path)
            self._status[index] = StoreStatus(
                str(store.format),
                str(store.path),
                len(self._sessions.get(index, ())),
                previous.last_ok if previous else None,
                f"{store.path}: {type(exc).__name__}: {exc}",
            )
            return False
        changed = False
        if report.changed or index not in self._sessions:
            self._sessions[index] = report.sessions
            changed = True
        self._status[index] = StoreStatus(
            str(store.format),
            str(store.path),
            len(report.sessions),
            self.clock(),
            None,
            report.skipped_lines,
            report.problems,
            report.note,
        )
        return changed

    def _take_changed_paths(self) -> set[Path] | None:
        if time.monotonic() - self._last_full > FULL_RESCAN_SECONDS:
            self._last_full = time.monotonic()
            self._changed_paths.clear()
            return None
        paths, self._changed_paths = self._changed_paths, set()
        return paths

    def note_changes(self, paths: set[Path]) -> None:
        """Called by the watcher: these files changed; refresh soon."""
        self._changed_paths |= paths
        self._wake.set()

    async def run(self, on_update: Callable[[FleetUpdate], Awaitable[None] | None]) -> None:
        """Refresh forever: on every tick for SQLite, as soon as the watcher reports for JSONL."""
        watcher = asyncio.create_task(self._watch())
        try:
            self._last_full = time.monotonic()
            first = await self.first_pages()
            if first is not None:
                result = on_update(first)
                if asyncio.iscoroutine(result):
                    await result
            self._last_scan = (
                time.monotonic() - SCAN_SECONDS + self.refresh_seconds
            )  # after the first rows
            result = on_update(await self.refresh(full=True, processes=False))
            if asyncio.iscoroutine(result):
                await result
            while True:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.refresh_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
                result = on_update(await self.refresh())
                if asyncio.iscoroutine(result):
                    await result
        finally:
            watcher.cancel()

    async def _watch(self) -> None:
        roots = [p for store in self.stores for p in store.watch_paths() if p.is_dir()]
        if not roots:
            return
        from watchfiles import awatch

        try:
            async for changes in awatch(*roots, debounce=100, step=50, recursive=True):
                self.note_changes({Path(path) for _, path in changes})
        except Exception:
            log.exception("file watcher stopped; falling back to periodic rescans")

    async def close(self) -> None:
        for store in self.stores:
            await store.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
