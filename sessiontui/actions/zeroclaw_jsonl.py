"""ZeroClaw JSONL store writes (STORES.md 2.4): delete removes the file; clear leaves it empty.

The daemon appends with `O_APPEND|O_CREAT` and takes no lock, so the file is first renamed to a
staging name beside it (atomic): a message the daemon appends after that makes a new file with
that message, which is kept, instead of landing in a file we are about to remove. Only then is
the staged copy put in the trash. A file the daemon re-created is never overwritten. The daemon
keeps chats in memory: it may write them again until it restarts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.trash import TrashEntry, write_entry
from sessiontui.model import Session

STAGING = ".sessiontui-staging"  # not a `.jsonl` name: neither the daemon nor a reader lists it


def _stage(session: Session) -> tuple[Path, Path]:
    """Check the file is as the operator saw it, and move it aside: (original path, staged path)."""
    if session.source_path is None:
        raise Refused("this session has no file")
    path = Path(session.source_path)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise Refused("the session's file is gone") from exc
    size, mtime = session.version
    if stat.st_size != size or datetime.fromtimestamp(stat.st_mtime, UTC) != mtime:
        raise Refused("the session changed since you looked (new activity); look again and retry")
    staged = path.with_name(f".{path.name}{STAGING}")
    os.rename(path, staged)
    return path, staged


def _unstage(path: Path, staged: Path) -> None:
    """Put a staged file back (the trash could not be written), unless the daemon made a new one."""
    try:
        os.link(staged, path)
    except FileExistsError:
        return  # keep the daemon's new file; the staged one stays beside it, named, for a person
    os.unlink(staged)


def _to_trash(session: Session, action: str, path: Path, staged: Path, state_dir: Path | None) -> TrashEntry:
    try:
        return write_entry(action=action, fmt=str(session.format), store=session.store, session_id=session.id,
                           name=session.name, messages=session.message_count, files=[(staged, path.name)],
                           state_dir=state_dir)
    except BaseException:
        _unstage(path, staged)
        raise


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path, staged = _stage(session)
    entry = _to_trash(session, "delete", path, staged, state_dir)
    os.unlink(staged)
    late = path.exists()
    note = "; the bot wrote a new message meanwhile, kept in a new file" if late else ""
    return Outcome(True, f"deleted {path.name}{note}", entry.id)


def clear(session: Session, state_dir: Path | None) -> Outcome:
    path, staged = _stage(session)
    entry = _to_trash(session, "clear", path, staged, state_dir)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, os.stat(staged).st_mode & 0o777)
        os.close(handle)
        note = ""
    except FileExistsError:
        note = "; the bot wrote a new message meanwhile, kept"
    os.unlink(staged)
    return Outcome(True, f"cleared {entry.messages} messages of {path.name}{note}", entry.id)


def restore(entry: TrashEntry) -> Outcome:
    (name,) = entry.files
    target = Path(entry.store) / name
    source = entry.path / "files" / name
    if entry.action == "delete" and target.exists():
        raise Refused(f"{target} exists again (the bot wrote the session anew); not restoring over it")
    if entry.action == "clear" and target.exists() and target.stat().st_size > 0:
        raise Refused(f"{target} has new messages since it was cleared; not restoring over them")
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp")
    os.close(handle)
    shutil.copy2(source, temp)
    with open(temp, "rb") as copied:
        os.fsync(copied.fileno())
    if entry.action == "delete":
        try:
            os.link(temp, target)  # never over a file the daemon made meanwhile
        finally:
            os.unlink(temp)
    else:
        os.replace(temp, target)
    return Outcome(True, f"restored {name} ({entry.messages} messages)")
