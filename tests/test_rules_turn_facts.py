"""The turn facts a store can state about a session (an approval asked for, a turn aborted),
classified by the common rules: pure, a table of facts and the verdict they must give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessiontui.model import LastMessage, MessageKind, Session, SessionState, StoreFormat
from sessiontui.rules.state import Reason, classify

NOW = datetime(2026, 10, 2, 15, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=3)
TOOL_CALL = LastMessage("assistant", MessageKind.TOOL_CALL, LONG_AGO, "make test", "shell")


def session(**facts: object) -> Session:
    base: dict[str, object] = {"last_activity": LONG_AGO, "last_message": TOOL_CALL}
    return Session(StoreFormat.CODEX, "/home/dev/.codex", "t-1", "t-1", **{**base, **facts})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "state", "reason", "evidence"),
    [
        # The baseline: a tool call with no output for hours is stuck by the common rule.
        ({}, SessionState.STUCK, Reason.TOOL_NO_RESULT, None),
        # An open turn quiet for hours: stuck, turn running.
        (
            {"native_state": "running", "turn_started_at": LONG_AGO},
            SessionState.STUCK,
            Reason.TURN_RUNNING,
            None,
        ),
        # An open turn with recent activity: running.
        (
            {
                "native_state": "running",
                "turn_started_at": LONG_AGO,
                "last_activity": NOW - timedelta(seconds=30),
            },
            SessionState.RUNNING,
            None,
            None,
        ),
        # An approval asked for and not answered: waiting, however long ago, never stuck.
        (
            {
                "approval_requested": "bash -lc rm -rf build",
                "native_state": "running",
                "turn_started_at": LONG_AGO,
            },
            SessionState.WAITING,
            None,
            "asks approval: bash -lc rm -rf build",
        ),
        # A turn the user interrupted: idle with the note, never stuck.
        (
            {"turn_aborted": "interrupted"},
            SessionState.IDLE,
            None,
            "the user interrupted the last turn",
        ),
        (
            {"turn_aborted": "replaced"},
            SessionState.IDLE,
            None,
            "the last turn was replaced by a new one",
        ),
        # An aborted turn followed by a new open one: the new turn counts.
        (
            {"turn_aborted": "interrupted", "native_state": "running", "turn_started_at": LONG_AGO},
            SessionState.STUCK,
            Reason.TURN_RUNNING,
            None,
        ),
        # Archived beats everything.
        ({"archived": True, "approval_requested": "ls"}, SessionState.ARCHIVED, None, None),
    ],
)
def test_turn_facts(
    facts: dict[str, object], state: SessionState, reason: str | None, evidence: str | None
) -> None:
    verdict = classify(session(**facts), NOW)
    assert (verdict.state, verdict.reason) == (state, reason)
    if evidence is not None:
        assert verdict.evidence == evidence
