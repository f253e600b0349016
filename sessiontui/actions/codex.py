"""Codex writes, done the way Codex does them (STORES.md 9.5).

- rename: one `{"id", "thread_name", "updated_at"}` line appended to `session_index.jsonl`
  (`O_APPEND`, one write), as Codex's `append_thread_name`; the file is never rewritten and
  readers take the last entry for an id;
- archive: the rollout moves to `archived_sessions/<its file name>`; unarchive moves it back to
  `sessions/YYYY/MM/DD/` (the date from its file name) and sets its mtime to now, as Codex's
  `archive_rollout_file` / `unarchive_rollout_file` do. We never move over an existing file;
- delete: the rollout goes to the trash (undo puts it back where it was).

Archive, unarchive and delete are refused while the rollout is still being written: a turn is
open, an approval is pending, the file changed since the operator looked, or it was written to
in the last QUIET seconds. Codex holds the file open while its session runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.actions.base import Outcome
from sessiontui.actions.guard import Refused
from sessiontui.actions.journal import begin, restoring_path, stage
from sessiontui.actions.trash import TrashEntry
from sessiontui.model import Session
from sessiontui.stores.recognise import ARCHIVED_SESSIONS_SUBDIR, SESSION_INDEX, SESSIONS_SUBDIR

QUIET = timedelta(seconds=60)  # a rollout written to this recently may still be in use
_DATE = re.compile(r"^rollout-(\d{4})-(\d{2})-(\d{2})T")


def rename(session: Session, name: str, now: datetime | None = None) -> Outcome:
    """Append the new name to the session index, then read it back the way Codex does."""
    name = name.strip()
    if not name:
        raise Refused("a thread name must not be empty (Codex refuses it too)")
    index = Path(session.store) / SESSION_INDEX
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    line = (
        json.dumps(
            {"id": session.id, "thread_name": name, "updated_at": moment.isoformat()},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
    )
    handle = os.open(index, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, line.encode("utf-8"))
    finally:
        os.close(handle)
    if thread_name(Path(session.store), session.id) != name:
        raise Refused(f"{index}: the new name did not read back")
    return Outcome(True, f"renamed {session.id} to {name}")


def thread_name(home: Path, thread_id: str) -> str | None:
    """The thread's name as Codex finds it: the last `session_index.jsonl` entry for the id."""
    try:
        lines = (home / SESSION_INDEX).read_bytes().splitlines()
    except FileNotFoundError:
        return None
    for raw in reversed(lines):
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if (
            isinstance(entry, dict)
            and entry.get("id") == thread_id
            and isinstance(entry.get("thread_name"), str)
        ):
            return str(entry["thread_name"])
    return None


def archive(session: Session, now: datetime | None = None) -> Outcome:
    path = _quiet_rollout(session, now)
    home = Path(session.store)
    if not path.is_relative_to(home / SESSIONS_SUBDIR):
        raise Refused(f"{path} is not under {home / SESSIONS_SUBDIR}")
    target = home / ARCHIVED_SESSIONS_SUBDIR / path.name
    _move(path, target)
    return Outcome(True, f"archived {path.name}")


def unarchive(session: Session, now: datetime | None = None) -> Outcome:
    path = _quiet_rollout(session, now)
    home = Path(session.store)
    if path.parent != home / ARCHIVED_SESSIONS_SUBDIR:
        raise Refused(f"{path} is not in {home / ARCHIVED_SESSIONS_SUBDIR}")
    target = home / SESSIONS_SUBDIR / Path(*_date_parts(path.name)) / path.name
    _move(path, target)
    stamp = (now or datetime.now(UTC)).timestamp()
    os.utime(target, (stamp, stamp))  # Codex touches the restored rollout
    return Outcome(True, f"unarchived {path.name} to {target.parent.relative_to(home)}")


def delete(session: Session, state_dir: Path | None, now: datetime | None = None) -> Outcome:
    """The rollout's bytes go into a pending trash entry first (journal.begin); only then is the
    file moved aside and removed. The entry's store is the rollout's own directory, so recovery
    after a kill finds the file (or its staging name) where the journal looks."""
    path = _quiet_rollout(session, now)
    entry = begin(
        action="delete",
        fmt=str(session.format),
        store=str(path.parent),
        session_id=session.id,
        name=session.name,
        messages=session.message_count,
        files=[(path, path.name)],
        state_dir=state_dir,
    )
    staged = stage(
        entry, path, "the rollout changed while it was being copied; look again and retry"
    )
    os.unlink(staged)
    return Outcome(True, f"deleted {path.name} (in the trash)", entry.id)


def restore(entry: TrashEntry) -> Outcome:
    """Put a deleted rollout back where it was, never over a file that is there again."""
    (name,) = entry.files
    target = Path(entry.store) / name
    if target.exists():
        raise Refused(f"{target} exists again; not restoring over it")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = restoring_path(target.parent, name)  # a fixed name: recovery removes it if we are killed
    temp.unlink(missing_ok=True)
    try:
        shutil.copy2(entry.path / "files" / name, temp)
        with open(temp, "rb") as copied:
            os.fsync(copied.fileno())
        os.link(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return Outcome(True, f"restored {name} ({entry.messages} messages)")


def _quiet_rollout(session: Session, now: datetime | None) -> Path:
    """The session's rollout, if nothing is writing to it (else Refused, with the reason)."""
    if session.source_path is None:
        raise Refused("this session has no rollout file")
    if session.native_state == "running":
        raise Refused("the rollout is still being written: a turn is running")
    if session.approval_requested is not None:
        raise Refused("the rollout is still in use: Codex waits for an approval")
    path = Path(session.source_path)
    if not path.name.endswith(f"{session.id}.jsonl"):
        raise Refused(f"{path.name} does not match thread id {session.id}")
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise Refused("the rollout is gone (moved or deleted meanwhile)") from exc
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    if session.version and (stat.st_size, modified) != tuple(session.version):
        raise Refused("the session changed since you looked (new activity); look again and retry")
    if (now or datetime.now(UTC)) - modified < QUIET:
        raise Refused(
            f"the rollout is still being written (changed less than {QUIET.seconds} s ago)"
        )
    return path


def _move(path: Path, target: Path) -> None:
    """Move without replacing: a hard link, then the old name goes (same file system)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, target)
    except FileExistsError as exc:
        raise Refused(f"{target} already exists; not moving over it") from exc
    os.unlink(path)


def _date_parts(name: str) -> tuple[str, str, str]:
    match = _DATE.match(name)
    if match is None:
        raise Refused(f"{name} has no date in its name (rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl)")
    year, month, day = match.groups()
    return year, month, day
