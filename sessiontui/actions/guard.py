"""Refuse to act on a session that changed since the operator looked at it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any


class Refused(Exception):
    """The action was not done; the message says why, in one line."""


def check_unchanged(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any], version: Sequence[Any]
) -> None:
    """Inside the write transaction: the row must still be what the operator saw."""
    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise Refused("the session is gone from its store")
    if tuple(row) != tuple(version):
        raise Refused("the session changed since you looked (new activity); look again and retry")


def check_same_session(
    conn: sqlite3.Connection,
    sql: str,
    params: Sequence[Any],
    created_at: datetime | None,
    state: Sequence[Any] = (),
) -> None:
    """For a rename or close: the row must still be the one the operator saw (same creation
    time: not deleted and made again) and, when given, in the same state. A new message is
    no reason to refuse: a busy session must stay renamable. `sql` selects created_at first,
    then the state columns."""
    from sessiontui.timestamps import parse_timestamp

    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise Refused("the session is gone from its store")
    if created_at is not None and parse_timestamp(row[0]) != created_at:
        raise Refused(
            "the session was deleted and created again since you looked; look again and retry"
        )
    if tuple(row[1:]) != tuple(state):
        raise Refused("the session's state changed since you looked; look again and retry")
