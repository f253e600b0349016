"""What the two SQLite stores with transcripts (ZeroClaw, Starpod) share: a read-only database,
a message table paged by rowid, and a snapshot of sessions kept current by their refresh()."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sessiontui.model import Message, MessagePage, Session
from sessiontui.stores.base import ReadReport
from sessiontui.stores.metadata_rows import MetadataRows
from sessiontui.stores.sqlite_read import ReadOnlyDatabase

T = TypeVar("T")


OFF_LOOP_AT = 500  # rows: above this, turning rows into sessions runs in a worker thread
RETRY_SECONDS = 5.0  # after a read failed: the store is read again from the start this much later


async def off_loop(work: Callable[[], T], size: int) -> T:
    """Run `work` here when small, in a thread when big: the event loop must never stall."""
    return await asyncio.to_thread(work) if size > OFF_LOOP_AT else work()


def shared(value: str | None) -> str | None:
    """One object for text that many sessions repeat (a state, a channel, a model, an agent):
    a hundred thousand sessions then hold a few strings, not a hundred thousand copies."""
    return sys.intern(value) if type(value) is str else value


def one_object_per_key(rows: Mapping[str, object]) -> dict[str, str]:
    """Each key of `rows` mapped to itself. Every query hands back its own copy of a session's
    key; a dict the store keeps by key (counts, last messages, usage) holds whichever copy
    it was first given. Passing keys through this keeps the session's own one instead:
    at 100k ZeroClaw sessions two more copies of every key were 15 MiB."""
    return {key: key for key in rows}


@lru_cache(maxsize=256)
def shared_pair(key: str, value: object) -> tuple[str, str]:
    """A (name, text) detail of the detail view that many sessions repeat (`state`, `idle`),
    as one object."""
    return key, str(value)


class SqliteTranscriptStore:
    """Subclasses name their message table (`MESSAGES`, `KEY`, `STAMP`) and row converter."""

    MESSAGES: str
    KEY: str
    STAMP: str

    def __init__(self, path: Path, to_message: Callable[[str, str, str | None], Message]) -> None:
        self.path = path.resolve()
        self.store_name = str(self.path)  # every session's `store`: one string, not one each
        self.db = ReadOnlyDatabase(self.path)
        self._to_message = to_message
        self._meta: MetadataRows | None = None
        self._columns: list[str] = []  # the optional columns this file has
        self._sessions: dict[str, Session] = {}
        self._snapshot: tuple[Session, ...] = ()
        self._failed: tuple[Exception, float] | None = None  # the last read's error, and when
        self._read_again = False  # the last read failed: the next reads everything anew

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        """The sessions, read again where the file changed since the last refresh.

        A read that fails midway has already moved some of what the store keeps (the rows it
        diffed, counts, cursors): taken as read, those sessions would never be built, and with
        no later commit the store would stay as it was, its error gone at the next poll. So a
        failed read is dropped whole (`forget`), the error is raised again without touching the
        file until RETRY_SECONDS have passed (a fault that stays costs no full read per poll),
        and then the store is read from the start."""
        if self._failed is not None:
            error, failed_at = self._failed
            if time.monotonic() - failed_at < RETRY_SECONDS:
                raise error.with_traceback(None)
            self._failed = None
        if not self._read_again and await self.idle():
            return ReadReport(self._snapshot, False)
        try:
            if self._read_again:
                await self.db.changed()  # the version read from now (a replaced file: forgotten)
                self.db.replaced = False
            report = await self.read_changes()
        except BaseException as exc:  # cancelled midway, too: nothing half-read is kept
            self.forget()
            self._read_again = True
            if isinstance(exc, Exception):
                self._failed = (exc, time.monotonic())
            raise
        self._read_again = False
        return report

    async def read_changes(self) -> ReadReport:
        """Read what changed since the last read (everything, the first time)."""
        raise NotImplementedError

    async def metadata(
        self,
        leading: list[str],
        optional: tuple[str, ...],
        *,
        watermark: str,
        busy: tuple[str, str] | None = None,
    ) -> MetadataRows:
        """The session table's reader, made on first use for the columns this file's schema has.

        `busy` is (column, WHERE clause): rows to re-read on every poll when the column exists.
        """
        if self._meta is None:
            present = await self.db.columns("session_metadata")
            self._columns = [c for c in optional if c in present]
            self._meta = MetadataRows(
                self.db,
                "session_metadata",
                [*leading, *self._columns],
                watermark=watermark,
                busy=busy[1] if busy is not None and busy[0] in present else None,
            )
        return self._meta

    async def metadata_reader(self) -> MetadataRows:
        """The session table's reader with this store's columns (`metadata` with its arguments)."""
        raise NotImplementedError

    async def pages(self, size: int) -> AsyncIterator[tuple[Session, ...]]:
        """Every session in key order, `size` at a time; each page its own statements, none
        left open between pages (PagedStore; `prepare_pages` first)."""
        meta = await self.metadata_reader()
        key = meta.columns[0]
        select = f"SELECT {', '.join(meta.columns)} FROM session_metadata"
        after: str | None = None
        while True:
            if after is None:
                rows = await self.db.fetchall(f"{select} ORDER BY {key} LIMIT ?", (size,))
            else:
                rows = await self.db.fetchall(
                    f"{select} WHERE {key} > ? ORDER BY {key} LIMIT ?", (after, size)
                )
            if not rows:
                return
            yield await self.page_sessions(rows)
            if len(rows) < size:
                return
            after = rows[-1][0]

    async def has_ids(self, ids: list[str]) -> set[str]:
        return {row[0] for row in await (await self.metadata_reader()).fetch(ids)}

    async def page_sessions(self, rows: list[Any]) -> tuple[Session, ...]:
        """The sessions of one page of metadata rows."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop everything read from the file (another file now stands at the path)."""
        self._meta = None
        self._sessions = {}

    async def idle(self) -> bool:
        """Nothing to read: no commit since the last poll, and no reconcile owed."""
        if await self.db.changed():
            if self.db.replaced:  # another file at the path: read it from the start
                self.db.replaced = False
                self.forget()
            return False
        return self._meta is None or not self._meta.reconcile_due()

    def reconcile_next(self) -> None:
        """Read every row on the next refresh (after a write of ours)."""
        if self._meta is not None:
            self._meta.reconcile_next()

    def _page(self, rows: list[Any]) -> tuple[Message, ...]:
        return tuple(self._to_message(row[1], row[2], row[3]) for row in rows)

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        bound = int(before) if before is not None else 2**62  # type: ignore[call-overload]
        select = f"SELECT id, role, content, {self.STAMP} FROM {self.MESSAGES} WHERE {self.KEY} = ?"
        rows = await self.db.fetchall(
            f"{select} AND id < ? ORDER BY id DESC LIMIT ?", (session.id, bound, limit)
        )
        rows.reverse()
        newest = await self.db.fetchall(
            f"SELECT MAX(id) FROM {self.MESSAGES} WHERE {self.KEY} = ?", (session.id,)
        )
        older = rows[0][0] if len(rows) == limit else None
        return MessagePage(self._page(rows), older, newest[0][0] or 0)

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        select = f"SELECT id, role, content, {self.STAMP} FROM {self.MESSAGES} WHERE {self.KEY} = ?"
        rows = await self.db.fetchall(f"{select} AND id > ? ORDER BY id", (session.id, int(after)))  # type: ignore[call-overload]
        return MessagePage(self._page(rows), None, rows[-1][0] if rows else after)

    def watch_paths(self) -> list[Path]:
        return []

    async def close(self) -> None:
        await self.db.close()
