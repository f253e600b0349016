"""The trash: what a delete or clear removed, kept so it can be put back exactly.

One directory per entry under `<state dir>/trash/`: `entry.json` with the rows as they were
(every column, ids and timestamps included), and for file stores the file itself under `files/`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.config import state_dir as default_state_dir
from sessiontui.timestamps import parse_timestamp

Rows = dict[str, dict[str, list[Any]]]  # table -> {"columns": [...], "rows": [[...], ...]}


@dataclass(frozen=True, slots=True)
class TrashEntry:
    id: str
    path: Path
    action: str
    format: str
    store: str
    session_id: str
    name: str
    deleted_at: datetime
    messages: int
    rows: Rows
    files: tuple[str, ...]


def trash_dir(state_dir: Path | None = None) -> Path:
    return (state_dir or default_state_dir()) / "trash"


def _encode(value: Any) -> Any:
    return {"$blob": base64.b64encode(value).decode()} if isinstance(value, bytes) else value


def _decode(value: Any) -> Any:
    return base64.b64decode(value["$blob"]) if isinstance(value, dict) and "$blob" in value else value


def write_entry(*, action: str, fmt: str, store: str, session_id: str, name: str, messages: int,
                rows: Rows | None = None, files: list[tuple[Path, str]] | None = None,
                state_dir: Path | None = None) -> TrashEntry:
    """Put a copy in the trash and fsync it: only then may the caller remove the original.

    `files` are (file, name to keep it under), copied in; the caller removes the originals.
    """
    now = datetime.now(UTC)
    entry_id = f"{now:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:6]}"
    path = trash_dir(state_dir) / entry_id
    (path / "files").mkdir(parents=True, mode=0o700)
    kept: list[str] = []
    for file, kept_as in files or []:
        shutil.copy2(file, path / "files" / kept_as)
        with open(path / "files" / kept_as, "rb") as copied:
            os.fsync(copied.fileno())
        kept.append(kept_as)
    encoded = {t: {"columns": v["columns"], "rows": [[_encode(c) for c in r] for r in v["rows"]]}
               for t, v in (rows or {}).items()}
    document = {"id": entry_id, "action": action, "format": fmt, "store": store,
                "session_id": session_id, "name": name, "deleted_at": now.isoformat(),
                "messages": messages, "rows": encoded, "files": kept}
    target = path / "entry.json"
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path / "files")
    _fsync_dir(path)
    return read_entry(path)


def _fsync_dir(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def read_entry(path: Path) -> TrashEntry:
    data = json.loads((path / "entry.json").read_text(encoding="utf-8"))
    rows = {t: {"columns": v["columns"], "rows": [[_decode(c) for c in r] for r in v["rows"]]}
            for t, v in data["rows"].items()}
    return TrashEntry(
        id=data["id"], path=path, action=data["action"], format=data["format"], store=data["store"],
        session_id=data["session_id"], name=data["name"],
        deleted_at=parse_timestamp(data["deleted_at"]) or datetime.now(UTC),
        messages=int(data["messages"]), rows=rows, files=tuple(data["files"]),
    )


def list_trash(state_dir: Path | None = None) -> list[TrashEntry]:
    """Every entry, newest first (unreadable entries are skipped, never removed)."""
    root = trash_dir(state_dir)
    entries = []
    for path in root.glob("*/entry.json") if root.is_dir() else []:
        try:
            entries.append(read_entry(path.parent))
        except (OSError, ValueError, KeyError):
            continue
    return sorted(entries, key=lambda entry: (entry.deleted_at, entry.id), reverse=True)


def discard(entry: TrashEntry) -> None:
    """Remove an entry (after it was restored, or when its action was rolled back)."""
    shutil.rmtree(entry.path, ignore_errors=True)


@contextmanager
def undone_on_failure() -> Iterator[list[TrashEntry]]:
    """Entries appended inside the block are discarded if it fails (the write rolled back)."""
    made: list[TrashEntry] = []
    try:
        yield made
    except BaseException:
        for entry in made:
            discard(entry)
        raise
