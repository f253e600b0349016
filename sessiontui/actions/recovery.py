"""Staged session files that no journal entry owns: what a sessiontui from before the journal
left when it was killed mid-delete, or a refused stage whose name the bot took meanwhile. Each
goes back under its name, or into the trash as a finished delete; never left hidden in the bot's
directory, never lost."""

from __future__ import annotations

import os
from pathlib import Path

from sessiontui.actions.journal import STAGING, log_entry, recover, staging_path
from sessiontui.actions.trash import (
    DONE,
    PENDING,
    RESTORING,
    read_trash,
    release,
    set_status,
    write_entry,
)


def recovery_notes(
    state_dir: Path | None = None, directories: tuple[tuple[Path, str], ...] = ()
) -> list[str]:
    """Settle the actions a killed run left unfinished (`recover`), then take in the staged files
    that no entry knows (`adopt_strays`, in each (directory, format) given): one line for each."""
    notes = [
        f"trash entry {settled.entry.id} ({settled.entry.action} {settled.entry.session_id}): "
        f"{settled.result} after an interrupted run"
        for settled in recover(state_dir)
    ]
    for directory, fmt in directories:
        notes.extend(adopt_strays(directory, fmt, state_dir))
    return notes


def _stray_names(directory: Path, state_dir: Path | None) -> list[str]:
    """The session file names left under a staging name in `directory` with no unfinished entry
    for them: what a sessiontui from before the journal left when it was killed mid-delete.
    The trash is read only when a staging name is there (almost never)."""
    try:
        staged = [
            p.name[1 : -len(STAGING)]
            for p in directory.iterdir()
            if p.name.startswith(".")
            and p.name.endswith(STAGING)
            and len(p.name) > len(STAGING) + 1
        ]
    except OSError:
        return []
    if not staged:
        return []
    unfinished = {
        (Path(entry.store), name)
        for entry in read_trash(state_dir)[0]
        if entry.status in (PENDING, RESTORING)
        for name in entry.files
    }
    return [name for name in staged if (directory, name) not in unfinished]


def adopt_strays(directory: Path, fmt: str, state_dir: Path | None = None) -> list[str]:
    """Each stray staged file goes back under its name when nothing took that name since, and
    otherwise into the trash as a finished delete (listed by `u`, restorable once the name is
    free): never left hidden in the bot's directory, never lost. One line for each."""
    notes: list[str] = []
    for name in _stray_names(directory, state_dir):
        staged, path = staging_path(directory, name), directory / name
        try:
            os.link(staged, path, follow_symlinks=False)
        except FileExistsError:
            notes.append(_keep_stray(staged, name, fmt, state_dir))
            continue
        except OSError as exc:
            notes.append(f"{staged}: left by an interrupted delete, cannot be put back: {exc}")
            continue
        os.unlink(staged)
        notes.append(f"{path}: put back from {staged.name}, left by an interrupted delete")
    return notes


def _keep_stray(staged: Path, name: str, fmt: str, state_dir: Path | None) -> str:
    try:
        with open(staged, "rb") as counted:
            messages = sum(1 for line in counted if line.strip())
        entry = write_entry(
            action="delete",
            fmt=fmt,
            store=str(staged.parent),
            session_id=name.split(".jsonl")[0],
            name=name,
            messages=messages,
            files=[(staged, name)],
            link=os.readlink(staged) if staged.is_symlink() else None,
            state_dir=state_dir,
        )
        try:
            set_status(entry, DONE)
        finally:
            release(entry.id)
        os.unlink(staged)
    except OSError as exc:
        return f"{staged}: left by an interrupted delete, cannot be kept in the trash: {exc}"
    try:
        log_entry(
            entry,
            action="delete",
            ok=True,
            message=f"{staged.name} left by an interrupted delete, kept in the trash",
            result="recovered: kept",
            state_dir=state_dir,
        )
    except OSError:
        pass  # the file is safe in the trash; the log line is a record, not the state
    return (
        f"{staged}: left by an interrupted delete while the bot wrote {name} anew; "
        f"kept in the trash as entry {entry.id}"
    )
