"""Read a bot's live SQLite file without disturbing the bot.

Read-only URI (`mode=ro`, never `immutable=1`), our own busy timeout, autocommit so no
transaction outlives a statement, every cursor fully consumed. Nothing is ever written:
`query_only` is set on our connection as a second lock on the door.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from sessiontui.stores.base import StoreError

BUSY_TIMEOUT_MS = 2000


def readonly_uri(path: Path) -> str:
    return f"file:{quote(str(path))}?mode=ro"


def decode_text(value: bytes) -> str:
    """A TEXT value as str; bytes that are not UTF-8 kept as surrogate escapes (shown as `\\xff`
    by `text.printable`), so one bad row is shown escaped instead of failing the whole read."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("utf-8", "surrogateescape")


def explain(path: Path, exc: sqlite3.Error) -> str:
    """What a failed read-only open or read means for the operator, and what to do.

    SQLite's own words mislead here: a WAL database whose directory we may not write (it needs
    its `-shm` file beside it), or a hot rollback journal left by an interrupted writer (it must
    be rolled back before anyone reads), both say "attempt to write a readonly database" or
    "unable to open database file", though we never write.
    """
    message = str(exc)
    journal = path.with_name(path.name + "-journal")
    shm = path.with_name(path.name + "-shm")
    if (
        os.path.exists(journal)
        and os.path.getsize(journal) > 0
        and ("readonly" in message or "open" in message)
    ):
        return (
            f"{path}: a hot rollback journal is beside it (a writer was interrupted), and SQLite must roll "
            "it back before anyone reads; start the bot, or run sessiontui once as the bot's user"
        )
    if not os.access(path, os.R_OK):
        return f"{path}: permission denied; run as the bot's user (or give this user read access)"
    cannot_share = not os.access(path.parent, os.W_OK) or (
        shm.exists() and not os.access(shm, os.R_OK | os.W_OK)
    )
    if (
        _is_wal(path)
        and cannot_share
        and ("readonly" in message or "open" in message or "access" in message)
    ):
        return (
            f"{path}: a WAL database needs its -shm file beside it, and this user may not write "
            f"{path.parent} (or its -shm); run as the bot's user, or give this user group write "
            "on the directory"
        )
    if "database is locked" in message:
        return f"{path}: locked by another process (an exclusive lock or a long write); retrying"
    return f"{path}: {message}"


def _is_wal(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2


class ReadOnlyDatabase:
    """One read-only aiosqlite connection to a bot's database, kept open between polls.

    Keeping it open is what lets `PRAGMA data_version` tell us whether anyone committed;
    it holds no transaction between statements, so the bot's WAL can always checkpoint.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._data_version: int | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file we opened
        self.replaced = False

    def _file_identity(self) -> tuple[int, int]:
        """The file now at our path; StoreError when there is none (the open connection would
        go on reading a deleted file's last contents as if they were fresh)."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError as exc:
            raise StoreError(
                f"{self.path}: the file is gone (deleted or moved away); "
                "the sessions shown are from the last read"
            ) from exc
        except OSError as exc:
            raise StoreError(f"{self.path}: {exc.strerror or exc}") from exc
        return info.st_dev, info.st_ino

    async def connect(self) -> aiosqlite.Connection:
        if self._conn is None:
            identity = self._file_identity()
            try:
                conn = await aiosqlite.connect(
                    readonly_uri(self.path),
                    uri=True,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
            except sqlite3.Error as exc:
                raise StoreError(explain(self.path, exc)) from exc
            try:
                await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                await conn.execute("PRAGMA query_only = 1")
            except sqlite3.Error as exc:
                await conn.close()
                raise StoreError(explain(self.path, exc)) from exc
            self._conn = conn
            self._identity = identity
        return self._conn

    async def fetchall(
        self, sql: str, params: Sequence[Any] = ()
    ) -> list[sqlite3.Row | tuple[Any, ...]]:
        conn = await self.connect()
        try:
            try:
                return await _fetch(conn, sql, params)
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc):
                    raise
            # Text that is not UTF-8 somewhere in the result: read it again, and from now on,
            # decoding each value in Python (about a second per million values; `str` is C and
            # much faster). Never switched back: another read may be queued on this connection.
            conn.text_factory = decode_text
            return await _fetch(conn, sql, params)
        except sqlite3.Error as exc:
            raise StoreError(explain(self.path, exc)) from exc

    async def columns(self, table: str) -> set[str]:
        rows = await self.fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        return {row[0] for row in rows}

    async def tables(self) -> set[str]:
        rows = await self.fetchall("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        return {row[0] for row in rows}

    async def changed(self) -> bool:
        """True when another connection committed since the last call (always, the first time),
        or when another file now stands at the path (replaced: read anew from the start)."""
        if self._conn is not None and self._file_identity() != self._identity:
            await self.close()
            self._data_version = None
            self.replaced = True  # the store drops what it derived from the old file
        conn = await self.connect()
        try:  # one trip to the connection's thread (a cursor takes three: ~100 µs, not ~35)
            rows = await conn.execute_fetchall("PRAGMA data_version")
        except sqlite3.Error as exc:
            raise StoreError(explain(self.path, exc)) from exc
        version = int(next(iter(rows))[0])
        changed = version != self._data_version
        self._data_version = version
        return changed

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


async def _fetch(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any]
) -> list[sqlite3.Row | tuple[Any, ...]]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


def placeholders(values: Iterable[object]) -> str:
    return ",".join("?" for _ in values)


def read_tables_sync(path: Path) -> dict[str, set[str]]:
    """Tables and their columns, read once read-only (for detection; short and blocking).

    A database locked at that moment (an exclusive lock, a long write) is recognised from its
    schema read without locks (`immutable=1`, for the schema only, this once): the store is then
    listed, and its reads say "locked" and are retried until the lock goes.
    """
    try:
        return _read_tables(readonly_uri(path), BUSY_TIMEOUT_MS / 1000)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return _read_tables(readonly_uri(path) + "&immutable=1", 0)


def _read_tables(uri: str, timeout: float) -> dict[str, set[str]]:
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
    conn.text_factory = decode_text
    try:
        conn.execute("PRAGMA query_only = 1")
        names = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            name: {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,))}
            for name in names
        }
    finally:
        conn.close()
