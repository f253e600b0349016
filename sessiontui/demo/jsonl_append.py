"""Appending one JSONL line the way the bots' writers can: two writes, so a reader may meet it half done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def append_line(path: Path, line: str, between: Callable[[Path], None] | None = None) -> None:
    """The JSON, flushed, then `\\n` in a second write; `between(path)` runs in between (a test
    hook: it sees the unfinished line a tailing reader may meet)."""
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(line)
        handle.flush()
        if between is not None:
            between(path)
        handle.write("\n")
        handle.flush()
