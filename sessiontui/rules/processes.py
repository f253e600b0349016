"""What the processes behind a session change in its verdict. Pure: facts in, verdict out.

- A live session (running, or stuck mid-turn) whose process vanished is stuck `process-gone`.
- An ended session (closed, archived) whose own process still runs, or a session whose agent
  lost its parent (init adopted it) and is not running, is flagged `orphan-process`.
- A session whose own process is alive but used no CPU while nothing was written says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import humanize

from sessiontui.model import Session, SessionProcesses, SessionState, Verdict
from sessiontui.rules.state import Reason, Thresholds, classify

IDLE_CPU_AFTER = timedelta(seconds=30)  # no CPU for this long (several scans) is worth saying
_LIVE = frozenset({SessionState.RUNNING, SessionState.STUCK, SessionState.WAITING})
_ENDED = frozenset({SessionState.CLOSED, SessionState.ARCHIVED})


def classify_with_processes(
    session: Session, now: datetime, limits: Thresholds, facts: SessionProcesses | None
) -> Verdict:
    """`classify()`, adjusted for the session's processes: the verdict a dashboard row shows."""
    verdict = classify(session, now, limits)
    if facts is None:
        return verdict
    return with_processes(verdict, session, facts, now, limits.stuck_after_for(session.format))


def with_processes(
    verdict: Verdict,
    session: Session,
    facts: SessionProcesses | None,
    now: datetime,
    stuck_after: timedelta,
) -> Verdict:
    """The verdict of `classify()` adjusted for what became of the session's processes."""
    if facts is None:
        return verdict
    if not facts.processes:
        if facts.gone_pid is not None and facts.gone_at is not None and verdict.state in _LIVE:
            ago = humanize.naturaldelta(max(timedelta(0), now - facts.gone_at))
            before = f"; before: {verdict.evidence}" if verdict.evidence else ""
            return Verdict(
                SessionState.STUCK,
                Reason.PROCESS_GONE,
                f"process {facts.gone_pid} that served it vanished {ago} ago{before}",
            )
        return verdict
    first = facts.processes[0]
    if not facts.shared and verdict.state in _ENDED:
        return Verdict(
            SessionState.STUCK,
            Reason.ORPHAN_PROCESS,
            f"{verdict.state}, but process {first.pid} ({first.name}) still runs",
        )
    if (
        not facts.shared
        and first.orphaned
        and verdict.state not in (SessionState.RUNNING, SessionState.STUCK)
    ):
        return Verdict(
            SessionState.STUCK,
            Reason.ORPHAN_PROCESS,
            f"process {first.pid} ({first.name}) lost its parent and runs on; the session is {verdict.state}",
        )
    quiet = None if session.last_activity is None else now - session.last_activity
    if (
        facts.idle_seconds is not None
        and facts.idle_seconds >= IDLE_CPU_AFTER.total_seconds()
        and quiet is not None
        and quiet > stuck_after
        and verdict.state not in _ENDED
    ):
        idle = humanize.naturaldelta(timedelta(seconds=facts.idle_seconds))
        note = f"process {first.pid} alive, no CPU for {idle}, nothing written for {humanize.naturaldelta(quiet)}"
        evidence = f"{verdict.evidence}; {note}" if verdict.evidence else note
        return Verdict(verdict.state, verdict.reason, evidence)
    return verdict
