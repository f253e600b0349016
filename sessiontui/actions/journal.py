"""Every destructive action is a small journal that recovery can finish or undo.

The fixed order: (a) the trash entry is written whole under a temporary name, fsynced and
renamed into place, `pending`; (b) an audit line `started` is appended and fsynced; (c) the
store is written; (d) the entry is marked `done` and the result appended. If (a) or (b) cannot
be written, the store is not touched. A restore marks its entry `restoring` first, and removes
it only once the store has the session back.

`recover()` runs at start and before `u`, `restore` and `audit`: it settles each unfinished
entry by looking at the store itself (the session still there: the entry is dropped; gone:
the entry is completed), removes half-built entries, and puts back a JSONL file a killed run
left under its staging name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessiontui.actions.audit import append_audit
from sessiontui.actions.guard import Refused
from sessiontui.actions.trash import (
    DONE,
    PENDING,
    RESTORING,
    DamagedEntry,
    Rows,
    TrashEntry,
    discard,
    hold,
    incoming_leftovers,
    read_trash,
    release,
    set_status,
    write_entry,
)

STAGING = ".sessiontui-staging"  # not a `.jsonl` name: neither the daemon nor a reader lists it
RESTORING_SUFFIX = ".sessiontui-restore"


def log_entry(
    entry: TrashEntry, *, action: str, ok: bool, message: str, result: str, state_dir: Path | None
) -> None:
    """One audit line about a trash entry's action (raises OSError when it cannot be written)."""
    append_audit(
        action=action,
        fmt=entry.format,
        store=entry.store,
        session=entry.session_id,
        before={"trash": entry.id},
        ok=ok,
        message=message,
        result=result,
        trash=entry.id,
        state_dir=state_dir,
    )


def staging_path(store: Path, name: str) -> Path:
    return store / f".{name}{STAGING}"


def restoring_path(store: Path, name: str) -> Path:
    return store / f".{name}{RESTORING_SUFFIX}"


def _state_dir(entry: TrashEntry) -> Path:
    return entry.path.parent.parent  # <state>/trash/<id>


