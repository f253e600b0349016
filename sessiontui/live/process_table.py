"""Looking at the process table again and again: each pass reads only what may have moved.

`ProcessTable.scan` lists the PIDs (one directory read on Linux) and reads in full only the
processes it has not seen, and again those it keeps (agents, store holders, PIDs a store
records: their open files, CPU time and RSS move). What it learned of every other process (its
name, command line, that it holds no store file) is reused until a full pass, every
FULL_SCAN_SECONDS, reads every process again: a process already running that opens a store's
file later is found by then. An idle host's pass costs a directory listing and the kept
processes (~0.2 ms here, against ~10 ms for a full pass over 135 processes).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psutil

from sessiontui.live.processes import (
    ProcessScan,
    StoreTarget,
    describe,
    is_agent,
    is_sessiontui,
    is_worker,
    match_targets,
    open_paths,
    session_ids_in,
    unique_pids,
)
from sessiontui.live.recorded_pids import environment_session_ids
from sessiontui.model import ProcessInfo

FULL_SCAN_SECONDS = 30.0  # every process read again (one seen before may open a store's file)
_ATTRS = ["pid", "cmdline", "create_time", "username"]


@dataclass(slots=True)
class _Process:
    """What the passes read of one process, kept while it lives (until the next full pass)."""

    proc: psutil.Process
    info: dict[str, Any]  # ppid and name; for a user process also _ATTRS
    user: bool = True  # False: a Linux kernel thread (kthreadd's child), read no further
    files_read: bool = False  # its open files were read (else: not yet, or sessiontui's own)
    denied: bool = False  # its files may not be read (another user's)
    held: tuple[str, ...] = ()  # the store files it holds open
    ids: tuple[str, ...] | None = None  # session ids of an agent (command line, environment)
    kept: bool = False  # an agent, a holder or a wanted PID: read again on every pass


class ProcessTable:
    """The process table over successive passes (blocking: call `scan` from a thread)."""

    def __init__(self) -> None:
        self._known: dict[int, _Process] = {}
        self._targets: tuple[StoreTarget, ...] | None = None  # what `held` was matched against
        self._full_at = -FULL_SCAN_SECONDS
        self._kthreadd = False  # PID 2 is kthreadd (a host; in a container it is not there)

    def scan(
        self,
        targets: Sequence[StoreTarget],
        wanted: frozenset[int] = frozenset(),
        *,
        full: bool = False,
    ) -> ProcessScan:
        """One look at every process; `full`: read every one again, whatever was seen before.
        `wanted`: PIDs the stores record, kept whatever their name."""
        now = time.time()
        # A PID newly `wanted` (a Hermes lease names one per turn) needs no full pass: `_look`
        # keeps it from this pass on, and reads its files again from the next.
        targets = tuple(targets)
        if (
            full
            or targets != self._targets
            or time.monotonic() - self._full_at >= FULL_SCAN_SECONDS
        ):
            self._known, self._targets, self._full_at = {}, targets, time.monotonic()
        try:
            pids = psutil.pids()
        except Exception as exc:  # noqa: BLE001 - e.g. no /proc: say so, never crash the dashboard
            return ProcessScan(now, unavailable=f"the process table cannot be read: {exc}")
        known: dict[int, _Process] = {}
        for pid in pids:
            entry = self._known.get(pid)
            if entry is None or (entry.kept and not _same_process(entry)):
                entry = self._read(pid)
            if entry is not None:
                known[pid] = entry
        self._known = known
        return self._look(known, targets, wanted, now)

    def _read(self, pid: int) -> _Process | None:
        """A process seen for the first time (None: it is gone already)."""
        try:
            proc = psutil.Process(pid)
            info = proc.as_dict(["ppid", "name"], ad_value=None)
        except psutil.Error:
            return None
        if sys.platform == "linux":
            if pid == 2 and info["name"] == "kthreadd":
                self._kthreadd = True
                return _Process(proc, info, user=False)
            if self._kthreadd and info["ppid"] == 2:
                return _Process(proc, info, user=False)
        try:
            info.update(proc.as_dict(_ATTRS, ad_value=None))
        except psutil.NoSuchProcess:
            return None
        return _Process(proc, info)

    def _look(
        self,
        known: dict[int, _Process],
        targets: Sequence[StoreTarget],
        wanted: frozenset[int],
        now: float,
    ) -> ProcessScan:
        me = os.getpid()
        users = [entry for entry in known.values() if entry.user]
        ours = {e.proc.pid for e in users if is_sessiontui(list(e.info.get("cmdline") or []))}
        by_store: dict[str, list[int]] = {}
        by_session: dict[str, list[int]] = {}
        by_file: dict[str, list[int]] = {}
        kept: list[_Process] = []
        denied = 0
        for entry in users:
            info = entry.info
            pid = entry.proc.pid
            if (
                pid == me
                or pid in ours
                or (info.get("ppid") in ours and is_worker(info.get("cmdline")))
            ):
                continue  # sessiontui itself (any instance, and its reader pool) serves no session
            cmdline = list(info.get("cmdline") or [])
            agent = is_agent(info.get("name"), cmdline)
            if (not entry.files_read or entry.kept) and not _read_files(entry, targets):
                continue  # gone (files read: new, or kept and so read on every pass)
            if entry.denied:
                denied += 1
                if not agent and pid not in wanted:
                    entry.kept = False
                    continue
            for path in entry.held:
                for target in match_targets(path, targets):
                    by_store.setdefault(target.store, []).append(pid)
                    by_file.setdefault(path, []).append(pid)
            if agent and entry.ids is None:  # (an environment is fixed once the process runs)
                entry.ids = (*session_ids_in(cmdline), *environment_session_ids(entry.proc))
            for session_id in entry.ids or ():
                by_session.setdefault(session_id, []).append(pid)
            entry.kept = agent or bool(entry.held) or pid in wanted
            if entry.kept:
                kept.append(entry)
        processes, cpu = _describe_kept(kept, known)
        return ProcessScan(
            now,
            processes,
            {k: unique_pids(v) for k, v in by_store.items()},
            {k: unique_pids(v) for k, v in by_session.items()},
            {k: unique_pids(v) for k, v in by_file.items()},
            cpu,
            denied,
        )


def _read_files(entry: _Process, targets: Sequence[StoreTarget]) -> bool:
    """Which store files the process holds open now (False: it is gone)."""
    try:
        opened = open_paths(entry.proc)
    except psutil.NoSuchProcess:
        return False
    except (psutil.AccessDenied, PermissionError):
        opened = []
        entry.denied = True
    else:
        entry.denied = False
    entry.files_read = True
    entry.held = tuple(path for path in opened if match_targets(path, targets))
    return True


def _same_process(entry: _Process) -> bool:
    """The PID still names the process read before (not another that reused it)."""
    try:
        return bool(entry.proc.is_running())
    except psutil.Error:
        return False


def _describe_kept(
    kept: list[_Process], known: dict[int, _Process]
) -> tuple[dict[int, ProcessInfo], dict[int, float]]:
    """Each kept process as a row shows it (children, parent's name), with its CPU seconds."""
    children: dict[int, list[int]] = {}
    for pid, entry in known.items():
        ppid = entry.info.get("ppid")
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    processes: dict[int, ProcessInfo] = {}
    cpu: dict[int, float] = {}
    for entry in kept:
        info = entry.info
        if entry.denied:
            info = {**info, "_denied": True}
        parent = known.get(int(info.get("ppid") or 0))
        found = describe(
            entry.proc,
            info,
            list(entry.held),
            children.get(entry.proc.pid, []),
            (parent.info.get("name") or "") if parent is not None else "",
        )
        if found is not None:
            processes[entry.proc.pid], seconds = found
            if seconds is not None:
                cpu[entry.proc.pid] = seconds
    return processes, cpu


def scan_processes(
    targets: Sequence[StoreTarget], wanted: frozenset[int] = frozenset()
) -> ProcessScan:
    """Look at every process once (blocking: call it from a thread). `wanted`: PIDs the stores
    record, kept whatever their name."""
    return ProcessTable().scan(targets, wanted)
