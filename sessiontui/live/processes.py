"""The processes behind the sessions: who holds a store open, which agent runs which session.

Data side (no Textual), built on psutil. `scan_processes()` is one blocking pass over the
process table (run it in a thread, on a cadence of seconds, not on every tick);
`ProcessWatch` keeps what the previous scans saw, so it can tell how much CPU a process used
since, and that a process which served a session has vanished (and since when).

What links a process to a store or a session (../shared/STORES.md section 11):
- a store: the process holds one of its files open (the database, its -wal/-shm, a file in a
  JSONL directory), as a bot daemon does;
- a session: its id follows `--resume`, `-r` or `--session-id` in an agent's command line
  (Claude Code, and the Claude Code children of hermes-bot), or follows `resume` (`codex resume
  <id>`), Claude Code's own registry (`~/.claude/sessions/<pid>.json`) names it for a live agent,
  the agent holds the session's transcript file open (a Codex rollout), its environment names it
  (`HERMES_SESSION_ID`), or the store records the PID (Hermes Agent's leases and heartbeats,
  live/recorded_pids.py).
A process sessiontui may not inspect (another user's) is counted as such, never guessed at.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import pairwise
from operator import is_
from pathlib import Path
from typing import Any

import psutil

from sessiontui.live.recorded_pids import environment_session_ids, recorded_links, wanted_pids
from sessiontui.model import ProcessInfo, Session, SessionProcesses
from sessiontui.stores.registry import agent_process_names

log = logging.getLogger(__name__)

SCAN_SECONDS = 5.0  # how often the fleet looks at the process table
AGENT_NAMES = agent_process_names()
SESSION_FLAGS = frozenset({"--resume", "-r", "--session-id"})
SESSION_SUBCOMMANDS = frozenset({"resume"})  # `codex resume <id>`, `codex exec resume <id>`
INIT_NAMES = frozenset({"init", "systemd", "launchd"})
_PROC_FD = Path("/proc")


@dataclass(frozen=True, slots=True)
class StoreTarget:
    """The files of one store a process may hold open: exact paths, or anything in a directory."""

    store: str  # the store's path, as Session.store holds it
    files: frozenset[str] = frozenset()
    directory: str | None = None


def store_target(path: Path) -> StoreTarget:
    """A database (or JSON file) with its WAL companions, or a directory of transcripts."""
    text = str(path)
    if path.is_dir():
        return StoreTarget(text, directory=text.rstrip(os.sep) + os.sep)
    return StoreTarget(text, frozenset({text, f"{text}-wal", f"{text}-shm", f"{text}-journal"}))


@dataclass(frozen=True, slots=True)
class ProcessScan:
    """One look at the process table, reduced to what links processes to stores and sessions."""

    at: float  # time.time() of the scan
    processes: dict[int, ProcessInfo] = field(default_factory=dict)  # agents and store holders
    by_store: dict[str, tuple[int, ...]] = field(default_factory=dict)  # store -> pids holding it
    by_session_id: dict[str, tuple[int, ...]] = field(
        default_factory=dict
    )  # id in a cmdline/registry
    by_file: dict[str, tuple[int, ...]] = field(default_factory=dict)  # open store file -> pids
    cpu_seconds: dict[int, float] = field(default_factory=dict)  # user+system time of each pid
    not_inspectable: int = 0  # processes whose files could not be read (another user's)
    unavailable: str | None = None  # why processes cannot be looked at, on this platform


def agent_name(name: str | None, cmdline: Sequence[str]) -> str | None:
    """The agent a process runs (by its name, its argv[0], or the script an interpreter runs)."""
    for item in (name or "", *cmdline[:2]):
        base = (
            os.path.basename(item)
            .removesuffix(".exe")
            .removesuffix(".mjs")
            .removesuffix(".js")
            .casefold()
        )
        if base in AGENT_NAMES:
            return base
    return None


def is_agent(name: str | None, cmdline: Sequence[str]) -> bool:
    return agent_name(name, cmdline) is not None


def session_ids_in(cmdline: Sequence[str]) -> list[str]:
    """Session ids named by `--resume <id>`, `-r <id>`, `--session-id <id>` (or `--flag=id`), or
    by a `resume <id>` subcommand (not argv[0]: a program called `resume` names nothing)."""
    ids = []
    for index, arg in enumerate(cmdline):
        if (
            index
            and (arg in SESSION_FLAGS or arg in SESSION_SUBCOMMANDS)
            and index + 1 < len(cmdline)
        ):
            ids.append(cmdline[index + 1])
        elif arg.startswith(("--resume=", "--session-id=")):
            ids.append(arg.split("=", 1)[1])
    return [i for i in ids if i and not i.startswith("-")]


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


def _open_paths(proc: psutil.Process) -> list[str]:
    """Every path the process holds open. On Linux straight from /proc/<pid>/fd (cheaper than
    psutil's open_files, which also reads each fd's flags); elsewhere through psutil."""
    if sys.platform.startswith("linux"):
        fd_dir = f"{_PROC_FD}/{proc.pid}/fd/"  # (strings: pathlib cost more than the reads)
        paths = []
        try:
            names = os.listdir(fd_dir)
        except PermissionError:
            raise psutil.AccessDenied(proc.pid) from None
        except FileNotFoundError:
            raise psutil.NoSuchProcess(proc.pid) from None
        for name in names:
            try:
                target = os.readlink(fd_dir + name)
            except OSError:
                continue
            if target.startswith("/"):
                paths.append(target.removesuffix(" (deleted)"))
        return paths
    return [f.path for f in proc.open_files()]


def _match(path: str, targets: Sequence[StoreTarget]) -> list[StoreTarget]:
    """The stores a file belongs to: the ones naming it exactly, else the directories holding it
    (ZeroClaw keeps sessions.db inside its JSONL sessions directory)."""
    exact = [t for t in targets if path in t.files]
    if exact:
        return exact
    return [t for t in targets if t.directory is not None and path.startswith(t.directory)]


def scan_processes(
    targets: Sequence[StoreTarget], wanted: frozenset[int] = frozenset()
) -> ProcessScan:
    """Look at every process once (blocking: call it from a thread). `wanted`: PIDs the stores
    record, kept whatever their name."""
    now = time.time()
    me = os.getpid()
    parents: dict[int, int] = {}
    kept: dict[int, tuple[psutil.Process, dict[str, Any], list[str]]] = {}
    by_store: dict[str, list[int]] = {}
    by_session: dict[str, list[int]] = {}
    by_file: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    denied = 0
    try:
        procs = _user_processes()
    except Exception as exc:  # noqa: BLE001 - e.g. no /proc: say so, never crash the dashboard
        return ProcessScan(now, unavailable=f"the process table cannot be read: {exc}")
    ours = {p.info["pid"] for p in procs if is_sessiontui(list(p.info.get("cmdline") or []))}
    for proc in procs:
        info = proc.info
        pid = info["pid"]
        if info.get("ppid") is not None:
            parents[pid] = info["ppid"]
        names[pid] = info.get("name") or ""
        if (
            pid == me
            or pid in ours
            or (info.get("ppid") in ours and _is_worker(info.get("cmdline")))
        ):
            continue  # sessiontui itself (any instance, and its reader pool) serves no session
        cmdline = list(info.get("cmdline") or [])
        agent = is_agent(info.get("name"), cmdline)
        try:
            opened = _open_paths(proc)
        except psutil.NoSuchProcess:
            continue
        except (psutil.AccessDenied, PermissionError):
            opened = []
            denied += 1
            if not agent and pid not in wanted:
                continue
            info["_denied"] = True
        held = []
        for path in opened:
            for target in _match(path, targets):
                held.append(path)
                by_store.setdefault(target.store, []).append(pid)
                by_file.setdefault(path, []).append(pid)
        ids = [*session_ids_in(cmdline), *environment_session_ids(proc)] if agent else []
        for session_id in ids:
            by_session.setdefault(session_id, []).append(pid)
        if agent or held or pid in wanted:
            kept[pid] = (proc, info, held)
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    processes: dict[int, ProcessInfo] = {}
    cpu: dict[int, float] = {}
    for pid, (proc, info, held) in kept.items():
        found = _describe(
            proc, info, held, children.get(pid, []), names.get(int(info.get("ppid") or 0), "")
        )
        if found is not None:
            processes[pid], seconds = found
            if seconds is not None:
                cpu[pid] = seconds
    return ProcessScan(
        now,
        processes,
        {k: _unique(v) for k, v in by_store.items()},
        {k: _unique(v) for k, v in by_session.items()},
        {k: _unique(v) for k, v in by_file.items()},
        cpu,
        denied,
    )


_ATTRS = ["pid", "cmdline", "create_time", "username"]


def _user_processes() -> list[psutil.Process]:
    """Every process with `info` read, but Linux kernel threads (kthreadd's children: no files,
    no command line, often most of the table), whose only read is their parent's PID."""
    kthreadd = False  # seen (PID 2 is kthreadd on a host; in a container, it is not there)
    procs = []
    for proc in psutil.process_iter(["ppid", "name"], ad_value=None):  # sorted by PID
        if proc.pid == 2 and proc.info["name"] == "kthreadd" and sys.platform == "linux":
            kthreadd = True
            continue
        if kthreadd and proc.info["ppid"] == 2:
            continue
        try:
            proc.info.update(proc.as_dict(_ATTRS, ad_value=None))
        except psutil.NoSuchProcess:
            continue
        procs.append(proc)
    return procs


