"""ZeroClaw JSONL store writes (STORES.md 2.4): delete removes the file; clear leaves it empty.

The copy comes first: the file's bytes go into a pending trash entry (and `started` into the
audit log) while the file stays where it is. Only then is the file renamed to a staging name
beside it (atomic): a message the daemon appends after that makes a new file with that
message, which is kept. If the staged file is not what was copied (the daemon appended in
between), it goes back and nothing is done. A staging name is only ever left by a killed run
with a pending entry, and `journal.recover()` puts it back or finishes. A symlinked session
stays a link: the trash keeps where it pointed, and clear and restore keep the link.
The daemon keeps chats in memory: it may write them again until it restarts.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.journal import begin, restoring_path, stage
from sessiontui.actions.trash import TrashEntry, discard
from sessiontui.model import Session

CHANGED = "the session changed since you looked (new activity); look again and retry"


def _checked(session: Session) -> Path:
    """The session's file, as the operator saw it (size and time), or Refused."""
    if session.source_path is None:
        raise Refused("this session has no file")
    path = Path(session.source_path)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise Refused("the session's file is gone") from exc
    size, mtime = session.version
    if stat.st_size != size or datetime.fromtimestamp(stat.st_mtime, UTC) != mtime:
        raise Refused(CHANGED)
    return path


def _trash_then_stage(
    session: Session, action: str, state_dir: Path | None
) -> tuple[Path, Path, TrashEntry]:
    path = _checked(session)
    link = os.readlink(path) if path.is_symlink() else None
    entry = begin(
        action=action,
        fmt=str(session.format),
        store=session.store,
        session_id=session.id,
        name=session.name,
        messages=session.message_count,
        files=[(path, path.name)],
        link=link,
        state_dir=state_dir,
    )
    if os.stat(entry.path / "files" / path.name).st_size != session.version[0]:
        discard(entry)  # the daemon appended while we copied
        raise Refused(CHANGED)
    return path, stage(entry, path, CHANGED), entry


def delete(session: Session, state_dir: Path | None) -> Outcome:
    path, staged, entry = _trash_then_stage(session, "delete", state_dir)
    os.unlink(staged)
    late = os.path.lexists(path)
    note = "; the bot wrote a new message meanwhile, kept in a new file" if late else ""
    return Outcome(True, f"deleted {path.name}{note}", entry.id)


def clear(session: Session, state_dir: Path | None) -> Outcome:
    path, staged, entry = _trash_then_stage(session, "clear", state_dir)
    note = ""
    try:
        if entry.link is not None:  # the link goes back, then the file it points to is emptied
            os.link(staged, path, follow_symlinks=False)
            os.unlink(staged)
            with open(path, "r+b") as linked:
                linked.truncate(0)
        else:
            handle = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, os.stat(staged).st_mode & 0o777
            )
            os.close(handle)
    except FileExistsError:
        note = "; the bot wrote a new message meanwhile, kept"
    if os.path.lexists(staged):
        os.unlink(staged)
    return Outcome(True, f"cleared {entry.messages} messages of {path.name}{note}", entry.id)


def restore(entry: TrashEntry) -> Outcome:
    (name,) = entry.files
    target = Path(entry.store) / name
    source = entry.path / "files" / name
    if entry.action == "delete" and os.path.lexists(target):
        raise Refused(
            f"{target} exists again (the bot wrote the session anew); not restoring over it"
        )
    if entry.action == "clear" and target.exists() and target.stat().st_size > 0:
        raise Refused(f"{target} has new messages since it was cleared; not restoring over them")
    if entry.link is not None:
        return _restore_link(entry, target, source)
    temp = restoring_path(target.parent, name)  # a fixed name: recovery removes it if we are killed
    temp.unlink(missing_ok=True)
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


def _restore_link(entry: TrashEntry, target: Path, source: Path) -> Outcome:
    """A symlinked session: the link comes back, and the bytes go where it points."""
    assert entry.link is not None
    pointed = (target.parent / entry.link) if not os.path.isabs(entry.link) else Path(entry.link)
    if not os.path.lexists(target):
        os.symlink(entry.link, target)
    if pointed.exists() and pointed.stat().st_size > 0 and entry.action == "delete":
        return Outcome(
            True, f"restored the link {target.name} (its file {pointed} was still there)"
        )
    temp = restoring_path(pointed.parent, pointed.name)
    shutil.copy2(source, temp)
    with open(temp, "rb") as copied:
        os.fsync(copied.fileno())
    os.replace(temp, pointed)
    return Outcome(True, f"restored {target.name} -> {entry.link} ({entry.messages} messages)")
