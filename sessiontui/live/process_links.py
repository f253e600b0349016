"""Linking sessions to the processes of a scan (`process_table.ProcessTable.scan`): by the session id
in a command line or Claude Code's registry, by a transcript held open, by the PIDs a store
records, else the bot process holding the store open. `ProcessWatch` remembers what it linked
before, so a vanished process is told apart from none, and an unchanged scan costs nothing."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import is_
from pathlib import Path
from typing import Any

from sessiontui.age_steps import step_floor
from sessiontui.live.process_table import ProcessTable
from sessiontui.live.processes import ProcessScan, StoreTarget, unique_pids
from sessiontui.live.recorded_pids import recorded_links, wanted_pids
from sessiontui.model import ProcessInfo, Session, SessionProcesses


def link_ids(session: Session) -> tuple[str, ...]:
    """The ids an agent's command line may name for this session.

    A hermes-bot row is keyed by its Slack thread; the Claude Code child it runs is started with
    `--resume <session_id>`, the id kept beside the row.
    """
    if session.agent_id is None:
        return (session.id,)
    return (session.agent_id,) if session.agent_id else ()


def own_pids(sessions: Iterable[Session], scan: ProcessScan) -> set[int]:
    """The PIDs these sessions' own links name (command line id, open transcript, lease)."""
    return {pid for session in sessions for pid in _own_links(session, scan)[0]}


def _own_links(session: Session, scan: ProcessScan) -> tuple[tuple[int, ...], str, tuple[int, ...]]:
    """The session's own processes (PIDs, how linked), and the gateways its store records."""
    pids: tuple[int, ...] = ()
    via = ""
    gateways: tuple[int, ...] = ()
    by_id, by_file = scan.by_session_id, scan.by_file
    if by_id:
        for linked in link_ids(session):
            found = by_id.get(linked, ())
            if found:
                pids += found
                via = "its id (command line or Claude Code's registry)"
    if by_file and session.source_path and session.source_path in by_file:
        pids += by_file[session.source_path]
        via = via or "holds its transcript open"
    if session.agent_pids:
        mine, gateways = recorded_links(session.agent_pids, scan.processes)
        if mine:
            pids += mine
            via = via or "the process its store records (turn lease)"
    return pids, via, gateways


def _link_inputs(
    scan: ProcessScan,
    own: dict[int, tuple[tuple[int, ...], str]],
    served: dict[int, tuple[int, ...]],
    daemons: dict[str, tuple[int, ...]],
) -> tuple[object, ...]:
    """What `ProcessWatch.link_part` makes the facts from: each session's own and served
    processes (by index), each store's daemons, and how those processes look. With the same
    sessions, equal inputs link alike, whatever else runs (an agent of no session here)."""
    pids = {p for pids, _via in own.values() for p in pids}
    pids.update(p for pids in (*served.values(), *daemons.values()) for p in pids)
    info = scan.processes
    return own, served, daemons, {p: _identity(info[p]) if p in info else None for p in pids}


def _identity(info: ProcessInfo) -> tuple[object, ...]:
    """What a row shows of a process, or decides by: not its CPU % or RSS, which move each scan."""
    return (info.pid, info.started, info.name, info.orphaned, info.inspectable, info.user)


def current(facts: SessionProcesses, scan: ProcessScan | None) -> SessionProcesses:
    """`facts` with each process as the last scan saw it (its CPU % and RSS now)."""
    if scan is None or not facts.processes:
        return facts
    now = tuple(
        latest
        if (latest := scan.processes.get(p.pid)) is not None and latest.started == p.started
        else p
        for p in facts.processes
    )
    return replace(facts, processes=now)


@dataclass(slots=True)
class _Seen:
    """What the watch remembers of a session's processes between scans."""

    alive: tuple[tuple[int, float], ...] = ()  # (pid, start time) seen last
    gone_pid: int | None = None
    gone_at: datetime | None = None


class _Indexes:
    """Lookups over one sequence of sessions, made once while the fleet hands it again."""

    def __init__(self, sessions: Sequence[Session]) -> None:
        self.sessions = sessions
        self.stores = {session.store for session in sessions}
        self.with_pids = [i for i, session in enumerate(sessions) if session.agent_pids]
        self.by_id: dict[str, list[int]] = {}  # an id a command line may name -> sessions
        self.by_path: dict[str, list[int]] = {}  # a transcript's path -> sessions
        for i, session in enumerate(sessions):
            for linked in link_ids(session):
                self.by_id.setdefault(linked, []).append(i)
            if session.source_path:
                self.by_path.setdefault(session.source_path, []).append(i)


