"""Do an action: check it is allowed, write in a worker thread, read back, audit, report."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessiontui.actions.audit import append_audit
from sessiontui.actions.available import why_not
from sessiontui.actions.base import READ_ONLY, Outcome, Verb
from sessiontui.actions.guard import Refused
from sessiontui.actions.journal import end_restore, finish, start_restore
from sessiontui.actions.trash import TrashEntry
from sessiontui.model import Session, StoreFormat
from sessiontui.stores import registry
from sessiontui.text import one_line
from sessiontui.timestamps import iso_utc


def _attempt(label: str, write: Callable[[], Outcome]) -> Outcome:
    try:
        return write()
    except Refused as exc:
        return Outcome(False, f"{label}: {exc}")
    except sqlite3.Error as exc:
        return Outcome(False, one_line(f"{label}: {exc}"))
    except OSError as exc:
        return Outcome(False, one_line(f"{label}: {exc.strerror or exc} ({exc.filename or ''})"))


def _finished(outcome: Outcome, state_dir: Path | None) -> Outcome:
    """Step (d) of the journal: the trash entry is marked done (or settled by the store)."""
    if outcome.trash_id is None:
        return outcome
    try:
        finish(outcome.trash_id, outcome.ok, state_dir)
    except (OSError, ValueError, sqlite3.Error) as exc:
        return Outcome(
            outcome.ok,
            one_line(
                f"{outcome.message} (trash entry not completed: {exc}; "
                "it is settled at the next start)"
            ),
            outcome.trash_id,
        )
    return outcome


def _audited(outcome: Outcome, **record: Any) -> Outcome:
    """Append to the audit log; a log that cannot be written is said, never a crash."""
    if outcome.trash_id is not None:
        record["trash"] = outcome.trash_id
    try:
        append_audit(ok=outcome.ok, message=outcome.message, **record)
    except OSError as exc:
        return Outcome(
            outcome.ok,
            f"{outcome.message} (audit log not written: {exc.strerror or exc})",
            outcome.trash_id,
        )
    return outcome


def _before(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "name": session.name,
        "created_at": iso_utc(session.created_at),
        "last_activity": iso_utc(session.last_activity),
        "messages": session.message_count,
        "turns": session.turns,
        "cost_usd": session.cost_usd,
        "version": list(session.version),
    }


async def perform(
    session: Session,
    verb: Verb,
    *,
    text: str | None = None,
    read_only: bool = False,
    state_dir: Path | None = None,
) -> Outcome:
    """Do `verb` to the session as the operator saw it (`session`), or say why not."""
    reason = why_not(session, verb, read_only=read_only)
    record = registry.record_for(session.format)
    write = None if record is None else record.writer(verb)
    if reason is None and write is None:
        reason = f"{session.format} has no '{verb}'"
    if reason is not None:
        outcome = Outcome(False, reason)
    else:
        assert write is not None
        outcome = await asyncio.to_thread(
            _attempt, f"{verb} {session.id}", lambda: write(session, text, state_dir)
        )
    outcome = _audited(
        outcome,
        action=str(verb),
        fmt=str(session.format),
        store=session.store,
        session=session.id,
        before=_before(session),
        state_dir=state_dir,
    )
    return await asyncio.to_thread(_finished, outcome, state_dir)


async def prune(
    store: Path, ttl_days: int = 7, *, read_only: bool = False, state_dir: Path | None = None
) -> Outcome:
    """The bot's own TTL prune on a store whose bot expires old rows (hermes-bot's `sessions.db`)."""
    from sessiontui.stores.detect import sqlite_format  # here: stores import this package's writers

    fmt = await asyncio.to_thread(sqlite_format, store)
    record = registry.record_for(fmt) if isinstance(fmt, StoreFormat) else None
    if read_only:
        outcome = Outcome(False, READ_ONLY)
    elif record is None or record.prune is None:
        outcome = Outcome(False, f"{store}: not a store with a prune of its own ({fmt})")
    else:
        pruner = record.prune
        outcome = await asyncio.to_thread(
            _attempt, f"prune {store}", lambda: pruner(store, ttl_days, state_dir)
        )
    outcome = _audited(
        outcome,
        action="prune",
        fmt=str(fmt),
        store=str(store),
        session=None,
        before={"ttl_days": ttl_days},
        state_dir=state_dir,
    )
    return await asyncio.to_thread(_finished, outcome, state_dir)


async def restore_entry(
    entry: TrashEntry, *, read_only: bool = False, state_dir: Path | None = None
) -> Outcome:
    """Put a trash entry back exactly (rows with their ids and timestamps, files moved back)."""
    record = registry.record_for(entry.format)
    restore = None if record is None else record.restore
    marked: list[TrashEntry] = []
    if read_only:
        outcome = Outcome(False, READ_ONLY)
    elif restore is None:
        outcome = Outcome(False, f"{entry.format}: nothing to restore into")
    else:
        outcome = await asyncio.to_thread(
            _attempt,
            f"restore {entry.session_id}",
            lambda: _journaled_restore(entry, restore, state_dir, marked),
        )
    outcome = _audited(
        outcome,
        action="restore",
        fmt=entry.format,
        store=entry.store,
        session=entry.session_id,
        before={"trash": entry.id, "action": entry.action},
        state_dir=state_dir,
    )
    if marked:  # the result is in the log: now the entry goes (restored) or is done again
        await asyncio.to_thread(end_restore, marked[0], outcome.ok)
    return outcome


def _journaled_restore(
    entry: TrashEntry,
    restore: Callable[[TrashEntry], Outcome],
    state_dir: Path | None,
    marked: list[TrashEntry],
) -> Outcome:
    """The entry is marked `restoring` (and audited) first; `marked` gets it once the restore ran."""
    try:
        restoring = start_restore(entry, state_dir)
    except OSError as exc:
        raise Refused(
            f"the trash entry or the audit log cannot be written ({exc.strerror or exc}); "
            "nothing was restored"
        ) from exc
    try:
        outcome = restore(restoring)
    except BaseException:
        end_restore(restoring, False)  # the transaction rolled back: the entry is as it was
        raise
    marked.append(restoring)
    return outcome
