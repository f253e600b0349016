"""The one protocol every store adapter implements, and the error it reports problems with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sessiontui.model import MessagePage, Session, StoreFormat


class StoreError(Exception):
    """A store could not be read. The message names the file and the problem, for one line."""


@dataclass(frozen=True, slots=True)
class ReadReport:
    """The outcome of one refresh of one store."""

    sessions: tuple[Session, ...]
    changed: bool  # False: nothing changed since the last refresh (the tuple is the same one)
    skipped_lines: int = 0  # corrupt JSONL lines seen so far (skipped, counted, never repaired)
    problems: tuple[str, ...] = field(default=())  # readable notes: files that could not be parsed
    note: str = ""  # one line about the store as a whole, for its line (Codex: the rate limits)


class Store(Protocol):
    format: StoreFormat
    path: Path  # absolute path of the store (a file or a directory)

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        """Read what changed since the last call (everything on the first).

        `changed_paths` is a hint from the file watcher: None means "check everything".
        Raises StoreError when the store cannot be read at all.
        """
        ...

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        """The `limit` messages before the `before` cursor (the transcript's end when None)."""
        ...

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        """Every message after the `after` cursor (a page's `newer`)."""
        ...

    def watch_paths(self) -> list[Path]:
        """Directories to watch with watchfiles (empty for stores that are polled)."""
        ...

    async def close(self) -> None: ...
