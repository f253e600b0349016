"""What the JSONL-directory stores share: one followed file per session, read by offset.

Subclasses say which files are sessions, how a file's records summarise into a Session, and
how a record becomes transcript messages. File work runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from sessiontui.live.jsonl_tail import (
    Line,
    LongLine,
    iter_complete_lines,
    parse_line,
    read_lines_backwards,
)
from sessiontui.model import Message, MessagePage, Role, Session, StoreFormat
from sessiontui.stores.base import ReadReport, StoreError

F = TypeVar("F")  # the follower: a JsonlTail plus a summary of what it has read


class JsonlDirectoryStore(ABC, Generic[F]):
    format: StoreFormat

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._followers: dict[Path, F] = {}
        self._sessions: dict[Path, Session] = {}
        self._snapshot: tuple[Session, ...] = ()
        self._problems: dict[Path, str] = {}
        self._loaded = False  # read once: an empty snapshot is then a real answer
        self._lock = asyncio.Lock()

    # -- what subclasses provide -------------------------------------------------------------

    @abstractmethod
    def list_files(self) -> list[Path]:
        """Every file below the store that holds a session (or a part of one)."""

    @abstractmethod
    def is_session_file(self, path: Path) -> bool:
        """Whether a path named by the file watcher is one this store follows."""

    @abstractmethod
    def new_follower(self, path: Path) -> F: ...

    @abstractmethod
    def poll(self, follower: F) -> bool:
        """Read what was appended to the follower's file; True when something changed."""

    @abstractmethod
    def corrupt_lines(self, follower: F) -> int: ...

    @abstractmethod
    def build_sessions(self, followers: dict[Path, F]) -> dict[Path, Session]:
        """Sessions keyed by the file they come from, for the files that changed."""

    @abstractmethod
    def record_messages(self, record: dict[str, Any]) -> list[Message]: ...

    # -- the Store protocol ------------------------------------------------------------------

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        async with self._lock:
            changed = await asyncio.to_thread(self._refresh_sync, changed_paths)
        skipped = sum(self.corrupt_lines(f) for f in self._followers.values())
        return ReadReport(self._snapshot, changed, skipped, tuple(self._problems.values()))

    def _refresh_sync(self, changed_paths: set[Path] | None) -> bool:
        if not self.path.is_dir():
            raise StoreError(f"{self.path}: directory is gone")
        if changed_paths is None:
            paths = set(self.list_files())
            vanished = set(self._followers) - paths
            to_poll = paths
        else:
            mine = {
                p for p in changed_paths if p.is_relative_to(self.path) and self.is_session_file(p)
            }
            present = {p for p in mine if p.is_file()}
            vanished = {p for p in mine - present if p in self._followers}
            to_poll = present
        changed_files: dict[Path, F] = {}
        for path in vanished:
            self._followers.pop(path, None)
            self._sessions.pop(path, None)
            self._problems.pop(path, None)
        for path in to_poll:
            follower = self._followers.get(path)
            if follower is None:
                follower = self._followers[path] = self.new_follower(path)
            try:
                if self.poll(follower):
                    changed_files[path] = follower
                self._problems.pop(path, None)
            except FileNotFoundError:
                self._followers.pop(path, None)
                self._sessions.pop(path, None)
                vanished.add(path)
            except OSError as exc:
                self._problems[path] = f"{path}: {exc.strerror or exc}"
        if not changed_files and not vanished and self._loaded:
            return False
        self._sessions.update(self.build_sessions(changed_files))  # vanished ones were popped above
        self._snapshot = tuple(self._sessions.values())
        self._loaded = True
        return True

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        path = self._require_file(session)
        return await asyncio.to_thread(read_page, path, before, limit, self.record_messages)

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        path = self._require_file(session)
        return await asyncio.to_thread(read_after, path, after, self.record_messages)

    def _require_file(self, session: Session) -> Path:
        if session.source_path is None or not os.path.isfile(session.source_path):
            raise StoreError(f"{session.source_path or self.path}: the session's file is gone")
        return Path(session.source_path)

    def watch_paths(self) -> list[Path]:
        return [self.path]

    async def close(self) -> None:
        self._followers.clear()


RecordMessages = Callable[[dict[str, Any]], list[Message]]


def read_page(
    path: Path, before: object | None, limit: int, convert: RecordMessages
) -> MessagePage:
    """The messages of the `limit` lines before byte `before` (the file's end when None)."""
    end = _complete_end(path)
    stop = end if before is None else min(end, int(before))  # type: ignore[call-overload]
    lines, start = read_lines_backwards(path, stop, limit)
    messages: list[Message] = []
    for _, line in reversed(lines):
        messages.extend(line_messages(line, convert))
    return MessagePage(tuple(messages), start if start > 0 else None, end)


def read_after(path: Path, after: object, convert: RecordMessages) -> MessagePage:
    """Every message in the complete lines after byte `after`."""
    start = int(after)  # type: ignore[call-overload]
    if os.path.getsize(path) < start:  # rewritten shorter: start again
        return read_page(path, None, 200, convert)
    messages: list[Message] = []
    end = start
    for offset, line in iter_complete_lines(path, start):
        end = offset + (line.size if isinstance(line, LongLine) else len(line)) + 1
        messages.extend(line_messages(line, convert))
    return MessagePage(tuple(messages), None, end)


def line_messages(line: Line, convert: RecordMessages) -> list[Message]:
    """The messages of one line; a line too long to parse is shown as its first bytes and size."""
    if isinstance(line, LongLine):
        head = line.head.decode("utf-8", errors="replace")
        return [
            Message(
                Role.SYSTEM,
                f"(a line of {line.size:,} bytes, too long to read whole; it begins) {head}",
            )
        ]
    record = parse_line(line)
    return [] if record is None else convert(record)


def _complete_end(path: Path) -> int:
    """The offset just past the last newline: where complete lines end."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        position = size
        while position > 0:
            step = min(4096, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return position - step + newline + 1
            position -= step
    return 0
