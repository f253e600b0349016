"""One short write transaction on a bot's database, as the bots themselves write.

A connection opened for the write and closed after; `BEGIN IMMEDIATE` takes the write lock up
front (a deferred transaction that upgrades fails at once against a busy writer, whatever the
busy timeout); our busy timeout waits for the bot; no schema change, ever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sessiontui.actions.guard import Refused, check_unchanged
from sessiontui.actions.trash import TrashEntry, discard

BUSY_TIMEOUT_MS = 5000


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """Never creates a file: a store that is gone stays gone (mode=rw, not rwc)."""
    from sessiontui.stores.sqlite_read import readonly_uri

    uri = readonly_uri(path).replace("mode=ro", f"mode={mode}")
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection in autocommit mode (no transaction held open)."""
    return _connect(path, "ro")


@contextmanager
def immediate(path: Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection inside `BEGIN IMMEDIATE`; committed when the block ends, rolled back on error."""
    conn = _connect(path, "rw")
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if foreign_keys:
            conn.execute("PRAGMA foreign_keys = ON")  # per connection; Starpod's own are ON
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()


def select_rows(
    conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any]
) -> dict[str, list[Any]]:
    """Every column of the matching rows, in rowid order, for the trash.

    The implicit rowid is kept too (a TEXT primary key table still has one), so a restore puts
    each row back exactly where it was; where an INTEGER PRIMARY KEY is the rowid, SQLite names
    the first column after it and the duplicate is dropped.
    """
    cursor = conn.execute(f"SELECT rowid, * FROM {table} WHERE {where} ORDER BY rowid", params)
    columns = [d[0] for d in cursor.description]
    rows = [list(r) for r in cursor.fetchall()]
    if columns[0] != "rowid":
        columns, rows = columns[1:], [r[1:] for r in rows]
    return {"columns": columns, "rows": rows}


def insert_rows(conn: sqlite3.Connection, table: str, block: dict[str, list[Any]]) -> int:
    """Put rows back with every column; an implicit rowid the bot has reused since is left to
    SQLite to choose (it is no key of the bot's: TEXT primary keys, no AUTOINCREMENT)."""
    columns = block["columns"]
    rows = block["rows"]
    if columns and columns[0] == "rowid":
        free = [
            r
            for r in rows
            if conn.execute(f"SELECT 1 FROM {table} WHERE rowid = ?", (r[0],)).fetchone() is None
        ]
        taken = [r[1:] for r in rows if r not in free]
        if taken:
            _insert(conn, table, columns[1:], taken)
        rows = free
    _insert(conn, table, columns, rows)
    return len(block["rows"])


def _insert(conn: sqlite3.Connection, table: str, columns: list[str], rows: list[Any]) -> None:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    conn.executemany(sql, rows)


Tables = list[tuple[str, str, tuple[Any, ...]]]  # (table, WHERE clause, parameters)
Guard = tuple[str, tuple[Any, ...], tuple[Any, ...]] | None  # (SELECT, parameters, expected row)


def trash_then_write(
    path: Path,
    *,
    tables: Tables,
    guard: Guard,
    keep: Callable[[dict[str, Any]], TrashEntry],
    write: Callable[[sqlite3.Connection], object],
    foreign_keys: bool = False,
) -> TrashEntry:
    """Copy the rows to the trash, then change them, holding the write lock only for the change.

    The copy is read and fsynced before `BEGIN IMMEDIATE` (a bot that does not wait for locks,
    as ZeroClaw's sessions.db connection does not, must never meet a long one). Inside the
    transaction the guard and the rows are checked again: if anything moved, nothing is written
    and the trash entry is discarded.
    """
    conn = _connect(path, "ro")
    try:
        conn.execute("BEGIN")  # one snapshot for every table
        if guard is not None:
            check_unchanged(conn, *guard)
        rows = {table: select_rows(conn, table, where, params) for table, where, params in tables}
        conn.execute("COMMIT")
    finally:
        conn.close()
    entry = keep(rows)  # pending in the trash, `started` in the audit log (journal.begin)
    try:
        with immediate(path, foreign_keys=foreign_keys) as conn:
            if guard is not None:
                check_unchanged(conn, *guard)
            if any(
                select_rows(conn, table, where, params) != rows[table]
                for table, where, params in tables
            ):
                raise Refused(
                    "the session changed since you looked (new activity); look again and retry"
                )
            write(conn)
    except BaseException:
        discard(entry)  # the transaction rolled back: nothing was deleted
        raise
    return entry


def columns_of(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def read_one(path: Path, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Read back after a write, on a fresh read-only connection."""
    conn = _connect(path, "ro")
    try:
        row = conn.execute(sql, params).fetchone()
        return None if row is None else tuple(row)
    finally:
        conn.close()
