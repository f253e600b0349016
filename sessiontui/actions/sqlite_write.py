"""One short write transaction on a bot's database, as the bots themselves write.

A connection opened for the write and closed after; `BEGIN IMMEDIATE` takes the write lock up
front (a deferred transaction that upgrades fails at once against a busy writer, whatever the
busy timeout); our busy timeout waits for the bot; no schema change, ever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 5000


@contextmanager
def immediate(path: Path, *, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection inside `BEGIN IMMEDIATE`; committed when the block ends, rolled back on error."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
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


def select_rows(conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any]) -> dict[str, list[Any]]:
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
    columns = block["columns"]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    conn.executemany(sql, block["rows"])
    return len(block["rows"])


def columns_of(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}


def read_one(path: Path, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Read back after a write, on a fresh read-only connection."""
    from sessiontui.stores.sqlite_read import readonly_uri

    conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        row = conn.execute(sql, params).fetchone()
        return None if row is None else tuple(row)
    finally:
        conn.close()
