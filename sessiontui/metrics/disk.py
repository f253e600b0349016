"""Facts of the host read from disk for the metrics: store, WAL and trash sizes; audited actions.

Only `stat` and the audit log (ours, append-only) are read; never a bot's file contents.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sessiontui.stores.disk_parts import tree_size


@dataclass(frozen=True, slots=True)
class HostFacts:
    store_bytes: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=dict
    )  # (format, path) -> kind -> bytes
    trash_bytes: int = 0
    trash_entries: int = 0
    operator_actions: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # (action, result) -> count
    processes: dict[tuple[str, str], int] = field(default_factory=dict)  # (bot, kind) -> count


def store_bytes(path: Path) -> dict[str, int]:
    """A file store: the file (`database`) and its `-wal`; a directory store: its files (`database`)."""
    try:
        if path.is_dir():
            return {"database": tree_bytes(path)}
        sizes = {"database": path.stat().st_size}
    except OSError:
        return {}
    try:
        sizes["wal"] = Path(f"{path}-wal").stat().st_size
    except OSError:
        if path.suffix in (".db", ".sqlite", ".sqlite3"):
            sizes["wal"] = 0
    return sizes


def tree_bytes(root: Path) -> int:
    """The bytes of every regular file under `root` (symlinks not followed)."""
    return tree_size(root)[0]


def trash_facts(trash: Path) -> tuple[int, int]:
    """(bytes, entries) of the trash."""
    try:
        entries = sum(1 for child in trash.iterdir() if child.is_dir())
    except OSError:
        return 0, 0
    return tree_bytes(trash), entries


class AuditCounts:
    """Actions by (action, result) from the audit log, read on from where the last read stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._counts: Counter[tuple[str, str]] = Counter()

    def read(self) -> dict[tuple[str, str], int]:
        try:
            size = self.path.stat().st_size
            if size < self._offset:  # replaced or cut: count again from the start
                self._offset, self._counts = 0, Counter()
            if size > self._offset:
                with open(self.path, "rb") as handle:
                    handle.seek(self._offset)
                    data = handle.read(size - self._offset)
                complete = data.rfind(b"\n") + 1  # a line being written is read next time
                self._offset += complete
                for line in data[:complete].splitlines():
                    self._count(line)
        except OSError:
            pass
        return dict(self._counts)

    def _count(self, line: bytes) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return
        if isinstance(record, dict):
            self._counts[
                (str(record.get("action") or "unknown"), str(record.get("result") or "unknown"))
            ] += 1