class ProcessWatch:
    """Links the sessions of every scan to their processes, remembering what vanished."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._stores: dict[str, _Seen] = {}
        self._cpu: dict[
            tuple[int, float], tuple[float, float, float]
        ] = {}  # -> (cpu s, at, last change)
        self.last: ProcessScan | None = None
        self._indexed: _Indexes | None = None
        # The facts of the last scan, and by what they say: a session whose processes moved
        # only in CPU % or RSS keeps the same object, so its row does not change (the detail
        # view reads those figures from the scan: `current`).
        self._facts: dict[str, SessionProcesses] = {}
        self._made: dict[tuple[object, ...], SessionProcesses] = {}
        self._inputs: tuple[object, ...] | None = None  # what the last link was made from
        self._linked: Sequence[Session] | None = None
        self._table = ProcessTable()  # reads only new and kept processes between full passes

    def update(
        self,
        sessions: Sequence[Session],
        targets: Sequence[StoreTarget],
        now: datetime,
        *,
        full: bool = False,
    ) -> dict[str, SessionProcesses]:
        """Scan the process table and link every session (blocking: call it from a thread).
        `full`: read every process again (else only new and kept ones, between full passes)."""
        return self.link(sessions, self.scan(sessions, targets, full=full), now)

    def scan(
        self, sessions: Sequence[Session], targets: Sequence[StoreTarget], *, full: bool = False
    ) -> ProcessScan:
        """One look at the process table for these stores and sessions (blocking)."""
        with_pids = self._indexes(sessions).with_pids  # (kept while the same sessions come back)
        wanted = wanted_pids([sessions[i].agent_pids for i in with_pids])
        scan = self._table.scan(targets, wanted, full=full)
        registries = [
            Path(t.directory).parent / "sessions"
            for t in targets
            if t.directory is not None and Path(t.directory).name == "projects"
        ]
        from sessiontui.live.claude_registry import with_claude_registry

        return with_claude_registry(scan, registries)

    def link(
        self, sessions: Sequence[Session], scan: ProcessScan, now: datetime
    ) -> dict[str, SessionProcesses]:
        """The processes of each session that has (or had) one, keyed by session uid."""
        return self.link_part(sessions, self.take(scan), now)

    def take(self, scan: ProcessScan) -> ProcessScan:
        """Make `scan` the last one (CPU % since the previous): once per look, before linking."""
        scan = self._with_cpu(scan)
        self.last = scan
        return scan

    def link_part(
        self,
        sessions: Sequence[Session],
        scan: ProcessScan,
        now: datetime,
        owned_elsewhere: Collection[int] = (),
    ) -> dict[str, SessionProcesses]:
        """`link` for some of the sessions at a time (a snapshot's pages), `scan` already taken;
        `owned_elsewhere`: the PIDs the other sessions own (`own_pids`), never a store's daemon."""
        for store in self._indexes(sessions).stores | set(scan.by_store):
            self._remember(self._stores, store, self.store_processes(store), now)
        # Most sessions have no process: the loops touch only dict lookups for them (100k sessions
        # every SCAN_SECONDS), computing a uid only for the ones linked now or before.
        own_pids: set[int] = set(owned_elsewhere)
        own: dict[int, tuple[tuple[int, ...], str]] = {}  # index in `sessions` -> pids, how
        served: dict[int, tuple[int, ...]] = {}  # index -> gateways the store records serving it
        for index in self._candidates(sessions, scan):
            pids, via, gateways = _own_links(sessions[index], scan)
            if gateways:
                served[index] = gateways
            if pids:
                own[index] = (unique_pids(pids), via)
                own_pids.update(pids)
        daemons = {
            store: tuple(p for p in pids if p not in own_pids)
            for store, pids in scan.by_store.items()
        }
        quiet_for = {  # the idle time of each session's own processes, as its words read (a step)
            index: self._idle([scan.processes[p] for p in pids if p in scan.processes], scan.at)
            for index, (pids, _via) in own.items()
        }
        inputs = (_link_inputs(scan, own, served, daemons), frozenset(owned_elsewhere), quiet_for)
        if sessions is self._linked and inputs == self._inputs:
            return self._facts  # the same links as the last scan: a daemon's sessions untouched
        self._linked, self._inputs = sessions, inputs
        seen = self._seen
        seen_ids: set[str] | None = None  # made when first needed (never, while a daemon serves)
        facts: dict[str, SessionProcesses] = {}
        every: Iterable[int] = range(len(sessions))
        if not seen and not any(daemons.values()):  # no daemon, and none seen before
            every = sorted(own.keys() | served.keys())
        made: dict[tuple[object, ...], SessionProcesses] = {}  # facts by what they say
        previous, kept = self._made, self._facts
        made_now: dict[tuple[object, ...], SessionProcesses] = {}  # the same, keyed for speed
        alive_of: dict[tuple[int, ...], tuple[Any, ...]] = {}  # pids -> alive, identity, ids
        for index in every:
            session = sessions[index]
            shared = False
            if index in own:
                pids, via = own[index]
            elif index in served:
                pids, via, shared = served[index], "the gateway its store records serving it", True
            else:
                pids = daemons.get(session.store, ())
                if not pids:
                    if seen_ids is None:
                        seen_ids = {uid.rsplit("\x1f", 1)[-1] for uid in seen}
                    if session.id not in seen_ids:
                        continue
                via, shared = "the bot process holding its store open", True
            uid = session.uid
            known = alive_of.get(pids)  # (a store's daemons: one tuple for all its sessions)
            if known is None:
                alive = tuple(scan.processes[p] for p in pids if p in scan.processes)
                ids = tuple((p.pid, p.started) for p in alive)
                known = alive_of[pids] = (alive, tuple(map(_identity, alive)), ids)
            alive = known[0]
            memory = self._remember(seen, uid, alive, now, known[2])
            if memory is None:
                continue
            idle = self._idle(alive, scan.at) if alive and not shared else None
            via = via if alive else ""
            quick = (id(known), via, shared, memory.gone_pid, memory.gone_at, idle)
            fact = made_now.get(quick)  # (ids hash fast: 100k held sessions share a handful)
            if fact is None:  # else the last scan's object while only CPU % and RSS moved
                key = (known[1], via, shared and bool(alive), memory.gone_pid, memory.gone_at, idle)
                fact = made.get(key) or previous.get(key)
                if fact is None:
                    fact = SessionProcesses(
                        alive, via, shared and bool(alive), memory.gone_pid, memory.gone_at, idle
                    )
                made[key] = made_now[quick] = fact
            facts[uid] = fact
        self._made = made
        if len(facts) == len(kept) and all(map(is_, map(kept.get, facts), facts.values())):
            return kept  # nothing a row shows moved: the same mapping, so no row is looked at
        self._facts = facts
        return facts

    def _indexes(self, sessions: Sequence[Session]) -> _Indexes:
        """Lookups over `sessions`: kept while the fleet hands the same sequence again (an idle
        fleet does), so a scan costs no pass over 100k."""
        cached = self._indexed
        if cached is None or cached.sessions is not sessions:
            cached = self._indexed = _Indexes(sessions)
        return cached

    def _candidates(self, sessions: Sequence[Session], scan: ProcessScan) -> set[int]:
        """The sessions that may have processes of their own in `scan`: named by an id in it,
        whose transcript a process holds, or whose store records PIDs (by index)."""
        index = self._indexes(sessions)
        found = set(index.with_pids)
        for session_id in scan.by_session_id.keys() & index.by_id.keys():
            found.update(index.by_id[session_id])
        for path in scan.by_file.keys() & index.by_path.keys():
            found.update(index.by_path[path])
        return found

    @staticmethod
    def _remember(
        book: dict[str, _Seen],
        key: str,
        alive: Sequence[ProcessInfo],
        now: datetime,
        ids: tuple[tuple[int, float], ...] | None = None,
    ) -> _Seen | None:
        """Note who serves `key` now (`ids`: their (PID, start) pairs, if known); when the ones
        seen before vanished, note since when."""
        memory = book.get(key)
        if memory is None and not alive:
            return None
        if memory is None:
            memory = book[key] = _Seen()
        if alive:
            memory.alive = ids if ids is not None else tuple((p.pid, p.started) for p in alive)
            memory.gone_pid = memory.gone_at = None
        elif memory.alive:
            memory.gone_pid, memory.gone_at = memory.alive[0][0], now
            memory.alive = ()
        return memory

    def store_gone(self, store: str) -> tuple[int, datetime] | None:
        """The process that held `store` open and vanished, and when (None: none did)."""
        memory = self._stores.get(store)
        if memory is None or memory.gone_pid is None or memory.gone_at is None:
            return None
        return memory.gone_pid, memory.gone_at

    def _with_cpu(self, scan: ProcessScan) -> ProcessScan:
        """CPU % since the previous scan on each process; remembers when its CPU last moved."""
        cpu, updated = self._cpu, {}
        processes = dict(scan.processes)
        for pid, info in scan.processes.items():
            seconds = scan.cpu_seconds.get(pid)
            if seconds is None:
                continue
            key = (pid, info.started)
            before = cpu.get(key)
            if before is None:
                updated[key] = (seconds, scan.at, scan.at)
                continue
            elapsed = max(scan.at - before[1], 1e-6)
            changed = seconds - before[0] > 0.005
            updated[key] = (seconds, scan.at, scan.at if changed else before[2])
            processes[pid] = replace(
                info, cpu_percent=round(100.0 * (seconds - before[0]) / elapsed, 1)
            )
        self._cpu = updated
        return replace(scan, processes=processes)

    def _idle(self, alive: Sequence[ProcessInfo], at: float) -> float | None:
        """Seconds since any of these processes last used CPU (None: one used some just now),
        down to its step (`age_steps.step_floor`): it reads the same ("no CPU for 3 minutes"),
        and moves only on the steps where those words may change (every half minute at that
        age), not at every scan."""
        idle = []
        for info in alive:
            entry = self._cpu.get((info.pid, info.started))
            if entry is None:
                return None
            idle.append(at - entry[2])
        quiet = min(idle, default=0.0)
        return float(step_floor(quiet)) if quiet > 0 else None

    def store_processes(self, store: str) -> tuple[ProcessInfo, ...]:
        """The processes holding `store` open at the last scan."""
        scan = self.last
        if scan is None:
            return ()
        return tuple(scan.processes[p] for p in scan.by_store.get(store, ()) if p in scan.processes)
