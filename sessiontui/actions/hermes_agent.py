"""Hermes Agent `state.db` writes, copying the bot's own code (STORES.md 7.7; read from
`hermes_state_titles.py` @ 00704d08 and `hermes_state_sessions.py` @ 011f3b6f).

- rename: `_set_session_title(tip, title, source='user')`: sanitized, unique among titles (a
  compression ancestor holding it gives it up to the tip), one compare-and-swap UPDATE;
- archive / unarchive / mark read: `_set_lineage_column` over the whole compression lineage;
- delete: `delete_session` for every session of the lineage, delegate children cascading, other
  children orphaned, in one transaction guarded by the exact id set the dialog showed.
Every write is one short `BEGIN IMMEDIATE` transaction with `foreign_keys=ON`, as the bot's are.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.journal import begin
from sessiontui.actions.sqlite_write import (
    columns_of,
    immediate,
    insert_rows,
    read_one,
    trash_then_write,
)
from sessiontui.actions.trash import TrashEntry
from sessiontui.model import Session

CANONICAL_BOT_CHAT_TITLE = "Bot Chat"
_TITLE_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TITLE_INVISIBLE_RE = re.compile(
    r"[\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffc\ufff9-\ufffb]"
)
_SURROGATES_RE = re.compile(r"[\ud800-\udfff]")
_COMPRESSION_CHILD = "EXISTS (SELECT 1 FROM sessions p WHERE p.id = {a}.parent_session_id AND p.end_reason = 'compression')"
# `_sql_json_extract(col, "$._delegate_from")` (reconstructed: json_extract guarded against bad JSON).
_DELEGATE_FROM = "CASE WHEN json_valid({col}) THEN json_extract({col}, '$._delegate_from') END"
_LINEAGE_SQL = """
            WITH RECURSIVE
              ancestors(id) AS (
                SELECT ?
                UNION
                SELECT parent.id
                FROM ancestors a
                JOIN sessions child ON child.id = a.id
                JOIN sessions parent ON parent.id = child.parent_session_id
                WHERE parent.end_reason = 'compression'
              ),
              descendants(id) AS (
                SELECT ?
                UNION
                SELECT child.id
                FROM descendants d
                JOIN sessions parent ON parent.id = d.id
                JOIN sessions child ON child.parent_session_id = parent.id
                WHERE parent.end_reason = 'compression'
              ),
              lineage(id) AS (
                SELECT id FROM ancestors
                UNION
                SELECT id FROM descendants
              )
            UPDATE sessions
            SET {column} = ?
            WHERE id IN (SELECT id FROM lineage)
            """
_VERSION_COLUMNS = ("id", "message_count", "ended_at", "title", "archived")


def sanitize_title(title: str | None) -> str | None:
    """`SessionDB.sanitize_title` (its MAX_TITLE_LENGTH check aside: the value was not read)."""
    if not title:
        return None
    cleaned = _TITLE_INVISIBLE_RE.sub("", _TITLE_CONTROL_RE.sub("", _SURROGATES_RE.sub("", title)))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned or None


def _chain(session: Session) -> list[str]:
    return [str(member[0]) for member in session.version]  # type: ignore[index]


def _check_unchanged(conn: sqlite3.Connection, session: Session) -> None:
    """Inside the transaction: every session of the lineage is still what the operator saw."""
    present = columns_of(conn, "sessions")
    select = ", ".join(c if c in present else "NULL" for c in _VERSION_COLUMNS)
    for member in session.version:
        row = conn.execute(f"SELECT {select} FROM sessions WHERE id = ?", (member[0],)).fetchone()  # type: ignore[index]
        if row is None:
            raise Refused("the session is gone from its store")
        if tuple(row) != tuple(member):  # type: ignore[arg-type]
            raise Refused(
                "the session changed since you looked (new activity); look again and retry"
            )


def _is_compression_ancestor(
    conn: sqlite3.Connection, ancestor_id: str, descendant_id: str
) -> bool:
    if not ancestor_id or not descendant_id or ancestor_id == descendant_id:
        return False
    edge = _COMPRESSION_CHILD.format(a="child")
    return (
        conn.execute(
            f"""
            WITH RECURSIVE ancestors(id) AS (
                SELECT ?
                UNION
                SELECT parent.id
                FROM ancestors a
                JOIN sessions child ON child.id = a.id
                JOIN sessions parent ON parent.id = child.parent_session_id
                WHERE {edge}
            )
            SELECT 1 FROM ancestors WHERE id = ? AND id != ? LIMIT 1
            """,
            (descendant_id, ancestor_id, descendant_id),
        ).fetchone()
        is not None
    )


def rename(session: Session, text: str) -> Outcome:
    """`set_session_title(tip, text)`: user provenance; empty clears the title."""
    path, tip = Path(session.store), session.id
    title = sanitize_title(text)
    with immediate(path, foreign_keys=True) as conn:
        _check_unchanged(conn, session)
        if "title_source" not in columns_of(conn, "sessions"):
            raise Refused(
                "this state.db has no title_source column (an older Hermes Agent): use `hermes sessions rename`"
            )
        current = conn.execute(
            "SELECT title, title_source, hidden FROM sessions WHERE id = ?", (tip,)
        ).fetchone()
        if current is None:
            raise Refused("the session is gone from its store")
        if (
            (current[0] or "") == CANONICAL_BOT_CHAT_TITLE
            and bool(current[2])
            and title != CANONICAL_BOT_CHAT_TITLE
        ):
            raise Refused(
                "this is the bot's canonical Bot Chat: its name is its identity (Hermes refuses too)"
            )
        if title:
            conflict = conn.execute(
                "SELECT id, archived, hidden FROM sessions WHERE title = ? AND id != ?",
                (title, tip),
            ).fetchone()
            if conflict:
                if _is_compression_ancestor(conn, conflict[0], tip):
                    conn.execute("UPDATE sessions SET title = NULL WHERE id = ?", (conflict[0],))
                elif title == CANONICAL_BOT_CHAT_TITLE and bool(conflict[1]) and bool(conflict[2]):
                    conn.execute(
                        "UPDATE sessions SET title = NULL, title_source = NULL WHERE id = ?",
                        (conflict[0],),
                    )
                else:
                    raise Refused(f"Title '{title}' is already in use by session {conflict[0]}")
        changed = conn.execute(
            "UPDATE sessions SET title = ?, title_source = ? WHERE id = ? AND title IS ? AND title_source IS ?",
            (title, "user" if title else None, tip, current[0], current[1]),
        ).rowcount
        if not changed:
            raise Refused(
                "the title changed meanwhile (compare-and-swap lost); look again and retry"
            )
    # Read back as `get_session_title` / `get_session_title_source` do.
    stored = read_one(path, "SELECT title, title_source FROM sessions WHERE id = ?", (tip,))
    ok = stored == (title, "user" if title else None)
    return Outcome(
        ok,
        (f"renamed to {title!r}" if title else "title cleared")
        if ok
        else f"{tip}: the title did not read back as written",
    )


def _set_lineage_column(session: Session, column: str, value: Any, done: str) -> Outcome:
    path, tip = Path(session.store), session.id
    with immediate(path, foreign_keys=True) as conn:
        _check_unchanged(conn, session)
        if column not in columns_of(conn, "sessions"):
            raise Refused(f"this state.db has no {column} column (an older Hermes Agent)")
        conn.execute(_LINEAGE_SQL.format(column=column), (tip, tip, value))
    values = [
        read_one(path, f"SELECT {column} FROM sessions WHERE id = ?", (sid,))
        for sid in _chain(session)
    ]
    ok = all(v is not None and v[0] == value for v in values)
    return Outcome(
        ok, done if ok else f"{tip}: {column} did not read back on every session of the lineage"
    )


def archive(session: Session, archived: bool) -> Outcome:
    """`set_session_archived`; like `hermes sessions archive`, an open session is refused (the CLI
    wants --include-open for it)."""
    if archived and not session.closed:
        raise Refused(
            "the session is still open: `hermes sessions archive` refuses it without --include-open"
        )
    return _set_lineage_column(
        session, "archived", int(archived), "archived" if archived else "unarchived"
    )


def mark_read(session: Session, read: bool) -> Outcome:
    """`set_session_read`: `last_read_at` is a watermark (now), or 0.0 for unread."""
    return _set_lineage_column(
        session,
        "last_read_at",
        time.time() if read else 0.0,
        "marked read" if read else "marked unread",
    )


def with_delegate_runs(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
    """`ids` and their delegate children, walked recursively (`_collect_delegate_child_ids`)."""
    found, frontier = set(ids), list(ids)
    delegate = _DELEGATE_FROM.format(col="model_config")
    while frontier:
        marks = ",".join("?" for _ in frontier)
        rows = conn.execute(
            f"SELECT id FROM sessions WHERE {delegate} IN ({marks}) "
            f"OR (parent_session_id IN ({marks}) AND {delegate} IS NOT NULL)",
            frontier + frontier,
        )
        frontier = [r[0] for r in rows if r[0] not in found]
        found.update(frontier)
    return found


def _delete_targets(conn: sqlite3.Connection, chain: list[str]) -> list[str]:
    """The lineage, then its delegate children."""
    return [*chain, *sorted(with_delegate_runs(conn, chain) - set(chain))]


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path = Path(session.store)
    shown = dict(session.extra).get("delete targets", "")
    expected = [part for part in shown.split(", ") if part]

    def check(conn: sqlite3.Connection) -> None:
        _check_unchanged(conn, session)
        if set(_delete_targets(conn, _chain(session))) != set(expected):
            raise Refused(
                "the sessions this delete would remove are not the ones shown; look again and retry"
            )

    entry = remove(
        path, expected, check=check, session_id=session.id, name=session.name, state_dir=state_dir
    )
    # Read back as `get_session` would: no row left for any of the ids.
    marks = ",".join("?" for _ in expected)
    left = read_one(path, f"SELECT COUNT(*) FROM sessions WHERE id IN ({marks})", expected)
    ok = left == (0,)
    return Outcome(
        ok,
        f"deleted {session.name} ({len(expected)} sessions, {entry.messages} messages)"
        if ok
        else f"{session.id}: rows are still there after the delete",
        entry.id,
    )


def remove(
    path: Path,
    ids: list[str],
    *,
    check: Callable[[sqlite3.Connection], None],
    session_id: str,
    name: str,
    state_dir: Path | None,
) -> TrashEntry:
    """`delete_sessions(ids)` in one transaction after `check`, the rows copied to the trash first
    (a pending journal entry): other children orphaned, as the bot does (a restore does not link
    them again), messages and rows deleted (per-model usage cascades), unused prompts GC'd."""
    marks = ",".join("?" for _ in ids)
    with immediate(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        prompts_kept = "system_prompts" in tables and "system_prompt_hash" in columns_of(
            conn, "sessions"
        )

    def keep(rows: dict[str, Any]) -> TrashEntry:
        return begin(
            action="delete",
            fmt="hermes-agent",
            store=str(path),
            session_id=session_id,
            name=name,
            messages=len(rows["messages"]["rows"]),
            rows=rows,
            state_dir=state_dir,
        )

    def write(conn: sqlite3.Connection) -> None:
        check(conn)
        conn.execute(
            f"UPDATE sessions SET parent_session_id = NULL WHERE parent_session_id IN ({marks})",
            ids,
        )
        conn.execute(f"DELETE FROM messages WHERE session_id IN ({marks})", ids)
        conn.execute(f"DELETE FROM sessions WHERE id IN ({marks})", ids)
        if prompts_kept:  # `_delete_unreferenced_system_prompts` (reconstructed)
            conn.execute(
                "DELETE FROM system_prompts WHERE hash NOT IN "
                "(SELECT system_prompt_hash FROM sessions WHERE system_prompt_hash IS NOT NULL)"
            )

    copied = [
        ("sessions", f"id IN ({marks})", tuple(ids)),
        ("messages", f"session_id IN ({marks})", tuple(ids)),
    ]
    if "session_model_usage" in tables:
        copied.append(("session_model_usage", f"session_id IN ({marks})", tuple(ids)))
    if prompts_kept:  # only the prompts the GC will remove (others stay in the store)
        unused = (
            f"hash IN (SELECT system_prompt_hash FROM sessions WHERE id IN ({marks})) "
            "AND hash NOT IN (SELECT system_prompt_hash FROM sessions WHERE id NOT IN "
            f"({marks}) AND system_prompt_hash IS NOT NULL)"
        )
        copied.append(("system_prompts", unused, tuple(ids + ids)))
    return trash_then_write(
        path, guard=None, keep=keep, write=write, foreign_keys=True, tables=copied
    )


def restore(entry: TrashEntry) -> Outcome:
    path = Path(entry.store)
    ids = [
        row[entry.rows["sessions"]["columns"].index("id")] for row in entry.rows["sessions"]["rows"]
    ]
    with immediate(path, foreign_keys=True) as conn:
        marks = ",".join("?" for _ in ids)
        if conn.execute(f"SELECT 1 FROM sessions WHERE id IN ({marks})", ids).fetchone():
            raise Refused(f"{entry.session_id} exists in the store again; not restoring over it")
        prompts = entry.rows.get("system_prompts")
        if prompts:
            hashes = prompts["columns"].index("hash")
            missing = [
                r
                for r in prompts["rows"]
                if conn.execute(
                    "SELECT 1 FROM system_prompts WHERE hash = ?", (r[hashes],)
                ).fetchone()
                is None
            ]
            insert_rows(conn, "system_prompts", {"columns": prompts["columns"], "rows": missing})
        insert_rows(conn, "sessions", entry.rows["sessions"])
        for table in ("messages", "session_model_usage"):
            if table in entry.rows:
                insert_rows(conn, table, entry.rows[table])
    return Outcome(True, f"restored {entry.name} ({entry.messages} messages)")
