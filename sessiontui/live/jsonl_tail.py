"""Follow a JSONL file by byte offset, reading only what was appended since the last look.

A file is known by a fingerprint of its bytes, not by its inode: an atomic rewrite can reuse the
inode number. Two short windows are kept: the file's first bytes, and the bytes just before the
offset we have read to. If either differs, the file was replaced or rewritten and is read again
from the start. A last line without its newline is not finished yet and is left for later.
Nothing is memory-mapped (a bot truncating a mapped file kills the reader with SIGBUS).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WINDOW = 256
_CHUNK = 1 << 20


@dataclass(slots=True)
class TailResult:
    records: list[dict[str, Any]]  # parsed new records, in file order
    reset: bool  # True: the file was replaced/shrunk; records start from its beginning again
    corrupt: int  # lines skipped in this read (bad JSON, bad UTF-8, not an object)


class JsonlTail:
    """Incremental reader of one JSONL file. Not thread-safe; use from one worker at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.corrupt_total = 0
        self._stat_key: tuple[int, int, int] | None = None
        self._head = b""
        self._before_offset = b""

    def poll(self) -> TailResult | None:
        """New complete records since the last poll; None when the file is unchanged.

        Raises FileNotFoundError when the file is gone.
        """
        stat = os.stat(self.path)
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key == self._stat_key:
            return None
        with open(self.path, "rb") as handle:
            reset = self._was_replaced(handle, stat.st_size)
            if reset:
                self.offset = 0
            records, corrupt = self._read_from_offset(handle)
            self._remember_windows(handle)
        self._stat_key = key
        self.corrupt_total = (0 if reset else self.corrupt_total) + corrupt
        return TailResult(records, reset, corrupt)

    def _was_replaced(self, handle: Any, size: int) -> bool:
        if self.offset == 0:
            return False
        if size < self.offset:
            return True
        if handle.read(len(self._head)) != self._head:
            return True
        start = self.offset - len(self._before_offset)
        handle.seek(start)
        return bool(handle.read(len(self._before_offset)) != self._before_offset)

    def _read_from_offset(self, handle: Any) -> tuple[list[dict[str, Any]], int]:
        handle.seek(self.offset)
        records: list[dict[str, Any]] = []
        corrupt = 0
        pending = b""
        while chunk := handle.read(_CHUNK):
            data = pending + chunk
            end = data.rfind(b"\n")
            if end < 0:
                pending = data
                continue
            for line in data[:end].split(b"\n"):
                record = parse_line(line)
                if record is None:
                    corrupt += bool(line.strip())
                else:
                    records.append(record)
            self.offset += end + 1
            pending = data[end + 1 :]
        return records, corrupt

    def _remember_windows(self, handle: Any) -> None:
        handle.seek(0)
        self._head = handle.read(min(_WINDOW, self.offset))
        start = max(0, self.offset - _WINDOW)
        handle.seek(start)
        self._before_offset = handle.read(self.offset - start)


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One JSONL line as a dict; None for blank, corrupt, non-UTF-8 or non-object lines."""
    if not line.strip():
        return None
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):  # json.loads raises UnicodeDecodeError on bad UTF-8
        return None
    return value if isinstance(value, dict) else None


def read_lines_backwards(path: Path, end: int, limit: int) -> tuple[list[tuple[int, bytes]], int]:
    """Up to `limit` complete lines ending at byte `end`, last first, with their start offsets.

    Returns the lines and the offset where the earliest one starts (0: reached the start).
    Lets a transcript of any size open at its end without reading the rest.
    """
    found: list[tuple[int, bytes]] = []
    with open(path, "rb") as handle:
        position = end
        carry = b""
        while position > 0 and len(found) < limit:
            step = min(64 * 1024, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + carry
            parts = data.split(b"\n")
            carry = parts[0]
            line_end = position + len(data)
            for part in reversed(parts[1:]):
                line_end -= len(part) + 1
                if part.strip():
                    found.append((line_end + 1, part))
                    if len(found) >= limit:
                        return found, line_end + 1
        if position == 0 and carry.strip() and len(found) < limit:
            found.append((0, carry))
            return found, 0
    return found, 0 if position == 0 else (found[-1][0] if found else end)


def iter_complete_lines(path: Path, start: int) -> Iterator[tuple[int, bytes]]:
    """Complete lines from byte `start`, with their start offsets (a final partial line is left)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        pending = b""
        while chunk := handle.read(_CHUNK):
            data = pending + chunk
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                yield offset, line
                offset += len(line) + 1
