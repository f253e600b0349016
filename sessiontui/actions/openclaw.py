"""OpenClaw is never written (STORES.md 8.6): its gateway owns the store and rewrites its rows
from `entry_json`. Each verb is refused with the reason and what does it in OpenClaw itself
(8.7; the CLI flags come from OpenClaw's docs and issues, not from its source)."""

from __future__ import annotations

from sessiontui.actions.base import Verb

SQLITE_OWNER = "OpenClaw's gateway owns this store and rewrites its rows from entry_json"
LEGACY_OWNER = "OpenClaw's gateway owns sessions.json and rewrites it from memory"

_HOW = {
    Verb.DELETE: "run `openclaw sessions delete <session key> --yes`",
    Verb.RENAME: "rename it in OpenClaw (gateway RPC `sessions.patch`, label)",
    Verb.ARCHIVE: "archive it in OpenClaw (gateway RPC `sessions.patch`)",
    Verb.UNARCHIVE: "unarchive it in OpenClaw (gateway RPC `sessions.patch`)",
    Verb.MARK_READ: "mark it read in OpenClaw",
    Verb.MARK_UNREAD: "mark it unread in OpenClaw",
    Verb.CLOSE: "no OpenClaw command ends a run (openclaw#111887): stop its process, then "
    "`openclaw sessions cleanup --enforce`",
    Verb.RESET: "no OpenClaw command clears a stale 'running' (openclaw#119117): stop its process, then "
    "`openclaw sessions cleanup --enforce`",
    Verb.CLEAR: "run `openclaw sessions cleanup --active-key <session key>`",
}


def refusals(owner: str) -> dict[Verb, str]:
    """Every verb, refused: who owns the store, and what does it in OpenClaw."""
    return {verb: f"{owner}: {how}" for verb, how in _HOW.items()}
