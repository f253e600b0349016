"""Stuck reasons that need the store's state and its transcript together, and their look-alikes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.model import LastMessage, MessageKind, Session, SessionState, StoreFormat
from sessiontui.rules.state import Reason, classify

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def zeroclaw(
    key: str,
    state: str,
    last: LastMessage,
    *,
    turn_started: float | None = None,
    activity: float | None = None,
) -> Session:
    return Session(
        StoreFormat.ZEROCLAW_SQLITE,
        "/s.db",
        key,
        key,
        created_at=ago(60),
        last_activity=ago(activity if activity is not None else _minutes_since(last.at)),
        native_state=state,
        turn_started_at=None if turn_started is None else ago(turn_started),
        last_message=last,
        state_per_turn=True,
        idle_state_kept=key.startswith("gw_"),
    )


def _minutes_since(moment: datetime | None) -> float:
    assert moment is not None
    return (NOW - moment).total_seconds() / 60


def said(
    role: str,
    minutes: float,
    kind: MessageKind = MessageKind.TEXT,
    preview: str = "ok",
    tool: str | None = None,
) -> LastMessage:
    return LastMessage(role, kind, ago(minutes), preview, tool)


CASES = [
    pytest.param(
        zeroclaw("gw_a", "running", said("assistant", 5), turn_started=6),
        SessionState.STUCK,
        Reason.STATE_CONTRADICTION,
        "marked running, but the assistant finished",
        id="running-but-turn-ended",
    ),
    pytest.param(
        zeroclaw("gw_b", "running", said("assistant", 0.5), turn_started=1),
        SessionState.RUNNING,
        None,
        None,
        id="just-answered-bot-not-yet-idle: grace",
    ),
    pytest.param(
        zeroclaw("gw_c", "idle", said("assistant", 14, MessageKind.TOOL_CALL, tool="shell")),
        SessionState.STUCK,
        Reason.STATE_CONTRADICTION,
        "marked idle, but tool `shell`",
        id="idle-but-tool-open",
    ),
    pytest.param(
        zeroclaw("telegram_1", "idle", said("assistant", 14, MessageKind.TOOL_CALL, tool="shell")),
        SessionState.STUCK,
        Reason.TOOL_NO_RESULT,
        "tool `shell` started",
        id="channel-sessions-never-set-state: plain tool-no-result",
    ),
    pytest.param(
        zeroclaw("gw_d", "idle", said("assistant", 3, MessageKind.TOOL_CALL, tool="shell")),
        SessionState.IDLE,
        None,
        None,
        id="idle-with-a-young-tool-call",
    ),
    pytest.param(
        zeroclaw(
            "gw_e",
            "running",
            said("tool", 1, MessageKind.TOOL_RESULT),
            turn_started=30,
            activity=0.2,
        ),
        SessionState.RUNNING,
        None,
        None,
        id="long-turn-still-producing-output",
    ),
    pytest.param(
        zeroclaw("gw_f", "running", said("user", 25), turn_started=25),
        SessionState.STUCK,
        Reason.TURN_RUNNING,
        "turn started",
        id="turn-running-nothing-since",
    ),
    pytest.param(
        zeroclaw("gw_g", "idle", said("assistant", 20, preview="Which branch should I use?")),
        SessionState.WAITING,
        None,
        None,
        id="asked-a-question-not-stuck",
    ),
]


@pytest.mark.parametrize(("session", "state", "reason", "evidence"), CASES)
def test_state_and_transcript_together(
    session: Session, state: SessionState, reason: str | None, evidence: str | None
) -> None:
    verdict = classify(session, NOW)
    assert verdict.state == state
    assert verdict.reason == reason
    if evidence is not None:
        assert verdict.evidence is not None and evidence in verdict.evidence


def test_claude_code_progress_lines_keep_a_long_tool_run_alive(tmp_path: Path) -> None:
    """A tool call 20 minutes old whose run keeps writing progress lines is running, not stuck."""
    import json

    from sessiontui.stores.claude_transcript import TranscriptSummary

    summary = TranscriptSummary()
    call = {
        "type": "assistant",
        "sessionId": "s",
        "requestId": "r1",
        "timestamp": ago(20).isoformat(),
        "message": {
            "id": "m1",
            "model": "claude-sonnet-4-6",
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}],
            "usage": {"input_tokens": 1, "output_tokens": 1},
        },
    }
    progress = {"type": "progress", "sessionId": "s", "timestamp": ago(0.5).isoformat(), "data": {}}
    for record in (call, progress):
        summary.add(json.loads(json.dumps(record)))
    session = Session(
        StoreFormat.CLAUDE_CODE,
        "/p",
        "s",
        "s",
        last_activity=summary.last_at,
        last_message=summary.last_message,
    )
    assert classify(session, NOW).state == SessionState.RUNNING
    stalled = Session(
        StoreFormat.CLAUDE_CODE,
        "/p",
        "s",
        "s",
        last_activity=ago(20),
        last_message=summary.last_message,
    )
    assert classify(stalled, NOW).reason == Reason.TOOL_NO_RESULT
