"""Hermes Agent's session lineage and visibility rules (STORES.md 7.6), as pure functions.

A compression chain (each continuation's parent ended with `end_reason = 'compression'`) is one
logical session, shown at its tip. Branch and reset children are sessions of their own; any
other child (a subagent run) is hidden by the bot's pickers, as are `hidden = 1` rows and rows
of the `kanban`, `tool` and `oneshot` sources (and `subagent`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Row = Mapping[str, Any]

RESET_END_REASONS = (
    "session_reset",
    "session_switch",
    "idle",
    "daily",
    "suspended",
    "resume_pending_expired",
)
BOUNDARY_END_REASONS = (*RESET_END_REASONS, "new_session")
RECOVERABLE_END_REASONS = (
    "agent_close",
    "ws_orphan_reap",
    "superseded_by_resume",
    "startup_orphan_reap",
)
AUTOMATIC_END_REASONS = (
    *RECOVERABLE_END_REASONS,
    "tui_shutdown",
    "ws_disconnect",
    "idle_timeout",
    "lru_evict",
)
HIDDEN_SOURCES = ("subagent", "kanban", "tool", "oneshot")


def end_reason_note(reason: str | None) -> str | None:
    """What an `end_reason` means, in the words sessiontui shows."""
    if reason is None:
        return None
    if reason in AUTOMATIC_END_REASONS:
        return f"{reason} (closed by runtime)"
    if reason in BOUNDARY_END_REASONS:
        return f"{reason} (closed by user)"
    if reason == "branched":
        return f"{reason} (continued in a branch)"
    return reason


def model_config(row: Row) -> dict[str, Any]:
    try:
        value = json.loads(row.get("model_config") or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def is_compression_child(row: Row, rows: Mapping[str, Row]) -> bool:
    parent = rows.get(row.get("parent_session_id") or "")
    return parent is not None and parent.get("end_reason") == "compression"


def _is_branch_child(row: Row, parent: Row) -> bool:
    if model_config(row).get("_branched_from"):
        return True
    ended = parent.get("ended_at")
    return (
        parent.get("end_reason") == "branched"
        and ended is not None
        and (row.get("started_at") or 0) >= ended
    )


def _is_reset_child(row: Row, parent: Row) -> bool:
    if model_config(row).get("_reset_from"):
        return True
    key = row.get("session_key")
    return (
        parent.get("end_reason") in RESET_END_REASONS
        and bool(key)
        and key == parent.get("session_key")
    )


def hidden_by_bot(row: Row, rows: Mapping[str, Row]) -> bool:
    """True for a row the bot's own session pickers do not list."""
    if row.get("hidden") or row.get("source") in HIDDEN_SOURCES:
        return True
    parent = rows.get(row.get("parent_session_id") or "")
    if parent is None:
        return False  # a root (or an orphan whose parent was deleted)
    return not (_is_branch_child(row, parent) or _is_reset_child(row, parent))


def chains(rows: Mapping[str, Row]) -> list[list[str]]:
    """Each logical session's ids, root first and tip last (compression continuations only)."""
    children: dict[str, list[str]] = {}
    for key, row in rows.items():
        if is_compression_child(row, rows):
            children.setdefault(row["parent_session_id"], []).append(key)
    out: list[list[str]] = []
    for key, row in rows.items():
        if is_compression_child(row, rows):
            continue
        chain = [key]
        seen = {key}
        while children.get(chain[-1]):
            newest = max(children[chain[-1]], key=lambda k: rows[k].get("started_at") or 0)
            if newest in seen:
                break
            chain.append(newest)
            seen.add(newest)
        out.append(chain)
    return out


def delegate_index(rows: Mapping[str, Row]) -> dict[str, list[str]]:
    """Parent id -> the delegate subagent runs it spawned: rows whose `_delegate_from` names it, or
    whose parent it is and that carry the marker (`_collect_delegate_child_ids`, one level)."""
    out: dict[str, list[str]] = {}
    for key, row in rows.items():
        marker = model_config(row).get("_delegate_from") if row.get("model_config") else None
        if not marker:
            continue
        for parent in {marker, row.get("parent_session_id")}:
            if isinstance(parent, str) and parent:
                out.setdefault(parent, []).append(key)
    return out


def delegate_children(parents: list[str], index: Mapping[str, list[str]]) -> list[str]:
    """Delegate runs of `parents`, walked recursively through `delegate_index`."""
    found = set(parents)
    frontier = list(parents)
    while frontier:
        children = [c for p in frontier for c in index.get(p, ()) if c not in found]
        found.update(children)
        frontier = children
    return sorted(found - set(parents))
