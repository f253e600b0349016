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
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_WINDOW = 256
_CHUNK = 64 << 10  # bytes per read of a tail (see JsonlTail._blocks)
_LINES_CHUNK = 1 << 20  # bytes per read of iter_complete_lines
LONG_LINE = 8 << 20  # a line longer than this is never held whole nor parsed: only counted

LineTest = Callable[[bytes], bool]  # False: this line certainly does not matter; skip parsing it


@dataclass(slots=True)
class TailResult:
    records: list[dict[str, Any]]  # parsed new records, in file order
    reset: bool  # True: the file was replaced/shrunk; records start from its beginning again
    corrupt: int  # lines skipped in this read (bad JSON, bad UTF-8, not an object, too long)


class JsonlTail:
    """Incremental reader of one JSONL file. Not thread-safe; use from one worker at a time.

    `start()` says whether the file changed (and whether it was replaced); `records()` then
    streams what was appended, 64 KiB at a time, so a read of any size holds one chunk and one
    record at once. `poll()` does both and returns the records as a list, for small files.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.corrupt_total = 0
        self.long_total = 0  # lines over LONG_LINE, skipped (also counted in corrupt_total)
        self._stat_key: tuple[int, int, int] | None = None
        self._pending_key: tuple[int, int, int] | None = None
        self._skipping = False  # the offset is inside a line longer than LONG_LINE
        self._at_end = False
        self._head = b""
        self._before_offset = b""

    @property
    def size(self) -> int:
        """The file's size when last looked at (0 before the first look)."""
        return self._pending_key[0] if self._pending_key else 0

    def poll(self) -> TailResult | None:
        """New complete records since the last poll; None when the file is unchanged.

        Raises FileNotFoundError when the file is gone.
        """
        reset = self.start()
        if reset is None:
            return None
        before = self.corrupt_total
        records = list(self.records())
        return TailResult(records, reset, self.corrupt_total - before)

    def start(self) -> bool | None:
        """None when the file is unchanged since it was last read to its end; otherwise True
        when it was replaced or shrunk (reading starts again at 0), False when it grew."""
        stat = os.stat(self.path)
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key == self._stat_key:
            return None
        self._pending_key = key
        with open(self.path, "rb") as handle:
            reset = self._was_replaced(handle, stat.st_size)
        if reset:
            self.offset = 0
            self.corrupt_total = self.long_total = 0
            self._skipping = False
        return reset

    def records(
        self, wanted: LineTest | None = None, budget: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The complete records after the offset, which advances as they are taken.

        `wanted` skips lines before they are parsed; `budget` stops after about that many
        bytes (call `start()` and `records()` again to go on). Consume it to its end.
        """
        for lines in self.line_blocks(budget):
            for line in lines:
                if wanted is not None and not wanted(line):
                    continue
                record = parse_line(line)
                if record is None:
                    self.corrupt_total += bool(line.strip())
                else:
                    yield record

    def line_blocks(self, budget: int | None = None) -> Iterator[list[bytes]]:
        """The complete lines after the offset, a chunk's worth at a time, unparsed; lines over
        LONG_LINE are counted (corrupt) and left out. The offset is past a block when it is
        handed out. Consume it to its end; a caller that parses counts its own bad lines into
        `corrupt_total`."""
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            for lines, size in self._blocks(handle, budget):
                if size > LONG_LINE:  # a line whole in one chunk, but too long to parse?
                    kept = [line for line in lines if len(line) <= LONG_LINE]
                    self.long_total += len(lines) - len(kept)
                    self.corrupt_total += len(lines) - len(kept)
                    lines = kept
                yield lines
            self._remember_windows(handle)
        if self._at_end:  # an unfinished last line waits until the file changes again
            self._stat_key = self._pending_key

    def _blocks(self, handle: Any, budget: int | None) -> Iterator[tuple[list[bytes], int]]:
        """Complete lines from the offset, by read, with their size in bytes; the offset is
        past a block's lines when it is handed out.

        Each read is split as it comes, the unfinished line's pieces joined once its newline
        arrives: no read is copied whole, and reads of _CHUNK (64 KiB) stay below malloc's
        mmap threshold, so their memory is reused instead of page-faulted in afresh each time
        (1 MiB reads with a slice and a join cost 0.37 CPU-s over the 200 MB tree, these 0.17).
        """
        pending: list[bytes] = []  # the unfinished line, in pieces
        waiting = 0  # its bytes
        read = 0
        self._at_end = False
        # A budget never stops inside a line longer than a chunk: started again from its first
        # byte on every read, it would never be passed.
        while budget is None or read < budget or waiting >= _CHUNK:
            chunk = handle.read(_CHUNK)
            if not chunk:
                self._at_end = True
                return
            read += len(chunk)
            if self._skipping:
                newline = chunk.find(b"\n")
                if newline < 0:
                    self.offset += len(chunk)
                    continue
                self.offset += newline + 1
                chunk, self._skipping = chunk[newline + 1 :], False
                self.long_total += 1
                self.corrupt_total += 1
            lines = chunk.split(b"\n")
            if len(lines) == 1:  # no newline: the unfinished line goes on
                pending.append(chunk)
                waiting += len(chunk)
            else:
                if pending:
                    pending.append(lines[0])
                    lines[0] = b"".join(pending)
                unfinished = lines.pop()
                size = waiting + len(chunk) - len(unfinished) - 1  # the last newline not counted
                self.offset += size + 1
                yield lines, size
                pending, waiting = [unfinished], len(unfinished)
            if waiting > LONG_LINE:
                self.offset += waiting
                pending, waiting, self._skipping = [], 0, True
        # budget spent: the next read goes on from the offset, unless nothing is left
        self._at_end = handle.tell() >= os.fstat(handle.fileno()).st_size and not waiting

    @property
    def at_end(self) -> bool:
        """Whether the last read reached the end of the file (False: a budget stopped it)."""
        return self._at_end

    def state(self) -> dict[str, Any]:
        """Where this tail stands, as plain values (for the persistent transcript cache)."""
        return {
            "offset": self.offset,
            "corrupt": self.corrupt_total,
            "long": self.long_total,
            "skipping": self._skipping,
            "key": list(self._stat_key or ()),
            "head": self._head.hex(),
            "before": self._before_offset.hex(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Take up a saved state: the next `start()` reads only what was appended since, or the
        whole file again if its bytes no longer match (the same test as between two polls)."""
        self.offset = int(state["offset"])
        self.corrupt_total, self.long_total = int(state["corrupt"]), int(state["long"])
        self._skipping = bool(state["skipping"])
        key = tuple(int(v) for v in state["key"])
        self._stat_key = self._pending_key = (key[0], key[1], key[2]) if len(key) == 3 else None
        self._head, self._before_offset = (
            bytes.fromhex(state["head"]),
            bytes.fromhex(state["before"]),
        )
        self._at_end = True

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

    def _remember_windows(self, handle: Any) -> None:
        handle.seek(0)
        self._head = handle.read(min(_WINDOW, self.offset))
        start = max(0, self.offset - _WINDOW)
        handle.seek(start)
        self._before_offset = handle.read(self.offset - start)


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One JSONL line as a dict; None for blank, corrupt, non-UTF-8, non-object or too long lines.

    orjson first (3.4x stdlib json here: benchmarks/results/json_parsers.txt); a line orjson
    refuses but stdlib json accepts (a lone surrogate escape, an integer over 64 bits, NaN)
    is still read, by stdlib json.
    """
    if len(line) > LONG_LINE or not line.strip():
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            # json.loads raises UnicodeDecodeError on bad UTF-8, RecursionError past 1,000 levels
            return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over LONG_LINE bytes: only its first bytes are read, to show, never to parse."""

    head: bytes  # the first LONG_LINE_HEAD bytes
    size: int  # the whole line's length in bytes, newline not counted


LONG_LINE_HEAD = 2048
Line = bytes | LongLine


def _long_line(handle: Any, start: int, size: int) -> LongLine:
    handle.seek(start)
    return LongLine(handle.read(min(size, LONG_LINE_HEAD)), size)


def read_lines_backwards(path: Path, end: int, limit: int) -> tuple[list[tuple[int, Line]], int]:
    """Up to `limit` complete lines ending at byte `end`, last first, with their start offsets.

    Returns the lines and the offset where the earliest one starts (0: reached the start).
    Lets a transcript of any size open at its end without reading the rest. A line longer than
    LONG_LINE is never held whole: it comes back as a LongLine (its head and size).
    """
    found: list[tuple[int, Line]] = []
    with open(path, "rb") as handle:
        position = end
        carry = b""  # the end part of the line being gathered, which ends at line_end
        line_end = end
        skipping = False  # that line is over LONG_LINE: only where it ends is kept
        while position > 0 and len(found) < limit:
            step = min(64 * 1024, position)
            position -= step
            handle.seek(position)
            data = handle.read(step)
            if skipping:
                newline = data.rfind(b"\n")
                if newline < 0:
                    continue
                start = position + newline + 1
                found.append((start, _long_line(handle, start, line_end - start)))
                if len(found) >= limit:
                    return found, start
                data, line_end, skipping = data[:newline], position + newline, False
            else:
                data += carry
            parts = data.split(b"\n")
            for part in reversed(parts[1:]):
                start = line_end - len(part)
                if part.strip():
                    found.append(
                        (
                            start,
                            part
                            if len(part) <= LONG_LINE
                            else _long_line(handle, start, len(part)),
                        )
                    )
                    if len(found) >= limit:
                        return found, start
                line_end = start - 1
            carry = parts[0]
            if len(carry) > LONG_LINE:
                carry, skipping = b"", True
        if position == 0 and len(found) < limit:
            if skipping:
                found.append((0, _long_line(handle, 0, line_end)))
            elif carry.strip():
                found.append((0, carry))
            return found, 0
    return found, 0 if position == 0 else (found[-1][0] if found else end)


def iter_complete_lines(
    path: Path, start: int, chunk_size: int = _LINES_CHUNK
) -> Generator[tuple[int, Line], None, None]:
    """Complete lines from byte `start`, with their start offsets (a final partial line is left).

    A line longer than LONG_LINE comes back as a LongLine and is never held whole.
    """
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start  # where the line being gathered starts
        pending = b""
        skipped = 0  # > 0: passing over an over-long line; its bytes so far
        while chunk := handle.read(chunk_size):
            resume = handle.tell()
            if skipped:
                newline = chunk.find(b"\n")
                if newline < 0:
                    skipped += len(chunk)
                    continue
                size = skipped + newline
                yield offset, _long_line(handle, offset, size)
                handle.seek(resume)
                offset, skipped, chunk = offset + size + 1, 0, chunk[newline + 1 :]
            data = pending + chunk
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                if len(line) > LONG_LINE:
                    yield offset, _long_line(handle, offset, len(line))
                    handle.seek(resume)
                else:
                    yield offset, line
                offset += len(line) + 1
            if len(pending) > LONG_LINE:
                skipped, pending = len(pending), b""


HEAD_BYTES = 1 << 20  # what recognising a file's format may read of its head
_HEAD_CHUNK = 64 << 10  # read by this much: the first lines are usually all it needs


def head_records(path: Path, count: int = 20) -> Iterator[dict[str, Any]]:
    """The records of a file's first `count` complete lines within its first HEAD_BYTES: what
    recognising a format reads. Bounded whatever the file holds (a line over LONG_LINE is
    passed over, never held whole). Raises OSError as `open` does."""
    lines = iter_complete_lines(path, 0, _HEAD_CHUNK)
    try:
        for seen, (offset, line) in enumerate(lines):
            if seen >= count or offset > HEAD_BYTES:
                return
            record = parse_line(line) if isinstance(line, bytes) else None
            if record is not None:
                yield record
    finally:
        lines.close()
