"""The one protocol every store adapter implements, and the error it reports problems with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from sessiontui.model import ApiCall, MessagePage, Session, StoreFormat


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


@runtime_checkable
class PagedStore(Protocol):
    """A store that can also be read once, in key order, a page at a time (`snapshot`): a big
    store is printed without all its sessions in memory. Not for the live view: pages are
    built for one read and carry only what a snapshot prints (no per-day costs)."""

    format: StoreFormat
    path: Path

    async def prepare_pages(self, calls_since: datetime) -> dict[str, tuple[ApiCall, ...]]:
        """Read what sessions need from the whole store first (usage, counts); the calls since
        `calls_since` of the sessions that made some, by id (burn rates are needed before any
        page; older calls are not kept)."""
        ...

    def pages(self, size: int) -> AsyncIterator[tuple[Session, ...]]:
        """Every session, ordered by id, `size` at a time (each page its own short reads)."""
        ...

    async def has_ids(self, ids: list[str]) -> set[str]:
        """Those of these ids that are sessions of the store."""
        ...


@runtime_checkable
class PacedStore(Protocol):
    """A store whose first read of a huge file can be spread over refreshes: with
    `read_seconds` set, a refresh reads for about that long and lists what it has (the rest
    marked as counting); None, as in `snapshot`, reads everything in one refresh."""

    read_seconds: float | None


INTERACTIVE_READ_SECONDS = 0.4  # how long the app's refresh reads a huge file before listing
