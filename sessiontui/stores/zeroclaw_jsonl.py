"""ZeroClaw's JSONL session store (STORES.md 2.2-2.4): a directory of `<key>.jsonl` files.

No metadata: the file stem is the (sanitized) key, the file's mtime its last activity, and a
channel user turn's `[... TZ]` prefix the only message time. `*.jsonl.migrated` files were
imported into sessions.db and are shown as archived.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import LastMessage, Message, Session, StoreFormat
from sessiontui.stores.jsonl_dir import JsonlDirectoryStore
from sessiontui.stores.zeroclaw_messages import to_last_message, to_message

LIVE_SUFFIX = ".jsonl"
MIGRATED_SUFFIX = ".jsonl.migrated"


@dataclass(slots=True)
class ChatFile:
    tail: JsonlTail
    messages: int = 0
    turns: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    last: LastMessage | None = None
    mtime: datetime | None = None
    size: int = 0  # at the last poll: an action is refused if the file moved since

    def add(self, record: dict[str, Any]) -> None:
        role, content = record.get("role"), record.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            self.tail.corrupt_total += 1  # not a ChatMessage: the bot would skip it too
            return
        message = to_message(role, content)
        self.messages += 1
        if role == "user" and message.kind.value == "text":
            self.turns += 1
        if message.at is not None:
            self.first_at = self.first_at or message.at
            self.last_at = message.at
        self.last = to_last_message(message)


def session_key_of(path: Path) -> tuple[str, bool]:
    """(key, archived) from a file name; v0.6.6 percent-encoded names decoded."""
    name = path.name
    archived = name.endswith(MIGRATED_SUFFIX)
    stem = name[: -len(MIGRATED_SUFFIX if archived else LIVE_SUFFIX)]
    return (unquote(stem) if "%" in stem else stem), archived


class ZeroClawJsonlStore(JsonlDirectoryStore[ChatFile]):
    format = StoreFormat.ZEROCLAW_JSONL

    def list_files(self) -> list[Path]:
        # Order does not matter (the table and snapshot sort): sorting 20k Paths was most of a rescan.
        return [
            p
            for p in self.path.iterdir()
            if p.name.endswith((LIVE_SUFFIX, MIGRATED_SUFFIX)) and p.is_file()
        ]

    def is_session_file(self, path: Path) -> bool:
        return path.parent == self.path and (
            path.name.endswith(LIVE_SUFFIX) or path.name.endswith(MIGRATED_SUFFIX)
        )

    def new_follower(self, path: Path) -> ChatFile:
        return ChatFile(JsonlTail(path))

    def poll(self, follower: ChatFile) -> bool:
        result = follower.tail.poll()
        if result is None:
            return False
        if result.reset:
            follower.messages = follower.turns = 0
            follower.first_at = follower.last_at = follower.last = None
        for record in result.records:
            follower.add(record)
        stat = os.stat(follower.tail.path)
        follower.mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
        follower.size = stat.st_size
        return True

    def corrupt_lines(self, follower: ChatFile) -> int:
        return follower.tail.corrupt_total

    def build_sessions(self, followers: dict[Path, ChatFile]) -> dict[Path, Session]:
        return {path: self._session(path, chat) for path, chat in followers.items()}

    def _session(self, path: Path, chat: ChatFile) -> Session:
        key, archived = session_key_of(path)
        activity = max((t for t in (chat.mtime, chat.last_at) if t is not None), default=None)
        return Session(
            format=self.format,
            store=str(self.path),
            id=key,
            name=key,
            created_at=chat.first_at or chat.mtime,
            last_activity=activity,
            channel=key.split("_", 1)[0] if "_" in key else None,
            message_count=chat.messages,
            turns=chat.turns,
            archived=archived,
            last_message=chat.last,
            source_path=str(path),
            extra=(("file", path.name),),
            version=(chat.size, chat.mtime),
        )

    def record_messages(self, record: dict[str, Any]) -> list[Message]:
        role, content = record.get("role"), record.get("content")
        if isinstance(role, str) and isinstance(content, str):
            return [to_message(role, content)]
        return []