def _link_inputs(scan: ProcessScan) -> tuple[object, ...]:
    """What `ProcessWatch.link` reads of a scan: with the same sessions (the fleet hands the same
    list while no store changed) and no process of a session's own, equal inputs link alike."""
    return (
        scan.by_store,
        scan.by_session_id,
        scan.by_file,
        {pid: _identity(info) for pid, info in scan.processes.items()},
    )


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


def _is_worker(cmdline: Sequence[str] | None) -> bool:
    """A multiprocessing worker (sessiontui's reader pool), not a program it started on purpose
    (the demo's stand-in agents are sessiontui's children too, and are linked)."""
    return any("multiprocessing" in part for part in (cmdline or ())[:4])


def is_sessiontui(cmdline: Sequence[str]) -> bool:
    """A sessiontui process: `sessiontui ...` or `python -m sessiontui ...`."""
    head = [Path(part).name for part in cmdline[:3]]
    return "sessiontui" in head or any(
        a == "-m" and b.split(".")[0] == "sessiontui" for a, b in pairwise(head)
    )


def _unique(pids: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(pids))


def _describe(
    proc: psutil.Process,
    info: dict[str, Any],
    held: list[str],
    children: list[int],
    parent_name: str,
) -> tuple[ProcessInfo, float | None] | None:
    pid = proc.pid
    ppid = info.get("ppid")
    started = info.get("create_time")
    if not isinstance(started, float):
        return None
    orphaned = ppid == 1 or (parent_name in INIT_NAMES and ppid != 0)
    base = ProcessInfo(
        pid=pid,
        started=started,
        name=agent_name(info.get("name"), info.get("cmdline") or ())
        or str(info.get("name") or "?"),
        cmdline=tuple(str(a) for a in (info.get("cmdline") or ())),
        user=str(info["username"]) if info.get("username") else None,
        ppid=ppid if isinstance(ppid, int) else None,
        children=tuple(sorted(children)),
        open_store_files=tuple(sorted(set(held))),
        orphaned=orphaned,
    )
    if info.get("_denied"):
        return replace(base, inspectable=False), None
    try:
        with proc.oneshot():
            times = proc.cpu_times()
            rss = proc.memory_info().rss
            leader = os.getpgid(pid) == pid
    except psutil.NoSuchProcess:
        return None
    except (psutil.AccessDenied, PermissionError, ProcessLookupError):
        return replace(base, inspectable=False), None
    return replace(base, rss=rss, group_leader=leader), times.user + times.system


