"""Starpod `core.db` / legacy `session.db` writes, with SessionManager's own SQL (STORES.md 3.4).

Deleting a session removes its messages and compaction log (what `ON DELETE CASCADE` does) and
keeps its `usage_stats` rows, which have no foreign key: Starpod's cost history stays whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused, check_same_session
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

GUARD = (
    "SELECT last_message_at, message_count, "
    "(SELECT COUNT(*) FROM session_messages WHERE session_id = ?1), is_closed FROM session_metadata WHERE id = ?1"
)
IDENTITY = "SELECT created_at, is_closed FROM session_metadata WHERE id = ?"
CHILDREN = ("session_messages", "compaction_log")


def _update(session: Session, column: str, value: object, sql: str, done: str) -> Outcome:
    path, sid = Path(session.store), session.id
    with immediate(path, foreign_keys=True) as conn:
        check_same_session(conn, IDENTITY, (sid,), session.created_at, (int(session.closed),))
        if column not in columns_of(conn, "session_metadata"):
            raise Refused(f"this Starpod database has no {column} column (an older Starpod)")
        conn.execute(sql, (sid, value))
    stored = read_one(path, f"SELECT {column} FROM session_metadata WHERE id = ?", (sid,))
    ok = stored is not None and stored[0] == value
    return Outcome(ok, done if ok else f"{sid}: {column} did not read back as written")


def close(session: Session, summary: str | None) -> Outcome:
    """close_session: `is_closed = 1` and the summary (Starpod has no re-open)."""
    path, sid = Path(session.store), session.id
    text = (summary or "").strip() or None
    with immediate(path, foreign_keys=True) as conn:
        check_same_session(
            conn, IDENTITY, (sid,), session.created_at, (0,)
        )  # open, as seen; new messages are fine
        conn.execute(
            "UPDATE session_metadata SET is_closed = 1, summary = ?2 WHERE id = ?1", (sid, text)
        )
    stored = read_one(path, "SELECT is_closed, summary FROM session_metadata WHERE id = ?", (sid,))
    ok = stored == (1, text)
    return Outcome(ok, f"closed {session.name}" if ok else f"{sid}: the close did not read back")


def rename(session: Session, title: str) -> Outcome:
    return _update(
        session,
        "title",
        title.strip(),
        "UPDATE session_metadata SET title = ?2 WHERE id = ?1",
        f"renamed to {title.strip()!r}",
    )


def mark_read(session: Session, read: bool) -> Outcome:
    return _update(
        session,
        "is_read",
        int(read),
        "UPDATE session_metadata SET is_read = ?2 WHERE id = ?1",
        f"marked {'read' if read else 'unread'}",
    )


def archive(session: Session, archived: bool) -> Outcome:
    return _update(
        session,
        "is_archived",
        int(archived),
        "UPDATE session_metadata SET is_archived = ?2 WHERE id = ?1",
        "archived" if archived else "unarchived",
    )


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path, sid = Path(session.store), session.id
    with immediate(path) as conn:  # which child tables this file's schema stage has
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    children = [t for t in CHILDREN if t in tables]

    def keep(rows: dict[str, Any]) -> TrashEntry:
        return begin(
            action="delete",
            fmt=str(session.format),
            store=session.store,
            session_id=sid,
            name=session.name,
            messages=len(rows["session_messages"]["rows"]),
            rows=rows,
            state_dir=state_dir,
        )

    def write(conn: Any) -> None:
        for table in children:  # legacy session.db has the foreign keys without CASCADE
            conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
        conn.execute("DELETE FROM session_metadata WHERE id = ?", (sid,))

    entry = trash_then_write(
        path,
        guard=(GUARD, (sid,), session.version),
        keep=keep,
        write=write,
        foreign_keys=True,
        tables=[
            ("session_metadata", "id = ?", (sid,)),
            *((t, "session_id = ?", (sid,)) for t in children),
        ],
    )
    gone = (
        read_one(
            path,
            "SELECT 1 FROM session_metadata WHERE id = ?1 UNION ALL "
            "SELECT 1 FROM session_messages WHERE session_id = ?1",
            (sid,),
        )
        is None
    )
    return Outcome(
        gone,
        f"deleted {session.name} ({entry.messages} messages; usage_stats kept)"
        if gone
        else f"{sid}: rows are still there after the delete",
        entry.id,
    )


def restore(entry: TrashEntry) -> Outcome:
    path, sid = Path(entry.store), entry.session_id
    with immediate(path, foreign_keys=True) as conn:
        if conn.execute("SELECT 1 FROM session_metadata WHERE id = ?", (sid,)).fetchone():
            raise Refused(f"{sid} exists in the store again; not restoring over it")
        insert_rows(conn, "session_metadata", entry.rows["session_metadata"])
        for table in CHILDREN:
            if table in entry.rows:
                insert_rows(conn, table, entry.rows[table])
    return Outcome(True, f"restored {entry.name} ({entry.messages} messages)")
