"""Hermes Agent's `prune_sessions(older_than_days)` with its default filters (STORES.md 7.7).

Only ended sessions; pinned chats (and the continuations of a pinned chat) are kept; age is the
bot's recency (the freshest of `last_activity_at` and the newest message, else `started_at`),
except for rows closed by `startup_orphan_reap`, which age from `ended_at`; a compression
ancestor goes only together with every continuation after it. Delegate runs of what is pruned
go with it; other children are orphaned. Open sessions are never pruned (by the bot's design).
The candidate SQL is *reconstructed* from that description (`_PRUNE_FILTERS` is not quoted).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.hermes_agent import remove, with_delegate_runs
from sessiontui.actions.sqlite_write import columns_of, immediate, read_one

_RECENCY = (
    "MAX(COALESCE(s.last_activity_at, 0), COALESCE((SELECT MAX(m.timestamp) FROM messages m "
    "WHERE m.session_id = s.id), 0), s.started_at)"
)


def prune_candidates(conn: sqlite3.Connection, cutoff: float) -> list[str]:
    """The ids `prune_sessions` would delete, delegate runs included."""
    present = columns_of(conn, "sessions")
    recency = (
        _RECENCY
        if "last_activity_at" in present
        else _RECENCY.replace("COALESCE(s.last_activity_at, 0), ", "")
    )
    pinned = "COALESCE(s.pinned, 0) = 0 AND " if "pinned" in present else ""
    rows = conn.execute(
        f"SELECT s.id FROM sessions s WHERE s.ended_at IS NOT NULL AND {pinned}"
        f"(CASE WHEN s.end_reason = 'startup_orphan_reap' THEN s.ended_at ELSE {recency} END) < ?",
        (cutoff,),
    )
    chosen = {r[0] for r in rows}
    parent_of = dict(conn.execute("SELECT id, parent_session_id FROM sessions"))
    ended = dict(conn.execute("SELECT id, end_reason FROM sessions"))
    continuations: dict[str, list[str]] = {}
    for sid, parent in parent_of.items():
        if parent is not None and ended.get(parent) == "compression":
            continuations.setdefault(parent, []).append(sid)
    pins = (
        {r[0] for r in conn.execute("SELECT id FROM sessions WHERE pinned = 1")}
        if pinned
        else set()
    )
    changed = True
    while changed:  # whole lineages only, and none that holds a pin
        changed = False
        for sid in list(chosen):
            lineage = _lineage(sid, parent_of, ended, continuations)
            if not lineage <= chosen | {sid} or lineage & pins:
                chosen.discard(sid)
                changed = True
    return sorted(with_delegate_runs(conn, list(chosen)))


def _lineage(
    sid: str,
    parent_of: dict[str, str | None],
    ended: dict[str, str | None],
    continuations: dict[str, list[str]],
) -> set[str]:
    """The compression continuations after `sid`, and (for pins) the ancestors before it."""
    out: set[str] = set()
    stack = list(continuations.get(sid, []))
    while stack:
        child = stack.pop()
        if child not in out:
            out.add(child)
            stack.extend(continuations.get(child, []))
    parent = parent_of.get(sid)
    while parent is not None and ended.get(parent) == "compression" and parent not in out:
        out.add(parent)
        parent = parent_of.get(parent)
    return out


def prune(store: Path, ttl_days: int, state_dir: Path | None) -> Outcome:
    cutoff = time.time() - ttl_days * 86400
    with immediate(store) as conn:
        planned = prune_candidates(conn, cutoff)
    if not planned:
        return Outcome(True, f"nothing to prune: no ended session older than {ttl_days} days")

    def check(conn: sqlite3.Connection) -> None:
        if prune_candidates(conn, cutoff) != planned:
            raise Refused("the sessions to prune changed meanwhile; try again")

    entry = remove(
        store,
        planned,
        check=check,
        session_id=planned[0],
        name=f"prune of {len(planned)} sessions",
        state_dir=state_dir,
    )
    marks = ",".join("?" for _ in planned)
    left = read_one(store, f"SELECT COUNT(*) FROM sessions WHERE id IN ({marks})", planned)
    return Outcome(
        left == (0,),
        f"pruned {len(planned)} ended sessions older than {ttl_days} days "
        f"({entry.messages} messages; u puts them back)",
        entry.id,
    )