@dataclass(slots=True)
class _Seen:
    """What the watch remembers of a session's processes between scans."""

    alive: tuple[tuple[int, float], ...] = ()  # (pid, start time) seen last
    gone_pid: int | None = None
    gone_at: datetime | None = None


class ProcessWatch:
    """Links the sessions of every scan to their processes, remembering what vanished."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._stores: dict[str, _Seen] = {}
        self._cpu: dict[
            tuple[int, float], tuple[float, float, float]
        ] = {}  # -> (cpu s, at, last change)
        self.last: ProcessScan | None = None
        self._indexed: tuple[Sequence[Session], set[str], list[int]] | None = None
        # The facts of the last scan, and by what they say: a session whose processes moved
        # only in CPU % or RSS keeps the same object, so its row does not change (the detail
        # view reads those figures from the scan: `current`).
        self._facts: dict[str, SessionProcesses] = {}
        self._made: dict[tuple[object, ...], SessionProcesses] = {}
        self._inputs: tuple[object, ...] | None = None  # what the last link was made from
        self._linked: Sequence[Session] | None = None

    def update(
        self, sessions: Sequence[Session], targets: Sequence[StoreTarget], now: datetime
    ) -> dict[str, SessionProcesses]:
        """Scan the process table and link every session (blocking: call it from a thread)."""
        return self.link(sessions, self.scan(sessions, targets), now)

    def scan(self, sessions: Sequence[Session], targets: Sequence[StoreTarget]) -> ProcessScan:
        """One look at the process table for these stores and sessions (blocking)."""
        scan = scan_processes(
            targets, wanted_pids([s.agent_pids for s in sessions if s.agent_pids])
        )
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
        stores, with_pids = self._index(sessions)
        for store in stores | set(scan.by_store):
            self._remember(self._stores, store, self.store_processes(store), now)
        inputs = (_link_inputs(scan), frozenset(owned_elsewhere))
        if (
            sessions is self._linked
            and inputs == self._inputs
            and not any(f.processes and not f.shared for f in self._made.values())
        ):  # (a session's own process: its idle time moves with the clock)
            return (
                self._facts
            )  # the same links as the last scan: a daemon's 100k sessions untouched
        self._linked, self._inputs = sessions, inputs
        # Most sessions have no process: the loops touch only dict lookups for them (100k sessions
        # every SCAN_SECONDS), computing a uid only for the ones linked now or before.
        own_pids: set[int] = set(owned_elsewhere)
        own: dict[int, tuple[tuple[int, ...], str]] = {}  # index in `sessions` -> pids, how
        served: dict[int, tuple[int, ...]] = {}  # index -> gateways the store records serving it
        # With no process naming a session or holding its transcript, only the sessions whose
        # store records PIDs can have processes of their own.
        anything = bool(scan.by_session_id or scan.by_file)
        candidates: Iterable[int] = range(len(sessions)) if anything else with_pids
        for index in candidates:
            pids, via, gateways = _own_links(sessions[index], scan)
            if gateways:
                served[index] = gateways
            if pids:
                own[index] = (_unique(pids), via)
                own_pids.update(pids)
        daemons = {
            store: tuple(p for p in pids if p not in own_pids)
            for store, pids in scan.by_store.items()
        }
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

    def _index(self, sessions: Sequence[Session]) -> tuple[set[str], list[int]]:
        """The stores of `sessions`, and which of them record PIDs: kept while the fleet hands
        the same sequence again (an idle fleet does), so a scan costs no pass over 100k."""
        cached = self._indexed
        if cached is None or cached[0] is not sessions:
            stores = {session.store for session in sessions}
            with_pids = [i for i, session in enumerate(sessions) if session.agent_pids]
            cached = self._indexed = (sessions, stores, with_pids)
        return cached[1], cached[2]

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
        """Seconds since any of these processes last used CPU (None: one used some just now)."""
        idle = []
        for info in alive:
            entry = self._cpu.get((info.pid, info.started))
            if entry is None:
                return None
            idle.append(at - entry[2])
        quiet = min(idle, default=0.0)
        return quiet if quiet > 0 else None

    def store_processes(self, store: str) -> tuple[ProcessInfo, ...]:
        """The processes holding `store` open at the last scan."""
        scan = self.last
        if scan is None:
            return ()
        return tuple(scan.processes[p] for p in scan.by_store.get(store, ()) if p in scan.processes)
