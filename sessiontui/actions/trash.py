"""The trash: what a delete or clear removed, kept so it can be put back exactly.

One directory per entry under `<state dir>/trash/`: `entry.json` with the rows as they were
(every column, ids and timestamps included), and for file stores the file itself under `files/`.
An entry is built under a hidden `.incoming-*` name, fsynced and renamed into place, so it is
whole or absent; its `status` says where the action stands (see `journal.py`): `pending` until
the store write is known done, `done` after, `restoring` while it is being put back.
Names are kept losslessly: the JSON is ASCII with `\\u` escapes, so a file name's undecodable
bytes (surrogate escapes) come back exactly. Directories are 0700 and files 0600.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.config import state_dir as default_state_dir
from sessiontui.private_files import fsync_dir, open_private, private_dir, write_atomic
from sessiontui.timestamps import parse_timestamp

Rows = dict[str, dict[str, list[Any]]]  # table -> {"columns": [...], "rows": [[...], ...]}
INCOMING = ".incoming-"
DISCARDING = ".discarding-"
PENDING, DONE, RESTORING = "pending", "done", "restoring"


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
    status: str = DONE
    link: str | None = None  # a symlinked JSONL session: where the link pointed


@dataclass(frozen=True, slots=True)
class DamagedEntry:
    """A trash directory that cannot be read; listed with its path, never removed."""

    path: Path
    reason: str


class DamagedTrash(ValueError):
    """`entry.json` is missing, not JSON, or lacks a field."""


_HELD: dict[
    str, int
] = {}  # entry id -> a locked descriptor of its directory, while its action runs


def hold(path: Path) -> bool:
    """Lock an entry's directory for this process's action on it (an flock, so a killed process
    lets go). False when another process holds it: its action is running, leave the entry be."""
    handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return False
    _HELD[path.name] = handle
    return True


def release(entry_id: str) -> None:
    handle = _HELD.pop(entry_id, None)
    if handle is not None:
        os.close(handle)


def trash_dir(state_dir: Path | None = None) -> Path:
    return (state_dir or default_state_dir()) / "trash"


def _encode(value: Any) -> Any:
    return {"$blob": base64.b64encode(value).decode()} if isinstance(value, bytes) else value


def _decode(value: Any) -> Any:
    return (
        base64.b64decode(value["$blob"]) if isinstance(value, dict) and "$blob" in value else value
    )


def _document_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=True).encode("ascii")


def write_entry(
    *,
    action: str,
    fmt: str,
    store: str,
    session_id: str,
    name: str,
    messages: int,
    rows: Rows | None = None,
    files: list[tuple[Path, str]] | None = None,
    link: str | None = None,
    state_dir: Path | None = None,
) -> TrashEntry:
    """Put a copy in the trash, `pending`, whole and fsynced, or raise and leave nothing behind.

    `files` are (file, name to keep it under), copied in; the caller removes the originals.
    """
    now = datetime.now(UTC)
    entry_id = f"{now:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:6]}"
    root = private_dir(trash_dir(state_dir))
    incoming = root / f"{INCOMING}{entry_id}"
    try:
        os.mkdir(incoming, 0o700)
        locked = os.open(incoming, os.O_RDONLY | os.O_DIRECTORY)  # held until the action ends;
        fcntl.flock(locked, fcntl.LOCK_EX)  # the lock follows the directory through its rename
        _HELD[entry_id] = locked
        os.mkdir(incoming / "files", 0o700)
        kept: list[str] = []
        for file, kept_as in files or []:
            _copy_private(file, incoming / "files" / kept_as)
            kept.append(kept_as)
        encoded = {
            t: {"columns": v["columns"], "rows": [[_encode(c) for c in r] for r in v["rows"]]}
            for t, v in (rows or {}).items()
        }
        document = {
            "id": entry_id,
            "action": action,
            "format": fmt,
            "store": store,
            "session_id": session_id,
            "name": name,
            "deleted_at": now.isoformat(),
            "messages": messages,
            "rows": encoded,
            "files": kept,
            "status": PENDING,
            "link": link,
        }
        handle = open_private(incoming / "entry.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(handle, "wb") as out:
            out.write(_document_bytes(document))
            out.flush()
            os.fsync(out.fileno())
        fsync_dir(incoming / "files")
        fsync_dir(incoming)
        os.rename(incoming, root / entry_id)
        fsync_dir(root)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        release(entry_id)
        raise
    return read_entry(root / entry_id)


def _copy_private(source: Path, target: Path) -> None:
    """Copy a file's bytes (following a symlink) into a new 0600 file, fsynced; times kept."""
    handle = open_private(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(handle, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    info = os.stat(source)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def set_status(entry: TrashEntry, status: str) -> TrashEntry:
    """Rewrite `entry.json` with a new status (atomically: the old or the new, never half)."""
    document = json.loads((entry.path / "entry.json").read_bytes())
    document["status"] = status
    write_atomic(entry.path / "entry.json", _document_bytes(document))
    return read_entry(entry.path)


def read_entry(path: Path) -> TrashEntry:
    """One entry; `DamagedTrash` (a ValueError) when it cannot be read whole."""
    try:
        data = json.loads((path / "entry.json").read_bytes())
        rows = {
            t: {"columns": list(v["columns"]), "rows": [[_decode(c) for c in r] for r in v["rows"]]}
            for t, v in data["rows"].items()
        }
        deleted_at = parse_timestamp(str(data["deleted_at"]))
        if deleted_at is None:
            raise ValueError(f"deleted_at {data['deleted_at']!r} is not a time")
        return TrashEntry(
            id=str(data["id"]),
            path=path,
            action=str(data["action"]),
            format=str(data["format"]),
            store=str(data["store"]),
            session_id=str(data["session_id"]),
            name=str(data["name"]),
            deleted_at=deleted_at,
            messages=int(data["messages"]),
            rows=rows,
            files=tuple(str(f) for f in data["files"]),
            status=str(data.get("status", DONE)),
            link=None if data.get("link") is None else str(data["link"]),
        )
    except FileNotFoundError as exc:
        raise DamagedTrash("no entry.json (an incomplete entry)") from exc
    except OSError as exc:
        raise DamagedTrash(f"cannot read entry.json: {exc.strerror or exc}") from exc
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:  # binascii.Error is a ValueError
        raise DamagedTrash(f"entry.json is damaged: {type(exc).__name__}: {exc}") from exc


def read_trash(state_dir: Path | None = None) -> tuple[list[TrashEntry], list[DamagedEntry]]:
    """Every entry whatever its status, newest first, and the directories that cannot be read."""
    root = trash_dir(state_dir)
    entries: list[TrashEntry] = []
    damaged: list[DamagedEntry] = []
    try:
        children = sorted(os.scandir(root), key=lambda d: d.name) if root.is_dir() else []
    except OSError as exc:
        return [], [DamagedEntry(root, f"the trash cannot be read: {exc.strerror or exc}")]
    for child in children:
        if child.name.startswith("."):
            continue
        path = Path(child.path)
        if not child.is_dir(follow_symlinks=False):
            damaged.append(DamagedEntry(path, "not a trash entry directory"))
            continue
        try:
            entries.append(read_entry(path))
        except DamagedTrash as exc:
            damaged.append(DamagedEntry(path, str(exc)))
    entries.sort(key=lambda entry: (entry.deleted_at, entry.id), reverse=True)
    return entries, damaged


def list_trash(state_dir: Path | None = None) -> list[TrashEntry]:
    """Entries that can be restored (done), newest first; damaged and unsettled ones are left out."""
    return [entry for entry in read_trash(state_dir)[0] if entry.status == DONE]


def incoming_leftovers(state_dir: Path | None = None) -> list[Path]:
    """Entries a killed run was still building or removing (hidden names: never listed)."""
    root = trash_dir(state_dir)
    if not root.is_dir():
        return []
    return sorted([*root.glob(f"{INCOMING}*"), *root.glob(f"{DISCARDING}*")])


def discard(entry: TrashEntry) -> None:
    """Remove an entry (after it was restored, or when its action was rolled back): renamed
    to a hidden name first, so a kill half-way through never leaves a listed, partial entry."""
    hidden = entry.path.with_name(f"{DISCARDING}{entry.path.name}")
    try:
        os.rename(entry.path, hidden)
    except FileNotFoundError:
        release(entry.path.name)
        return
    fsync_dir(entry.path.parent)
    shutil.rmtree(hidden, ignore_errors=True)
    release(entry.path.name)
