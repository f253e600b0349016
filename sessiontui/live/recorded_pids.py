"""Links a store records itself: the PIDs a bot writes beside a session, and the session id it
puts in its agent's environment (STORES.md 11.1: Hermes Agent's turn leases and gateway
heartbeats carry `pid`, its agents carry `HERMES_SESSION_ID`).

A recorded PID links only while the process that now has it started no later than the store
recorded it: a process started after that is another program that reused the PID.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import psutil

from sessiontui.model import ProcessInfo, RecordedPid
from sessiontui.stores.registry import session_env_names

CLOCK_SLACK_SECONDS = 2.0  # start times and the bots' clocks are both rounded: allow this much
ENV_NAMES = session_env_names()


def wanted_pids(recorded: Sequence[tuple[RecordedPid, ...]]) -> frozenset[int]:
    """Every PID some session's store records: the scan keeps them whatever they are called."""
    return frozenset(p.pid for pids in recorded for p in pids)


def recorded_links(
    recorded: Sequence[RecordedPid], processes: Mapping[int, ProcessInfo]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The session's own live processes, and the live gateways serving it (PID reuse excluded)."""
    own: list[int] = []
    gateways: list[int] = []
    for entry in recorded:
        info = processes.get(entry.pid)
        if info is None or info.started > entry.recorded_at + CLOCK_SLACK_SECONDS:
            continue
        (gateways if entry.serves_many else own).append(entry.pid)
    return tuple(dict.fromkeys(own)), tuple(dict.fromkeys(gateways))


def environment_session_ids(proc: psutil.Process) -> list[str]:
    """Session ids an agent's environment names (empty when it may not be read)."""
    if not ENV_NAMES:
        return []
    try:
        environ = proc.environ()
    except (psutil.Error, OSError):
        return []
    return [value for name in ENV_NAMES if (value := environ.get(name, "").strip())]
