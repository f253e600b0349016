"""ZeroClaw JSONL store writes (STORES.md 2.4): delete removes the file; clear rewrites it empty
through a temporary file and an atomic rename in the same directory. The daemon keeps chats in
memory: it may write them again until it restarts."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.trash import TrashEntry, discard, write_entry
from sessiontui.model import Session


def _file(session: Session) -> Path:
    if session.source_path is None:
        raise Refused("this session has no file")
    path = Path(session.source_path)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise Refused("the session's file is gone") from exc
    offset, mtime = session.version
    if stat.st_size != offset or datetime.fromtimestamp(stat.st_mtime, UTC) != mtime:
        raise Refused("the session changed since you looked (new activity); look again and retry")
    return path


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path = _file(session)
    entry = write_entry(action="delete", fmt=str(session.format), store=session.store, session_id=session.id,
                        name=session.name, messages=session.message_count, files=[path], state_dir=state_dir)
    try:
        path.unlink()
    except OSError:
        discard(entry)
        raise
    ok = not path.exists()
    return Outcome(ok, f"deleted {path.name}" if ok else f"{path}: still there after the delete", entry.id)


def clear(session: Session, state_dir: Path | None) -> Outcome:
    path = _file(session)
    entry = write_entry(action="clear", fmt=str(session.format), store=session.store, session_id=session.id,
                        name=session.name, messages=session.message_count, files=[path], state_dir=state_dir)
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp")
        os.close(handle)
        os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except OSError:
        discard(entry)
        raise
    ok = path.stat().st_size == 0
    return Outcome(ok, f"cleared {entry.messages} messages of {path.name}", entry.id)


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
    os.replace(temp, target)
    return Outcome(True, f"restored {name} ({entry.messages} messages)")
