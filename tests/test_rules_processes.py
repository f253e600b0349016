"""The process facts in the verdict: a table of cases, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessiontui.model import (
    ProcessInfo,
    Session,
    SessionProcesses,
    SessionState,
    StoreFormat,
    Verdict,
)
from sessiontui.rules.processes import with_processes
from sessiontui.rules.state import Reason

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LIMIT = timedelta(minutes=10)
AGENT = ProcessInfo(pid=4242, started=1.0, name="claude")
ORPHAN = ProcessInfo(pid=4243, started=1.0, name="claude", orphaned=True)
DAEMON = ProcessInfo(pid=77, started=1.0, name="zeroclaw", orphaned=True)
RUNNING = Verdict(SessionState.RUNNING)
IDLE = Verdict(SessionState.IDLE)
CLOSED = Verdict(SessionState.CLOSED)
STUCK_TOOL = Verdict(
    SessionState.STUCK, Reason.TOOL_NO_RESULT, "tool `Bash` started 20 minutes ago, no result"
)
GONE = SessionProcesses(gone_pid=4242, gone_at=NOW - timedelta(minutes=3))


def session(quiet: timedelta = timedelta(seconds=5)) -> Session:
    return Session(StoreFormat.CLAUDE_CODE, "/s", "id", "name", last_activity=NOW - quiet)


@pytest.mark.parametrize(
    ("verdict", "facts", "quiet", "state", "reason", "evidence"),
    [
        (RUNNING, None, timedelta(0), SessionState.RUNNING, None, None),
        (RUNNING, SessionProcesses((AGENT,)), timedelta(0), SessionState.RUNNING, None, None),
        (
            RUNNING,
            GONE,
            timedelta(0),
            SessionState.STUCK,
            Reason.PROCESS_GONE,
            "process 4242 that served it vanished 3 minutes ago",
        ),
        (
            STUCK_TOOL,
            GONE,
            timedelta(minutes=20),
            SessionState.STUCK,
            Reason.PROCESS_GONE,
            "before: tool `Bash`",
        ),
        (IDLE, GONE, timedelta(hours=1), SessionState.IDLE, None, None),  # nothing was being served
        (
            CLOSED,
            SessionProcesses((AGENT,)),
            timedelta(hours=1),
            SessionState.STUCK,
            Reason.ORPHAN_PROCESS,
            "closed, but process 4242 (claude) still runs",
        ),
        (
            CLOSED,
            SessionProcesses((DAEMON,), shared=True),
            timedelta(hours=1),
            SessionState.CLOSED,
            None,
            None,
        ),
        (
            IDLE,
            SessionProcesses((ORPHAN,)),
            timedelta(hours=1),
            SessionState.STUCK,
            Reason.ORPHAN_PROCESS,
            "lost its parent",
        ),
        (RUNNING, SessionProcesses((ORPHAN,)), timedelta(0), SessionState.RUNNING, None, None),
        (
            STUCK_TOOL,
            SessionProcesses((AGENT,), idle_seconds=600),
            timedelta(minutes=20),
            SessionState.STUCK,
            Reason.TOOL_NO_RESULT,
            "process 4242 alive, no CPU for 10 minutes, nothing written for 20 minutes",
        ),
        (
            STUCK_TOOL,
            SessionProcesses((AGENT,), idle_seconds=5),
            timedelta(minutes=20),
            SessionState.STUCK,
            Reason.TOOL_NO_RESULT,
            None,
        ),
        (
            IDLE,
            SessionProcesses((AGENT,), idle_seconds=600),
            timedelta(minutes=3),
            SessionState.IDLE,
            None,
            None,
        ),
    ],
)
def test_process_facts_in_the_verdict(
    verdict: Verdict,
    facts: SessionProcesses | None,
    quiet: timedelta,
    state: SessionState,
    reason: str | None,
    evidence: str | None,
) -> None:
    result = with_processes(verdict, session(quiet), facts, NOW, LIMIT)
    assert (result.state, result.reason) == (state, reason)
    if evidence is None:
        assert result.evidence == verdict.evidence
    else:
        assert evidence in (result.evidence or "")
