"""`sessiontui du`: what each store takes on disk, part by part, with what reclaims each part
(the bot's own retention setting or command); sessiontui's own trash and cache too. Only `stat`
is read; nothing is ever deleted."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import humanize

from sessiontui.model import StoreFormat
from sessiontui.stores.disk_parts import DiskPart, measure, sqlite_parts
from sessiontui.stores.registry import Layout, record_for
from sessiontui.text import json_line, one_line

TRASH_RECLAIM = (
    "sessiontui never empties its trash: `sessiontui restore` lists it; remove entries by hand"
)
CACHE_RECLAIM = "safe to remove: rebuilt from the transcripts (or run with --no-cache)"


def store_parts(fmt: StoreFormat, path: Path) -> list[DiskPart]:
    """The parts of one store; the bot's retention on its sessions' own part."""
    record = record_for(fmt)
    assert record is not None, fmt
    extras = record.disk_extras(path) if record.disk_extras is not None else []
    if record.layout is Layout.SQLITE_FILE:
        own = sqlite_parts(path)
        own = [
            DiskPart(p.what, p.path, p.bytes, p.files, record.retention)
            if p.what == "database"
            else p
            for p in own
        ]
    elif record.layout is Layout.JSONL_TREE and extras:
        own = []  # the extras are the tree's parts (live and archived)
    else:
        what = "sessions file" if record.layout is Layout.JSON_FILE else "transcripts"
        part = measure(what, path, record.retention)
        own = [part] if part is not None else []
    return own + extras


def own_parts(state_dir: Path | None = None) -> list[DiskPart]:
    from sessiontui.actions.trash import trash_dir
    from sessiontui.stores.transcript_cache import cache_dir

    parts = [
        measure("sessiontui trash", trash_dir(state_dir), TRASH_RECLAIM),
        measure("sessiontui transcript cache", cache_dir(), CACHE_RECLAIM),
    ]
    return [p for p in parts if p is not None]


def size_text(size: int) -> str:
    return humanize.naturalsize(size, binary=True)


def disk_line(parts: Sequence[DiskPart]) -> str:
    """The store's parts on one line, for its detail: "disk: database 12 MiB, WAL 4 MiB ... (du)"."""
    shown = ", ".join(f"{p.what} {size_text(p.bytes)}" for p in parts)
    return f"disk: {shown}  ('sessiontui du' says what reclaims each)"


@dataclass(frozen=True, slots=True)
class DiskGroup:
    """One store's parts (format and path None: sessiontui's own files)."""

    title: str
    format: str
    store: Path | None
    parts: list[DiskPart]


def write_table(groups: Sequence[DiskGroup], out: TextIO) -> None:
    for group in groups:
        total = sum(p.bytes for p in group.parts)
        out.write(one_line(f"{group.title}  ({size_text(total)})", 300) + "\n")
        for part in group.parts:
            files = f"{part.files} files" if part.path.is_dir() else ""
            line = f"  {part.what:<30} {size_text(part.bytes):>10} {files:>12}  {part.path}"
            out.write(one_line(line, 300) + "\n")
            if part.reclaim:
                out.write(one_line(f"  {'':<30} reclaim: {part.reclaim}", 300) + "\n")


def write_json(groups: Sequence[DiskGroup], out: TextIO) -> None:
    for group in groups:
        for part in group.parts:
            record = {
                "format": group.format,
                "store": str(group.store) if group.store else None,
                "what": part.what,
                "path": str(part.path),
                "bytes": part.bytes,
                "files": part.files,
                "reclaim": part.reclaim,
            }
            out.write(json_line(record) + "\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line per part")


def run_du(paths: list[Path], as_json: bool, error: Callable[[str], None]) -> int:
    from sessiontui.stores import find_stores

    found, errors = find_stores(paths)
    for line in errors:
        error(line)
    if errors and not found:
        return 2
    groups: list[DiskGroup] = []
    for item in found:
        record = record_for(item.format)
        bot = record.bot if record is not None else str(item.format)
        parts = store_parts(item.format, item.path)
        groups.append(
            DiskGroup(f"{bot} ({item.format}) {item.path}", str(item.format), item.path, parts)
        )
    groups.append(DiskGroup("sessiontui's own files", "sessiontui", None, own_parts()))
    (write_json if as_json else write_table)(groups, sys.stdout)
    return 2 if errors else 0
