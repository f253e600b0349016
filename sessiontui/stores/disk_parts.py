"""What a store takes on disk, part by part, and what reclaims each part: only `stat` is read,
nothing is ever deleted. The format-specific parts (tombstones, archives) are here; the record of
each format (registry.py) names them and the bot's own retention setting or command."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DiskPart:
    what: str  # "database", "WAL", "transcripts", "tombstones (.deleted/.reset)" ...
    path: Path
    bytes: int
    files: int
    reclaim: str | None = (
        None  # the bot's own setting or command that reclaims it (None: none known)
    )


def measure(
    what: str, path: Path, reclaim: str | None = None, keep: Callable[[str], bool] | None = None
) -> DiskPart | None:
    """A file, or every regular file under a directory (`keep`: by file name); symlinks are not
    followed. None when nothing is there."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if not path.is_dir():
        return DiskPart(what, path, info.st_size, 1, reclaim)
    total, count = tree_size(path, keep)
    return DiskPart(what, path, total, count, reclaim)


def tree_size(root: Path, keep: Callable[[str], bool] | None = None) -> tuple[int, int]:
    """(bytes, files) of every regular file under `root` (`keep`: by file name); symlinks are
    not followed, and what cannot be read is passed over."""
    total = count = 0
    stack = [str(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False) and (
                            keep is None or keep(entry.name)
                        ):
                            total += entry.stat(follow_symlinks=False).st_size
                            count += 1
                    except OSError:
                        continue
        except OSError:
            continue
    return total, count


def sqlite_parts(path: Path) -> list[DiskPart]:
    """The database and its sidecars; the WAL is folded back by the bot's own checkpoints."""
    parts = [
        measure("database", path),
        measure("WAL", Path(f"{path}-wal"), "folded into the database by the bot's checkpoints"),
        measure("shared memory (-shm)", Path(f"{path}-shm")),
        measure("rollback journal", Path(f"{path}-journal")),
    ]
    return [p for p in parts if p is not None]


def _tombstone(name: str) -> bool:
    return ".jsonl.deleted." in name or ".jsonl.reset." in name


OPENCLAW_CLEANUP = (
    "`openclaw sessions cleanup --enforce` (it leaves the .deleted/.reset files: "
    "openclaw#75658; remove those by hand once unwanted)"
)


def openclaw_sqlite_extras(path: Path) -> list[DiskPart]:
    """`agents/<id>/agent/openclaw-agent.sqlite`: the pre-SQLite files left in `agents/<id>/sessions`."""
    sessions = path.parent.parent / "sessions"
    parts = [
        measure("tombstones (.deleted/.reset)", sessions, OPENCLAW_CLEANUP, _tombstone),
        measure(
            "leftover JSONL from before the SQLite store",
            sessions,
            "not read by OpenClaw any more",
            lambda name: name.endswith(".jsonl"),
        ),
    ]
    return [p for p in parts if p is not None and p.files]


def openclaw_legacy_extras(path: Path) -> list[DiskPart]:
    """`agents/<id>/sessions/sessions.json`: the transcripts and tombstones beside it."""
    parts = [
        measure("transcripts", path.parent, None, lambda name: name.endswith(".jsonl")),
        measure("tombstones (.deleted/.reset)", path.parent, OPENCLAW_CLEANUP, _tombstone),
    ]
    return [p for p in parts if p is not None and p.files]


def codex_extras(path: Path) -> list[DiskPart]:
    """`$CODEX_HOME`: live rollouts under `sessions/`, archived ones under `archived_sessions/`."""
    parts = [
        measure(
            "transcripts", path / "sessions", "`codex archive <SESSION>` / `codex delete <SESSION>`"
        ),
        measure("archived sessions", path / "archived_sessions", "`codex delete <SESSION>`"),
    ]
    return [p for p in parts if p is not None]
