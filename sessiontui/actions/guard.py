"""Refuse to act on a session that changed since the operator looked at it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class Refused(Exception):
    """The action was not done; the message says why, in one line."""


def check_unchanged(conn: sqlite3.Connection, sql: str, params: Sequence[Any], version: Sequence[Any]) -> None:
    """Inside the write transaction: the row must still be what the operator saw."""
    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise Refused("the session is gone from its store")
    if tuple(row) != tuple(version):
        raise Refused("the session changed since you looked (new activity); look again and retry")
