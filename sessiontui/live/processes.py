"""The processes behind the sessions: who holds a store open, which agent runs which session.

Data side (no Textual), built on psutil. `process_table.ProcessTable.scan()` is one blocking pass
over the process table (run it in a thread, on a cadence of seconds, not on every tick);
`process_links.ProcessWatch` links each scan to the sessions and keeps what the previous scans
saw, so it can tell how much CPU a process used since, and that a process which served a
session has vanished (and since when).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import psutil

from sessiontui.model import ProcessInfo
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


def open_paths(proc: psutil.Process) -> list[str]:
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


def match_targets(path: str, targets: Sequence[StoreTarget]) -> list[StoreTarget]:
    """The stores a file belongs to: the ones naming it exactly, else the directories holding it
    (ZeroClaw keeps sessions.db inside its JSONL sessions directory)."""
    exact = [t for t in targets if path in t.files]
    if exact:
        return exact
    return [t for t in targets if t.directory is not None and path.startswith(t.directory)]


def is_worker(cmdline: Sequence[str] | None) -> bool:
    """A multiprocessing worker (sessiontui's reader pool), not a program it started on purpose
    (the demo's stand-in agents are sessiontui's children too, and are linked)."""
    return any("multiprocessing" in part for part in (cmdline or ())[:4])


def is_sessiontui(cmdline: Sequence[str]) -> bool:
    """A sessiontui process: `sessiontui ...` or `python -m sessiontui ...`."""
    head = [Path(part).name for part in cmdline[:3]]
    return "sessiontui" in head or any(
        a == "-m" and b.split(".")[0] == "sessiontui" for a, b in pairwise(head)
    )


def unique_pids(pids: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(pids))


def describe(
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
