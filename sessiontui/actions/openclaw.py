"""OpenClaw is never written (STORES.md 8.6): its gateway owns the store and rewrites its rows
from `entry_json`. Each verb is refused with the reason and what does it in OpenClaw itself
(8.7; the CLI flags come from OpenClaw's docs and issues, not from its source)."""

from __future__ import annotations

from sessiontui.model import Session, StoreFormat

OWNER = {
    StoreFormat.OPENCLAW: "OpenClaw's gateway owns this store and rewrites its rows from entry_json",
    StoreFormat.OPENCLAW_LEGACY: "OpenClaw's gateway owns sessions.json and rewrites it from memory",
}

_HOW = {  # by sessiontui.actions.Verb value
    "delete": "run `openclaw sessions delete {key} --yes`",
    "rename": "rename it in OpenClaw (gateway RPC `sessions.patch`, label)",
    "archive": "archive it in OpenClaw (gateway RPC `sessions.patch`)",
    "unarchive": "unarchive it in OpenClaw (gateway RPC `sessions.patch`)",
    "mark_read": "mark it read in OpenClaw",
    "mark_unread": "mark it unread in OpenClaw",
    "close": "no OpenClaw command ends a run (openclaw#111887): stop its process, then "
                "`openclaw sessions cleanup --enforce`",
    "reset": "no OpenClaw command clears a stale 'running' (openclaw#119117): stop its process, then "
                "`openclaw sessions cleanup --enforce`",
    "clear": "run `openclaw sessions cleanup --active-key {key}`",
}


def refusal(session: Session, verb: str) -> str:
    """Why sessiontui does not do `verb` to an OpenClaw session, and what does."""
    owner = OWNER.get(session.format, OWNER[StoreFormat.OPENCLAW])
    how = _HOW.get(verb, "use `openclaw sessions`").format(key=session.id)
    return f"{owner}: {how}"
