"""Full-text search through a bot's own FTS5 index, read-only (STORES.md 2.5, 7.5, 8.3).

The operator's text is always one FTS5 phrase (`"..."`, inner quotes doubled), limited to the
column that holds message text: no FTS syntax (`OR`, `NEAR`, `*`, `col:`) in it can act. Only
`SELECT ... MATCH`: never a rebuild, an optimize or any other special command.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sessiontui.stores.sqlite_read import BUSY_TIMEOUT_MS, decode_text, readonly_uri
from sessiontui.timestamps import parse_timestamp

MAX_QUERY_CHARS = 2048  # Hermes Agent's MAX_FTS5_QUERY_CHARS; ZeroClaw and OpenClaw take less


STALE_MARKERS = "('fts_stale', 'fts_cjk_stale', 'fts_rebuild_high_water', 'fts_rebuild_progress')"


class IndexIncomplete(sqlite3.Error):
    """The index does not hold every message now: scan instead."""


@dataclass(frozen=True, slots=True)
class IndexHit:
    """One message the index matched: the session's key in its store, and the message."""

    session_id: str
    role: str
    at: datetime | None
    text: str
    order: int  # the message's position in its store (newest last)


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 string token: every character literal."""
    return '"' + text[:MAX_QUERY_CHARS].replace('"', '""') + '"'


def has_token(text: str) -> bool:
    """FTS5 tokenizers index letters and digits only: a phrase without any matches nothing."""
    return any(ch.isalnum() for ch in text)


def _query(path: Path, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(
        readonly_uri(path), uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.text_factory = decode_text
    try:
        conn.execute("PRAGMA query_only = 1")
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _hits(rows: list[tuple[object, ...]]) -> list[IndexHit]:
    return [
        IndexHit(str(key), str(role or ""), parse_timestamp(at), str(text or ""), int(order or 0))  # type: ignore[call-overload]
        for key, role, at, text, order in rows
    ]


def search_zeroclaw(path: Path, text: str, limit: int) -> list[IndexHit]:
    """ZeroClaw `sessions_fts` (external content over `sessions`, rowid = sessions.id)."""
    return _hits(
        _query(
            path,
            "SELECT s.session_key, s.role, s.created_at, s.content, s.id FROM sessions_fts "
            "JOIN sessions s ON s.id = sessions_fts.rowid WHERE sessions_fts MATCH ? "
            "ORDER BY s.id DESC LIMIT ?",
            (f"content : {fts_phrase(text)}", limit),
        )
    )


def search_hermes_agent(path: Path, text: str, limit: int) -> list[IndexHit]:
    """Hermes Agent `messages_fts` (rowid = messages.id in both layouts); the active rows only,
    as the transcript shows them. An index the bot marks stale is not used (IndexIncomplete)."""
    tables = {
        str(r[0]) for r in _query(path, "SELECT name FROM sqlite_master WHERE type = 'table'", ())
    }
    if "state_meta" in tables and _query(
        path, "SELECT 1 FROM state_meta WHERE key IN " + STALE_MARKERS, ()
    ):
        raise IndexIncomplete(f"{path}: the full-text index is being rebuilt")
    columns = _query(path, "SELECT name FROM pragma_table_info('messages')", ())
    active = " AND m.active IS NOT 0" if any(r[0] == "active" for r in columns) else ""
    return _hits(
        _query(
            path,
            "SELECT m.session_id, m.role, m.timestamp, m.content, m.id FROM messages_fts "
            f"JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?{active} "
            "ORDER BY m.id DESC LIMIT ?",
            (f"content : {fts_phrase(text)}", limit),
        )
    )


def search_openclaw(path: Path, text: str, limit: int) -> list[IndexHit]:
    """OpenClaw `session_transcript_fts`, in each session's current window (what its
    transcript shows)."""
    return _hits(
        _query(
            path,
            "SELECT n.session_key, f.role, f.timestamp, f.text, f.rowid FROM session_transcript_fts f "
            "JOIN session_nodes n ON n.current_session_id = f.session_id "
            "WHERE session_transcript_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
            (f"text : {fts_phrase(text)}", limit),
        )
    )
