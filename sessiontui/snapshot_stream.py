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
from collections.abc import Callable, Hashable, Sequence
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
    burns = _burns(whole, calls, now)
    order = sorted([*whole, *calls], key=lambda i: (stores[i].format, str(stores[i].path)))
    for index in order:
        store = stores[index]
        if index in whole:
            _emit(whole[index], index, watch, scan, owned, burns, now, thresholds, emit)
            continue
        try:
            async for page in paged[index].pages(PAGE):
                _emit(page, index, watch, scan, owned, burns, now, thresholds, emit)
        except Exception as exc:  # noqa: BLE001
            errors.append(_failure(store, exc))
    return errors


def _emit(
    sessions: Sequence[Session],
    index: int,
    watch: ProcessWatch,
    scan: ProcessScan,
    owned: set[int],
    burns: dict[Hashable, Burn],
    now: datetime,
    limits: Thresholds,
    emit: Emit,
) -> None:
    """Classify these sessions as the dashboard's row book does, and hand each row on."""
    facts = watch.link_part(sessions, scan, now, owned)
    for session in sessions:
        processes: SessionProcesses | None = facts.get(session.uid)
        verdict = classify_with_processes(session, now, limits, processes)
        emit(SessionRow(session, verdict, burns.get(_burn_key(index, session)), processes))


def _burn_key(index: int, session: Session) -> Hashable:
    return (index, session.id, session.source_path)


def _burns(
    whole: dict[int, list[Session]],
    calls: dict[int, dict[str, tuple[ApiCall, ...]]],
    now: datetime,
) -> dict[Hashable, Burn]:
    """Every session's burn rate, runaways marked against all of them (as the dashboard does).
    Keyed by store, id and file: what tells sessions apart (their uid) in every store."""
    raw: dict[Hashable, Burn] = {}
    for index, sessions in whole.items():
        for session in sessions:
            burn = burn_of(session, now) if session.recent_calls else None
            if burn is not None:
                raw[_burn_key(index, session)] = burn
    for index, by_id in calls.items():
        for key, recent in by_id.items():
            burn = burn_of_calls(recent, now)
            if burn is not None:
                raw[(index, key, None)] = burn
    return mark_runaways(raw)


async def _named_ids(store: PagedStore, scan: ProcessScan) -> set[str]:
    """The ids of this store's sessions that a process's command line names."""
    return await store.has_ids(list(scan.by_session_id)) if scan.by_session_id else set()


def _failure(store: Store, exc: Exception) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    log.exception("reading %s", store.path)
    return f"{store.path}: {type(exc).__name__}: {exc}"
