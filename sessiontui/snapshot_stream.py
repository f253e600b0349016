"""`sessiontui snapshot` without holding the fleet: rows written as the stores are read.

A store that can page (ZeroClaw and Starpod SQLite: `PagedStore`) is read in key order a page
at a time, each page classified, linked to its processes and written before the next is read;
the other stores are read whole, as the dashboard reads them. Rows come out in the order
`collect` sorts them (format, store, id), and are the rows it would give: the same verdicts,
burn rates (runaways are marked from every burn of every store, known before the first row), and
processes (one look at the process table; the PIDs every session owns are known first). What a
snapshot does not print is not computed: no verdict expiry, no row book, no per-day costs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sessiontui.gc_pause import gc_paused
from sessiontui.live.process_links import ProcessWatch, own_pids
from sessiontui.live.processes import ProcessScan, store_target
from sessiontui.model import ApiCall, Burn, Session, SessionProcesses, SessionRow
from sessiontui.rules.burn import WINDOW, burn_of, burn_of_calls, mark_runaways
from sessiontui.rules.processes import classify_with_processes
from sessiontui.rules.state import Thresholds
from sessiontui.stores.base import PagedStore, Store, StoreError

log = logging.getLogger(__name__)
PAGE = 500  # sessions per page (and bound parameters per statement: old SQLite allows 999)

Emit = Callable[[SessionRow], None]
BurnKey = tuple[str, str | None]  # a session's id and file: its uid within its store


async def stream_rows(
    stores: Sequence[Store], now: datetime, thresholds: Thresholds, emit: Emit
) -> list[str]:
    """Hand every session's row to `emit`, in (format, store, id) order; one line per store
    (or file) that could not be read. The garbage collector is held off meanwhile: a read
    keeps every session's sums, which full collections would walk again and again."""
    with gc_paused():
        return await _stream_rows(stores, now, thresholds, emit)


async def _stream_rows(
    stores: Sequence[Store], now: datetime, thresholds: Thresholds, emit: Emit
) -> list[str]:
    from sessiontui.stores.claude_pool import read_cold

    await read_cold(stores)  # a cold read of many transcripts: all cores
    errors: list[str] = []
    whole: dict[int, list[Session]] = {}
    paged: dict[int, PagedStore] = {}
    calls: dict[int, dict[str, tuple[ApiCall, ...]]] = {}
    for index, store in enumerate(stores):
        try:
            if isinstance(store, PagedStore):
                calls[index] = dict(await store.prepare_pages(now - WINDOW))
                paged[index] = store
            else:
                report = await store.refresh(None)
                whole[index] = sorted(report.sessions, key=lambda s: s.id)
                errors += report.problems
        except Exception as exc:  # noqa: BLE001 - said in one line, as the dashboard does
            errors.append(_failure(store, exc))
    watch = ProcessWatch()
    listed = [s for sessions in whole.values() for s in sessions]
    targets = [store_target(store.path) for store in stores]
    scan = watch.take(await asyncio.to_thread(watch.scan, listed, targets))
    owned = own_pids(listed, scan)
    for index in calls:  # a paged store's session owns a process only by its id (link_ids)
        named = await _named_ids(paged[index], scan)
        owned |= {pid for key in named for pid in scan.by_session_id[key]}
    burns = _burns(whole, calls, now)  # by store: (id, file) -> burn
    order = sorted([*whole, *calls], key=lambda i: (stores[i].format, str(stores[i].path)))
    for index in order:
        store = stores[index]
        if index in whole:
            _emit(whole[index], watch, scan, owned, burns.get(index, {}), now, thresholds, emit)
            continue
        try:
            async for page in paged[index].pages(PAGE):
                _emit(page, watch, scan, owned, burns.get(index, {}), now, thresholds, emit)
        except Exception as exc:  # noqa: BLE001
            errors.append(_failure(store, exc))
    return errors


def _emit(
    sessions: Sequence[Session],
    watch: ProcessWatch,
    scan: ProcessScan,
    owned: set[int],
    burns: dict[BurnKey, Burn],
    now: datetime,
    limits: Thresholds,
    emit: Emit,
) -> None:
    """Classify these sessions as the dashboard's row book does, and hand each row on."""
    facts = watch.link_part(sessions, scan, now, owned) if _may_link(sessions, scan) else {}
    for session in sessions:
        processes: SessionProcesses | None = facts.get(session.uid) if facts else None
        verdict = classify_with_processes(session, now, limits, processes)
        burn = burns.get((session.id, session.source_path)) if burns else None
        emit(SessionRow(session, verdict, burn, processes))


def _may_link(sessions: Sequence[Session], scan: ProcessScan) -> bool:
    """Whether any process can be linked to one of these sessions; if not, `link_part` would
    find no facts for them, and is not asked (at 100k sessions no process serves, 0.1 s).
    It links a session only by an id a command line names, a transcript a process holds, the
    PIDs its store records, a process holding its store open, or a link it saw before (made by
    one of those, for that session)."""
    if scan.by_session_id:
        return True
    by_store, by_file = scan.by_store, scan.by_file
    return any(
        s.agent_pids or (by_file and s.source_path) or by_store.get(s.store) for s in sessions
    )


def _burns(
    whole: dict[int, list[Session]],
    calls: dict[int, dict[str, tuple[ApiCall, ...]]],
    now: datetime,
) -> dict[int, dict[BurnKey, Burn]]:
    """Every session's burn rate, runaways marked against all of them (as the dashboard does).
    By store, then by id and file: what tells sessions apart (their uid) in every store."""
    raw: dict[tuple[int, BurnKey], Burn] = {}
    for index, sessions in whole.items():
        for session in sessions:
            burn = burn_of(session, now) if session.recent_calls else None
            if burn is not None:
                raw[(index, (session.id, session.source_path))] = burn
    for index, by_id in calls.items():
        for key, recent in by_id.items():
            burn = burn_of_calls(recent, now)
            if burn is not None:
                raw[(index, (key, None))] = burn
    by_store: dict[int, dict[BurnKey, Burn]] = {}
    for (index, within), burn in mark_runaways(raw).items():
        by_store.setdefault(index, {})[within] = burn
    return by_store


async def _named_ids(store: PagedStore, scan: ProcessScan) -> set[str]:
    """The ids of this store's sessions that a process's command line names."""
    return await store.has_ids(list(scan.by_session_id)) if scan.by_session_id else set()


def _failure(store: Store, exc: Exception) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    log.exception("reading %s", store.path)
    return f"{store.path}: {type(exc).__name__}: {exc}"
