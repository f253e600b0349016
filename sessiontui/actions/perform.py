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
from sessiontui.actions.trash import TrashEntry, discard
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


def _audited(outcome: Outcome, **record: Any) -> Outcome:
    """Append to the audit log; a log that cannot be written is said, never a crash."""
    try:
        append_audit(ok=outcome.ok, message=outcome.message, **record)
    except OSError as exc:
        return Outcome(outcome.ok, f"{outcome.message} (audit log not written: {exc.strerror or exc})",
                       outcome.trash_id)
    return outcome


def _before(session: Session) -> dict[str, Any]:
    return {"id": session.id, "name": session.name, "created_at": iso_utc(session.created_at),
            "last_activity": iso_utc(session.last_activity), "messages": session.message_count,
            "turns": session.turns, "cost_usd": session.cost_usd, "version": list(session.version)}


async def perform(session: Session, verb: Verb, *, text: str | None = None, read_only: bool = False,
                  state_dir: Path | None = None) -> Outcome:
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
        outcome = await asyncio.to_thread(_attempt, f"{verb} {session.id}", lambda: write(session, text, state_dir))
    return _audited(outcome, action=str(verb), fmt=str(session.format), store=session.store,
                    session=session.id, before=_before(session), state_dir=state_dir)


async def prune(store: Path, ttl_days: int = 7, *, read_only: bool = False,
                state_dir: Path | None = None) -> Outcome:
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
        outcome = await asyncio.to_thread(_attempt, f"prune {store}",
                                          lambda: pruner(store, ttl_days, state_dir))
    return _audited(outcome, action="prune", fmt=str(fmt), store=str(store), session=None,
                    before={"ttl_days": ttl_days}, state_dir=state_dir)


async def restore_entry(entry: TrashEntry, *, read_only: bool = False, state_dir: Path | None = None) -> Outcome:
    """Put a trash entry back exactly (rows with their ids and timestamps, files moved back)."""
    record = registry.record_for(entry.format)
    restore = None if record is None else record.restore
    if read_only:
        outcome = Outcome(False, READ_ONLY)
    elif restore is None:
        outcome = Outcome(False, f"{entry.format}: nothing to restore into")
    else:
        outcome = await asyncio.to_thread(_attempt, f"restore {entry.session_id}", lambda: restore(entry))
        if outcome.ok:
            discard(entry)
    return _audited(outcome, action="restore", fmt=entry.format, store=entry.store, session=entry.session_id,
                    before={"trash": entry.id, "action": entry.action}, state_dir=state_dir)