def begin(
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
    """(a) and (b): the pending trash entry, then the `started` audit line. Raises (nothing
    deleted, nothing left in the trash) when either cannot be written."""
    try:
        entry = write_entry(
            action=action,
            fmt=fmt,
            store=store,
            session_id=session_id,
            name=name,
            messages=messages,
            rows=rows,
            files=files,
            link=link,
            state_dir=state_dir,
        )
    except OSError as exc:
        raise Refused(
            f"the trash cannot be written ({exc.strerror or exc}); nothing was deleted"
        ) from exc
    try:
        log_entry(
            entry,
            action=action,
            ok=True,
            message=f"{action} started",
            result="started",
            state_dir=state_dir,
        )
    except BaseException as exc:
        discard(entry)
        if isinstance(exc, OSError):
            raise Refused(
                f"the audit log cannot be written ({exc.strerror or exc}); nothing was deleted"
            ) from exc
        raise
    return entry


def stage(entry: TrashEntry, path: Path, changed: str) -> Path:
    """Move a file whose copy is in the pending `entry` aside to its staging name (atomic), and
    return that name. Refused with `changed` (the entry discarded, the file back) when the file
    is no longer what was copied: the bot appended in between."""
    staged = staging_path(path.parent, path.name)
    try:
        os.rename(path, staged)
    except BaseException:
        discard(entry)
        raise
    if os.stat(staged).st_size != os.stat(entry.path / "files" / path.name).st_size:
        _unstage(path, staged)
        discard(entry)
        raise Refused(changed)
    return staged


def _unstage(path: Path, staged: Path) -> None:
    """Put a staged file back, unless the bot made a new one (then both stay, named)."""
    try:
        os.link(staged, path, follow_symlinks=False)
    except FileExistsError:
        return
    os.unlink(staged)


def entry_path(trash_id: str, state_dir: Path | None) -> Path:
    from sessiontui.actions.trash import trash_dir

    return trash_dir(state_dir) / trash_id


def finish(trash_id: str, ok: bool, state_dir: Path | None) -> None:
    """(d): the write is done: the entry is complete. A write that did not read back as done
    is settled by looking at the store."""
    from sessiontui.actions.trash import read_entry

    try:
        entry = read_entry(entry_path(trash_id, state_dir))
        if ok:
            set_status(entry, DONE)
        else:
            _settle(entry)
    finally:
        release(trash_id)


def start_restore(entry: TrashEntry, state_dir: Path | None) -> TrashEntry:
    """Mark the entry `restoring` (held for this process) and log `started`; on failure it is
    left as it was."""
    if not hold(entry.path):
        raise Refused("this entry is being restored by another sessiontui right now")
    try:
        marked = set_status(entry, RESTORING)
        try:
            log_entry(
                entry,
                action="restore",
                ok=True,
                message="restore started",
                result="started",
                state_dir=state_dir,
            )
        except BaseException:
            set_status(marked, DONE)
            raise
    except BaseException:
        release(entry.id)
        raise
    return marked


def end_restore(entry: TrashEntry, ok: bool) -> None:
    try:
        if ok:
            discard(entry)
        else:
            set_status(entry, DONE)
    finally:
        release(entry.path.name)


@dataclass(frozen=True, slots=True)
class Settled:
    entry: TrashEntry
    result: str  # "completed", "rolled back", "restored", "kept", "unsettled: <why>"


def recover(state_dir: Path | None = None) -> list[Settled]:
    """Settle every unfinished action left by a run that was killed; what was done to each."""
    for leftover in incoming_leftovers(state_dir):
        shutil.rmtree(leftover, ignore_errors=True)
    settled: list[Settled] = []
    for entry in read_trash(state_dir)[0]:
        if entry.status not in (PENDING, RESTORING):
            continue
        try:
            if not hold(entry.path):
                continue  # another sessiontui is doing this action right now
        except OSError:
            continue  # gone meanwhile (settled by another run)
        try:
            settled.append(_settle(entry))
        finally:
            release(entry.path.name)
    return settled


def _settle(entry: TrashEntry) -> Settled:
    try:
        if entry.status == RESTORING:
            back = _restored(entry)
            result = "restored" if back else "kept"
            end_restore(entry, back)
        else:
            applied = _files_applied(entry) if entry.files else _rows_applied(entry)
            result = "completed" if applied else "rolled back"
            if applied:
                set_status(entry, DONE)
            else:
                discard(entry)
    except (OSError, sqlite3.Error) as exc:
        return Settled(entry, f"unsettled: {exc}")
    try:
        log_entry(
            entry,
            action=entry.action if entry.status != RESTORING else "restore",
            ok=result in ("completed", "restored"),
            message=f"{result} at recovery after an interrupted run",
            result=f"recovered: {result}",
            state_dir=_state_dir(entry),
        )
    except OSError:
        pass  # the entry is settled; the log line is a record, not the state
    return Settled(entry, result)


# ---------------------------------------------------------------- SQLite stores


def _row_present(conn: sqlite3.Connection, table: str, columns: list[str], row: list[Any]) -> bool:
    pairs = [(c, v) for c, v in zip(columns, row, strict=True) if c != "rowid"]
    where = " AND ".join(f'"{c}" IS ?' for c, _ in pairs)
    return (
        conn.execute(
            f'SELECT 1 FROM "{table}" WHERE {where} LIMIT 1', [v for _, v in pairs]
        ).fetchone()
        is not None
    )


def _any_present(entry: TrashEntry) -> bool:
    """Is any kept row in the store as it was? One row per table is enough: the bot's and our
    writes are transactions, so a table's rows went (or came back) together."""
    from sessiontui.actions.sqlite_write import connect_readonly

    conn = connect_readonly(Path(entry.store))
    try:
        return any(
            _row_present(conn, table, block["columns"], block["rows"][0])
            for table, block in entry.rows.items()
            if block["rows"]
        )
    finally:
        conn.close()


def _rows_applied(entry: TrashEntry) -> bool:
    return not _any_present(entry)


# ---------------------------------------------------------------- JSONL files


def _starts_with(path: Path, copy: Path) -> bool:
    """Does `path` hold the kept copy's bytes (perhaps with more after them)?"""
    size = copy.stat().st_size
    if size == 0:
        return path.exists()
    with open(path, "rb") as live, open(copy, "rb") as kept:
        while chunk := kept.read(1 << 20):
            if live.read(len(chunk)) != chunk:
                return False
    return True


def _files_applied(entry: TrashEntry) -> bool:
    (name,) = entry.files
    store = Path(entry.store)
    path, staged, copy = store / name, staging_path(store, name), entry.path / "files" / name
    if os.path.lexists(staged):
        if not os.path.lexists(
            path
        ):  # moved aside, nothing new: put it back, the action did not happen
            os.link(staged, path, follow_symlinks=False)
            os.unlink(staged)
            return False
        os.unlink(
            staged
        )  # a new file is in place (ours, empty, or the bot's): the copy is in the trash
        return True
    return not (os.path.lexists(path) and _starts_with(path, copy))


def _restored(entry: TrashEntry) -> bool:
    if entry.files:
        (name,) = entry.files
        store = Path(entry.store)
        leftover = restoring_path(store, name)
        if os.path.lexists(leftover):
            os.unlink(leftover)
        path = store / name
        return os.path.lexists(path) and _starts_with(path, entry.path / "files" / name)
    return _any_present(entry)


def settled_trash(state_dir: Path | None = None) -> tuple[list[TrashEntry], list[DamagedEntry]]:
    """What `u` lists: unfinished actions settled first, then the restorable entries and the
    damaged ones (each with its path)."""
    recover(state_dir)
    entries, damaged = read_trash(state_dir)
    return [entry for entry in entries if entry.status == DONE], damaged
