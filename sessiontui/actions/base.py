"""What an operator can do to a session, and why an action is not available."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
