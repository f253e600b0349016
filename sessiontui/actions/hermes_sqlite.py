"""hermes-bot `sessions.db` writes, with the bot's own SQL (STORES.md 1.5).

A deleted row is what the bot's `prune_stale_channels` does one row at a time; the bot reads
the database on every call, so it sees the change at once. The Claude Code transcript is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.journal import begin
from sessiontui.actions.sqlite_write import immediate, insert_rows, read_one, trash_then_write
from sessiontui.actions.trash import TrashEntry
from sessiontui.model import Session, StoreFormat
from sessiontui.timestamps import chrono_rfc3339

GUARD = "SELECT last_active, total_turns, session_id FROM sessions WHERE thread_ts = ?"


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path, thread = Path(session.store), session.id

    def keep(rows: dict[str, Any]) -> TrashEntry:
        return begin(
            action="delete",
            fmt=str(session.format),
            store=session.store,
            session_id=thread,
            name=session.name,
            messages=session.message_count,
            rows=rows,
            state_dir=state_dir,
        )

    entry = trash_then_write(
        path,
        guard=(GUARD, (thread,), session.version),
        keep=keep,
        tables=[("sessions", "thread_ts = ?", (thread,))],
        write=lambda conn: conn.execute("DELETE FROM sessions WHERE thread_ts = ?", (thread,)),
    )
    gone = read_one(path, "SELECT 1 FROM sessions WHERE thread_ts = ?", (thread,)) is None
    return Outcome(
        gone,
        f"deleted thread {thread} (its Claude Code transcript is kept)"
        if gone
        else f"{thread}: the row is still there after the delete",
        entry.id,
    )


def prune(store: Path, ttl_days: int, state_dir: Path | None) -> Outcome:
    """prune_expired(ttl_days): `DELETE FROM sessions WHERE last_active < ?1`, a TEXT comparison
    against the cutoff in the bot's own `+00:00` form."""
    if ttl_days < 1:
        raise Refused("the TTL must be at least one day")
    cutoff = chrono_rfc3339(datetime.now(UTC) - timedelta(days=ttl_days))
    expired = read_one(store, "SELECT COUNT(*) FROM sessions WHERE last_active < ?", (cutoff,))
    if not expired or expired[0] == 0:
        return Outcome(True, f"nothing older than {ttl_days} days to prune")

    def keep(rows: dict[str, Any]) -> TrashEntry:
        count = len(rows["sessions"]["rows"])
        return begin(
            action="prune",
            fmt=str(StoreFormat.HERMES_SQLITE),
            store=str(store),
            session_id=f"{count} rows",
            name=f"rows idle for over {ttl_days} days",
            messages=0,
            rows=rows,
            state_dir=state_dir,
        )

    entry = trash_then_write(
        store,
        guard=None,
        keep=keep,
        tables=[("sessions", "last_active < ?", (cutoff,))],
        write=lambda conn: conn.execute("DELETE FROM sessions WHERE last_active < ?1", (cutoff,)),
    )
    left = read_one(store, "SELECT COUNT(*) FROM sessions WHERE last_active < ?", (cutoff,))
    count = len(entry.rows["sessions"]["rows"])
    return Outcome(left == (0,), f"pruned {count} rows idle for over {ttl_days} days", entry.id)


def restore(entry: TrashEntry) -> Outcome:
    path = Path(entry.store)
    block = entry.rows["sessions"]
    key = block["columns"].index("thread_ts")
    with immediate(path) as conn:
        present = {r[0] for r in conn.execute("SELECT thread_ts FROM sessions")}
        missing = [r for r in block["rows"] if r[key] not in present]
        insert_rows(conn, "sessions", {"columns": block["columns"], "rows": missing})
    skipped = len(block["rows"]) - len(missing)
    note = f"; {skipped} skipped (the bot has them again)" if skipped else ""
    return Outcome(True, f"restored {len(missing)} hermes-bot rows{note}")
