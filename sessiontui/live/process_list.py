"""Every process of the fleet's last scan with the sessions it serves, and why one is an orphan:
what the processes view lists and what the metrics count. Data side: no Textual."""

from __future__ import annotations

from dataclasses import dataclass

from sessiontui.live.fleet import FleetUpdate
from sessiontui.live.processes import agent_name
from sessiontui.model import ProcessInfo, Session, SessionRow, SessionState
from sessiontui.stores.registry import RECORDS

_ENDED = frozenset({SessionState.CLOSED, SessionState.ARCHIVED})


@dataclass(frozen=True, slots=True)
class ListedProcess:
    info: ProcessInfo
    sessions: tuple[SessionRow, ...]  # the sessions it serves
    why_orphan: str | None  # None: not an orphan

    @property
    def session(self) -> Session | None:
        return self.sessions[0].session if len(self.sessions) == 1 else None


def listed_processes(update: FleetUpdate) -> list[ListedProcess]:
    """Every process of the last scan with the sessions it serves; orphans first, then by PID."""
    scan = update.process_scan
    if scan is None:
        return []
    serves: dict[tuple[int, float], list[SessionRow]] = {}
    for row in update.rows:
        if row.processes is not None:
            for info in row.processes.processes:
                serves.setdefault((info.pid, info.started), []).append(row)
    listed = []
    for info in scan.processes.values():
        rows = tuple(serves.get((info.pid, info.started), ()))
        why = None
        if info.orphaned:
            why = "parent is init"
        elif rows and all(
            r.verdict.state in _ENDED or r.verdict.reason == "orphan-process" for r in rows
        ):
            why = "its session ended"
        elif not rows and not info.open_store_files:
            why = "no open session names it"
        listed.append(ListedProcess(info, rows, why))
    listed.sort(key=lambda p: (p.why_orphan is None, p.info.pid))
    return listed


def bot_of_process(info: ProcessInfo) -> str | None:
    """The bot whose agent or daemon this process runs (by its executable), if any."""
    name = agent_name(info.name, info.cmdline)
    return next((record.bot for record in RECORDS if name in record.processes), None)
