"""What an operator can do to a session, and why an action is not available."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sessiontui.actions import openclaw
from sessiontui.model import Session, StoreFormat


class Verb(StrEnum):
    CLOSE = "close"  # Starpod: is_closed = 1 (+ summary)
    RENAME = "rename"  # Starpod title / ZeroClaw name
    DELETE = "delete"  # what the bot's own delete removes; a copy goes to the trash first
    RESET = "reset"  # ZeroClaw: a running session back to idle (as the daemon would)
    CLEAR = "clear"  # ZeroClaw: clear the messages, keep the session
    MARK_READ = "mark_read"  # Starpod
    MARK_UNREAD = "mark_unread"  # Starpod
    ARCHIVE = "archive"  # Starpod v0.3.2+
    UNARCHIVE = "unarchive"  # Starpod v0.3.2+


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str  # one line for a notification: what was done, or why it was not
    trash_id: str | None = None  # set when a copy went to the trash (delete, clear)


READ_ONLY = "sessiontui runs with --read-only"
CLAUDE = "Claude Code transcripts are read-only: Claude Code appends to them while it runs"
HERMES_JSON = "hermes-bot 0.1.x rewrites sessions.json from memory: an edit would be lost"

_SUPPORTED: dict[StoreFormat, dict[Verb, str | None]] = {
    StoreFormat.STARPOD: {
        Verb.CLOSE: None, Verb.RENAME: None, Verb.DELETE: None, Verb.MARK_READ: None,
        Verb.MARK_UNREAD: None, Verb.ARCHIVE: None, Verb.UNARCHIVE: None,
    },
    StoreFormat.ZEROCLAW_SQLITE: {
        Verb.RENAME: None, Verb.DELETE: None, Verb.RESET: None, Verb.CLEAR: None,
        Verb.CLOSE: "ZeroClaw has no close: reset, clear or delete the session instead",
    },
    StoreFormat.ZEROCLAW_JSONL: {
        Verb.DELETE: None, Verb.CLEAR: None,
        Verb.RENAME: "ZeroClaw's JSONL store keeps no names (only its SQLite store does)",
        Verb.CLOSE: "ZeroClaw has no close: clear or delete the session instead",
    },
    StoreFormat.HERMES_SQLITE: {
        Verb.DELETE: None,
        Verb.RENAME: "hermes-bot sessions have no names",
        Verb.CLOSE: "hermes-bot has no close: delete the row, or prune expired rows",
    },
}


def why_not(session: Session, verb: Verb, *, read_only: bool = False) -> str | None:
    """None when `verb` can be done to `session`; otherwise the reason, for the operator."""
    if session.format == StoreFormat.CLAUDE_CODE:
        return CLAUDE
    if session.format == StoreFormat.HERMES_JSON:
        return HERMES_JSON
    if session.format in (StoreFormat.OPENCLAW, StoreFormat.OPENCLAW_LEGACY):
        return openclaw.refusal(session, verb)
    if read_only:
        return READ_ONLY
    verbs = _SUPPORTED.get(session.format, {})
    if verb not in verbs:
        return f"{session.format} has no '{verb}'"
    reason = verbs[verb]
    if reason is not None:
        return reason
    if verb is Verb.RESET and session.native_state != "running":
        return "only a session the store marks running can be reset to idle"
    if verb in (Verb.ARCHIVE, Verb.UNARCHIVE) and session.archived == (verb is Verb.ARCHIVE):
        return f"already {'archived' if session.archived else 'not archived'}"
    if verb in (Verb.MARK_READ, Verb.MARK_UNREAD) and "is_read" not in dict(session.extra):
        return "this Starpod database has no read flag (an older Starpod)"
    if verb is Verb.CLOSE and session.closed:
        return "already closed (Starpod has no re-open)"
    return None
