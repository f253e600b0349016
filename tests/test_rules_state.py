"""rules/state.classify at a fixed `now`: the baseline states, the stuck reasons, and the
healthy sessions that only look stuck."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sessiontui.model import (
    LastMessage,
    MessageKind,
    Session,
    SessionState,
    StoreFormat,
    Verdict,
)
from sessiontui.rules.state import Reason, Thresholds, classify, verdict_valid_until

NOW = datetime(2026, 8, 22, 21, 44, tzinfo=UTC)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def session(fmt: StoreFormat = StoreFormat.ZEROCLAW_SQLITE, **facts: object) -> Session:
    # The facts the adapters set for their format (ZeroClaw SQLite marks every turn).
    base = Session(
        format=fmt, store="/s", id="k", name="k", state_per_turn=fmt == StoreFormat.ZEROCLAW_SQLITE
    )
    return replace(base, **facts)  # type: ignore[arg-type]


def said(
    role: str,
    minutes: float,
    kind: MessageKind = MessageKind.TEXT,
    preview: str = "ok",
    tool: str | None = None,
    interrupted: bool = False,
) -> LastMessage:
    return LastMessage(role, kind, ago(minutes), preview, tool, interrupted)


CASES = [
    # (case, session, state, reason)
    (
        "activity 1 min ago is running",
        session(last_activity=ago(1), last_message=said("assistant", 1)),
        SessionState.RUNNING,
        None,
    ),
    (
        "quiet 30 min after an answer is idle",
        session(last_activity=ago(30), last_message=said("assistant", 30, preview="Done.")),
        SessionState.IDLE,
        None,
    ),
    ("no facts at all is idle", session(), SessionState.IDLE, None),
    (
        "ZeroClaw turn running 25 min with nothing since",
        session(
            native_state="running",
            turn_started_at=ago(25),
            last_activity=ago(25),
            last_message=said("user", 25),
        ),
        SessionState.STUCK,
        Reason.TURN_RUNNING,
    ),
    (
        "hermes row still pending 30 min after the thread started",
        session(
            StoreFormat.HERMES_SQLITE,
            native_state="active",
            pending=True,
            created_at=ago(30),
            last_activity=ago(30),
        ),
        SessionState.STUCK,
        Reason.PENDING,
    ),
    (
        "user message 20 min ago never answered",
        session(last_activity=ago(20), last_message=said("user", 20, preview="hello?")),
        SessionState.STUCK,
        Reason.UNANSWERED,
    ),
    (
        "tool call 20 min ago, no result",
        session(
            StoreFormat.CLAUDE_CODE,
            last_activity=ago(20),
            last_message=said("assistant", 20, MessageKind.TOOL_CALL, '{"command":"make"}', "Bash"),
        ),
        SessionState.STUCK,
        Reason.TOOL_NO_RESULT,
    ),
    (
        "tool result 20 min ago, the model never answered",
        session(last_activity=ago(20), last_message=said("tool", 20, MessageKind.TOOL_RESULT)),
        SessionState.STUCK,
        Reason.NO_REPLY_AFTER_TOOL,
    ),
    (
        "ZeroClaw marked the request interrupted at restart",
        session(
            last_activity=ago(5),
            last_message=said(
                "assistant",
                5,
                interrupted=True,
                preview="[Session interrupted — not continuing this request]",
            ),
        ),
        SessionState.STUCK,
        Reason.INTERRUPTED,
    ),
    (
        "the store says error",
        session(native_state="error", last_activity=ago(1)),
        SessionState.ERROR,
        None,
    ),
    (
        "closed wins over activity",
        session(closed=True, last_activity=ago(1)),
        SessionState.CLOSED,
        None,
    ),
    ("archived wins over closed", session(archived=True, closed=True), SessionState.ARCHIVED, None),
    (
        "archived wins over a stuck-looking end",
        session(archived=True, last_activity=ago(60), last_message=said("user", 60)),
        SessionState.ARCHIVED,
        None,
    ),
    (
        "assistant asked a question 10 min ago: waiting for the user",
        session(last_activity=ago(10), last_message=said("assistant", 10, preview="Which branch?")),
        SessionState.WAITING,
        None,
    ),
    (
        "a question 3 hours old is just idle",
        session(
            last_activity=ago(180), last_message=said("assistant", 180, preview="Which branch?")
        ),
        SessionState.IDLE,
        None,
    ),
    # Healthy look-alikes: none of these is stuck.
    (
        "long tool run with recent output",
        session(
            native_state="running",
            turn_started_at=ago(25),
            last_activity=ago(0.5),
            last_message=said("assistant", 25, MessageKind.TOOL_CALL, "{}", "shell"),
        ),
        SessionState.RUNNING,
        None,
    ),
    (
        "tool call 25 min old but the file moved 30 s ago",
        session(
            StoreFormat.CLAUDE_CODE,
            last_activity=ago(0.5),
            last_message=said("assistant", 25, MessageKind.TOOL_CALL, "{}", "Bash"),
        ),
        SessionState.RUNNING,
        None,
    ),
    (
        "a pending row 1 min old",
        session(
            StoreFormat.HERMES_SQLITE,
            native_state="active",
            pending=True,
            created_at=ago(1),
            last_activity=ago(1),
        ),
        SessionState.RUNNING,
        None,
    ),
    (
        "a pending row 5 min old is not stuck yet",
        session(
            StoreFormat.HERMES_SQLITE,
            native_state="active",
            pending=True,
            created_at=ago(5),
            last_activity=ago(5),
        ),
        SessionState.IDLE,
        None,
    ),
    (
        "a user message 1 min ago",
        session(last_activity=ago(1), last_message=said("user", 1)),
        SessionState.RUNNING,
        None,
    ),
    (
        "a user message 6 min ago is within the stuck limit",
        session(last_activity=ago(6), last_message=said("user", 6)),
        SessionState.IDLE,
        None,
    ),
    (
        "turn running 5 min, nothing since: not stuck yet",
        session(native_state="running", turn_started_at=ago(5), last_activity=ago(5)),
        SessionState.RUNNING,
        None,
    ),
]


@pytest.mark.parametrize(("case", "facts", "state", "reason"), CASES, ids=[c[0] for c in CASES])
def test_classify(case: str, facts: Session, state: SessionState, reason: str | None) -> None:
    verdict = classify(facts, NOW)
    assert (verdict.state, verdict.reason) == (state, reason)
    if state == SessionState.STUCK:
        assert verdict.evidence, "a stuck verdict names its evidence"


def test_stuck_evidence_names_tool_and_age() -> None:
    facts = session(
        StoreFormat.CLAUDE_CODE,
        last_activity=ago(14),
        last_message=said("assistant", 14, MessageKind.TOOL_CALL, "{}", "Bash"),
    )
    evidence = classify(facts, NOW).evidence or ""
    assert "`Bash`" in evidence and "14 minutes" in evidence


def test_sessions_that_say_the_same_share_one_verdict() -> None:
    """Ages read in words ("6 days"): many sessions left open or stuck say the same thing, and
    hold one verdict object for it, equal to the one classify would make anew."""
    days = 6 * 24 * 60
    left = [
        session(
            StoreFormat.STARPOD, id=f"s{n}", closes_explicitly=True, last_activity=ago(days + n)
        )
        for n in range(3)
    ]
    unanswered = [
        session(id=f"u{n}", last_activity=ago(days + n), last_message=said("user", days + n))
        for n in range(3)
    ]
    for group, reason, evidence in (
        (left, Reason.LEFT_OPEN, "open, no activity for 6 days"),
        (unanswered, Reason.UNANSWERED, "user message 6 days ago, no reply"),
    ):
        verdicts = [classify(facts, NOW) for facts in group]
        assert verdicts[0] == Verdict(SessionState.STUCK, reason, evidence)
        assert all(verdict is verdicts[0] for verdict in verdicts)


def test_turn_running_evidence() -> None:
    facts = session(native_state="running", turn_started_at=ago(25), last_activity=ago(25))
    evidence = classify(facts, NOW).evidence or ""
    assert evidence.startswith("turn started 25 minutes ago")


def test_stuck_after_threshold_and_per_format_override() -> None:
    facts = session(last_activity=ago(20), last_message=said("user", 20))
    assert (
        classify(facts, NOW, Thresholds(stuck_after=timedelta(minutes=30))).state
        == SessionState.IDLE
    )
    per_format = Thresholds(per_format={"zeroclaw-sqlite": timedelta(minutes=30)})
    assert classify(facts, NOW, per_format).state == SessionState.IDLE
    other = Thresholds(per_format={"starpod": timedelta(minutes=30)})
    assert classify(facts, NOW, other).reason == Reason.UNANSWERED


def test_classify_is_pure() -> None:
    facts = session(native_state="running", turn_started_at=ago(25), last_activity=ago(25))
    assert classify(facts, NOW) == classify(facts, NOW)
    assert classify(facts, NOW - timedelta(minutes=20)).state == SessionState.RUNNING


@pytest.mark.parametrize("seconds_before_edge", [1, 0])
def test_a_window_edge_at_now_is_still_ahead(seconds_before_edge: int) -> None:
    """The rules compare ages with `>`: a session exactly one running window old still runs, and
    its verdict changes just after. The edge must still be reported as the moment to look again
    (at the edge itself it was lost, and the row stayed 'running' for good)."""
    limits = Thresholds()
    now = NOW - timedelta(seconds=seconds_before_edge)
    quiet = session(last_activity=NOW - limits.running_window)
    verdict = classify(quiet, now, limits)
    assert verdict.state is SessionState.RUNNING
    assert verdict_valid_until(quiet, verdict, now, limits) == NOW
    assert (
        classify(quiet, NOW + timedelta(microseconds=1), limits).state is not SessionState.RUNNING
    )
