"""ZeroClaw `sessions.db` writes, with the daemon's own SQL (STORES.md 2.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused, check_same_session, check_unchanged
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
from sessiontui.timestamps import chrono_rfc3339

GUARD = "SELECT last_activity, message_count FROM session_metadata WHERE session_key = ?"
IDENTITY = "SELECT created_at FROM session_metadata WHERE session_key = ?"


def _keep(session: Session, action: str, state_dir: Path | None) -> Any:
    def keep(rows: dict[str, Any]) -> TrashEntry:
        return begin(
            action=action,
            fmt=str(session.format),
            store=session.store,
            session_id=session.id,
            name=session.name,
            messages=len(rows["sessions"]["rows"]),
            rows=rows,
            state_dir=state_dir,
        )

    return keep


def rename(session: Session, name: str) -> Outcome:
    path, key = Path(session.store), session.id
    with immediate(path) as conn:
        check_same_session(conn, IDENTITY, (key,), session.created_at)
        if "name" not in columns_of(conn, "session_metadata"):
            raise Refused("this sessions.db predates session names (ZeroClaw < 0.5.8)")
        conn.execute(
            "UPDATE session_metadata SET name = ?1 WHERE session_key = ?2",
            (name.strip() or None, key),
        )
    stored = read_one(path, "SELECT name FROM session_metadata WHERE session_key = ?", (key,))
    ok = stored is not None and stored[0] == (name.strip() or None)
    return Outcome(
        ok, f"renamed {key} to {name.strip()!r}" if ok else f"{key}: the new name did not read back"
    )


def reset(session: Session) -> Outcome:
    """What the daemon would do to unstick a turn: back to idle, no turn. Only a running one:
    a state the daemon changed meanwhile (to error, say) is left as it is."""
    path, key = Path(session.store), session.id
    with immediate(path) as conn:
        check_unchanged(conn, GUARD, (key,), session.version)
        done = conn.execute(
            "UPDATE session_metadata SET state = 'idle', turn_id = NULL, turn_started_at = NULL "
            "WHERE session_key = ? AND state = 'running'",
            (key,),
        ).rowcount
        if not done:
            raise Refused("the session is no longer running")
    stored = read_one(
        path, "SELECT state, turn_id FROM session_metadata WHERE session_key = ?", (key,)
    )
    ok = stored == ("idle", None)
    return Outcome(ok, f"{key} reset to idle" if ok else f"{key}: the reset did not read back")


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path, key = Path(session.store), session.id

    def write(conn: Any) -> None:
        conn.execute("DELETE FROM sessions WHERE session_key = ?1", (key,))
        conn.execute("DELETE FROM session_metadata WHERE session_key = ?1", (key,))

    entry = trash_then_write(
        path,
        guard=(GUARD, (key,), session.version),
        keep=_keep(session, "delete", state_dir),
        write=write,
        tables=[
            ("session_metadata", "session_key = ?", (key,)),
            ("sessions", "session_key = ?", (key,)),
        ],
    )
    gone = (
        read_one(
            path,
            "SELECT 1 FROM session_metadata WHERE session_key = ? UNION ALL "
            "SELECT 1 FROM sessions WHERE session_key = ?",
            (key, key),
        )
        is None
    )
    return Outcome(
        gone,
        f"deleted {key} ({entry.messages} messages)"
        if gone
        else f"{key}: rows are still there after the delete",
        entry.id,
    )


def clear(session: Session, state_dir: Path | None) -> Outcome:
    """clear_messages: the messages go, the session and its name stay (STORES.md 2.5)."""
    path, key = Path(session.store), session.id

    def write(conn: Any) -> None:
        if conn.execute("DELETE FROM sessions WHERE session_key = ?1", (key,)).rowcount:
            conn.execute(
                "UPDATE session_metadata SET message_count = 0, last_activity = ?1 WHERE session_key = ?2",
                (chrono_rfc3339(datetime.now(UTC)), key),
            )

    entry = trash_then_write(
        path,
        guard=(GUARD, (key,), session.version),
        keep=_keep(session, "clear", state_dir),
        write=write,
        tables=[
            ("session_metadata", "session_key = ?", (key,)),
            ("sessions", "session_key = ?", (key,)),
        ],
    )
    left = read_one(path, "SELECT COUNT(*) FROM sessions WHERE session_key = ?", (key,))
    ok = left == (0,)
    return Outcome(
        ok,
        f"cleared {entry.messages} messages of {key}"
        if ok
        else f"{key}: messages are still there after the clear",
        entry.id,
    )


def restore(entry: TrashEntry) -> Outcome:
    path, key = Path(entry.store), entry.session_id
    with immediate(path) as conn:
        current = conn.execute(
            "SELECT message_count FROM session_metadata WHERE session_key = ?", (key,)
        ).fetchone()
        if entry.action == "delete":
            if current:
                raise Refused(
                    f"{key} exists again in the store (the bot re-created it); not restoring over it"
                )
            insert_rows(conn, "session_metadata", entry.rows["session_metadata"])
            insert_rows(conn, "sessions", entry.rows["sessions"])
        else:  # clear: put the messages back under the kept metadata row
            if not current:
                raise Refused(
                    f"{key} is gone from the store; nothing to put its messages back into"
                )
            count = insert_rows(conn, "sessions", entry.rows["sessions"])
            saved = dict(
                zip(
                    entry.rows["session_metadata"]["columns"],
                    entry.rows["session_metadata"]["rows"][0],
                    strict=True,
                )
            )
            if current[0] == 0:  # nothing happened since the clear: exactly as it was
                conn.execute(
                    "UPDATE session_metadata SET message_count = ?1, last_activity = ?2 WHERE session_key = ?3",
                    (saved["message_count"], saved["last_activity"], key),
                )
            else:  # the bot wrote since: keep its activity, count both
                conn.execute(
                    "UPDATE session_metadata SET message_count = message_count + ?1 WHERE session_key = ?2",
                    (count, key),
                )
    return Outcome(True, f"restored {key} ({entry.messages} messages)")
