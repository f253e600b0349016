"""Codex CLI rollouts (store I, STORES.md 9): real rollout files in a real Codex home, written
with Codex's record shapes by the demo writer (or by hand where a shape is odd on purpose)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRows

from sessiontui.demo.codex import CodexWriter, rate_limits, token_usage
from sessiontui.model import CostSource, MessageKind, Role, Session, SessionState
from sessiontui.rules.state import Reason, classify
from sessiontui.stores import detect, open_stores
from sessiontui.stores.codex import CodexStore

CWD = "/home/dev/src/app"
START = datetime(2026, 10, 2, 14, 3, 11, 412000, tzinfo=UTC)

# Published per-MTok prices (genai-prices): gpt-5-codex $1.25 input, $0.125 cached, $10 output;
# o4-mini $1.10 input, $0.275 cached, $4.40 output. Input here is the uncached part only.
CALL_1 = (12_055 - 11_776) * 1.25 + 11_776 * 0.125 + 402 * 10  # 348.75 + 1472 + 4020
CALL_2 = (20_000 - 16_000) * 1.25 + 16_000 * 0.125 + 1_000 * 10  # 5000 + 2000 + 10000
CALL_3 = (5_000 - 1_000) * 1.10 + 1_000 * 0.275 + 300 * 4.40  # 4400 + 275 + 1320


def refresh(store: CodexStore) -> dict[str, Session]:
    report = asyncio.run(store.refresh())
    return {s.id: s for s in report.sessions}


def full_rollout(home: Path) -> tuple[CodexWriter, str]:
    """Two turns on two models with every record type of STORES.md 9, a repeated token report,
    a rate-limit-only update, a compaction and two record types this reader does not know."""
    w = CodexWriter(home)
    tid = w.start(CWD, START)
    w.user_turn(tid, "make the tests pass\nsecond line", START)
    w.reasoning(tid, "Run the tests first.", START + timedelta(seconds=2))
    call = w.tool_call(tid, ["bash", "-lc", "pytest -q"], START + timedelta(seconds=3))
    w.token_count(
        tid,
        token_usage(12_055, 11_776, 402, 128),
        START + timedelta(seconds=3),
        rate_limits(37.0, 12.0, resets=START + timedelta(hours=2)),
    )
    w.tool_output(tid, call, "1 failed, 9 passed", START + timedelta(seconds=6))
    w.answer(tid, "Fixed the failing test.", START + timedelta(seconds=9))
    w.token_count(tid, token_usage(20_000, 16_000, 1_000, 500), START + timedelta(seconds=9))
    # The same info again, sent with new rate limits: the same call, not a new one.
    path = w.path_of(tid)
    last = json.loads(path.read_text().splitlines()[-1])
    last["payload"]["rate_limits"] = rate_limits(38.0, 12.5, resets=START + timedelta(hours=2))
    with open(path, "a") as handle:
        handle.write(json.dumps(last) + "\n")
    w.turn_complete(tid, START + timedelta(seconds=9), "Fixed the failing test.")
    w.compacted(tid, "Summary of the work so far", START + timedelta(seconds=20))
    w.user_turn(tid, "now lint", START + timedelta(seconds=30), model="o4-mini")
    w.token_count(tid, token_usage(5_000, 1_000, 300, 0), START + timedelta(seconds=35))
    w.token_count(
        tid,
        None,
        START + timedelta(seconds=36),  # info null: rate limits only
        rate_limits(41.0, 13.0, resets=START + timedelta(hours=2), plan="pro"),
    )
    with open(path, "a") as handle:
        handle.write(
            json.dumps(
                {
                    "timestamp": "2026-10-02T14:03:50.000Z",
                    "type": "inter_agent_communication",
                    "payload": {"from": "x"},
                }
            )
            + "\n"
        )
        handle.write(
            json.dumps(
                {
                    "timestamp": "2026-10-02T14:03:51.000Z",
                    "type": "event_msg",
                    "payload": {"type": "some_future_event", "info": {"total": 1}},
                }
            )
            + "\n"
        )
    w.answer(tid, "Lint is clean.", START + timedelta(seconds=52))
    w.turn_complete(tid, START + timedelta(seconds=52))
    return w, tid


def test_a_full_rollout_reads_tokens_cost_model_and_rate_limits(tmp_path: Path) -> None:
    _, tid = full_rollout(tmp_path)
    session = refresh(CodexStore(tmp_path))[tid]
    assert session.model == "o4-mini"  # the latest turn_context, not session_meta
    # Three calls: each token_count's last_token_usage once; the repeated report not again,
    # the cumulative totals never added up, the null info skipped.
    assert session.usage is not None
    assert session.usage.input_tokens == (12_055 - 11_776) + (20_000 - 16_000) + (5_000 - 1_000)
    assert session.usage.cache_read_tokens == 11_776 + 16_000 + 1_000
    assert session.usage.output_tokens == 402 + 1_000 + 300
    assert session.cost_source is CostSource.COMPUTED
    assert session.cost_usd == pytest.approx((CALL_1 + CALL_2 + CALL_3) / 1e6)
    assert [call.model for call in session.recent_calls] == [
        "gpt-5-codex",
        "gpt-5-codex",
        "o4-mini",
    ]
    details = dict(session.extra)
    assert details["reasoning tokens"] == "628"
    assert details["codex total"] == "38,757 tokens of 272,000 context"  # Codex's own running total
    assert (
        details["compactions"] == "1"
    )  # the compacted item (its context_compacted event is the same)
    limits = session.rate_limits
    assert (
        limits is not None and limits.plan == "pro" and limits.at == START + timedelta(seconds=36)
    )
    assert limits.primary is not None and limits.primary.used_percent == 41.0
    assert limits.primary.window_minutes == 300
    assert limits.primary.resets_at == (START + timedelta(hours=2)).replace(microsecond=0)
    assert limits.secondary is not None and limits.secondary.window_minutes == 10080
    assert (session.turns, session.message_count) == (
        2,
        6,
    )  # 2 prompts, a call, its output, 2 answers
    assert session.name == "make the tests pass"
    assert (session.channel, session.agent) == (CWD, "codex cli")
    assert session.created_at == START and session.last_activity == START + timedelta(seconds=52)
    assert classify(session, START + timedelta(hours=1)).state is SessionState.IDLE


def test_an_unknown_model_has_an_unknown_cost_never_zero(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START, model="local-llama-3-private", provider="ollama")
    w.user_turn(tid, "hi", START)
    w.token_count(tid, token_usage(100, 0, 10), START)
    session = refresh(CodexStore(tmp_path))[tid]
    assert session.cost_source is CostSource.UNKNOWN and session.cost_usd is None
    assert session.usage is not None and session.usage.input_tokens == 100


def test_a_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "go", START)
    store = CodexStore(tmp_path)
    seen: list[Session] = []
    w.between = lambda _path: seen.append(refresh(store)[tid])
    w.token_count(tid, token_usage(1_000, 0, 100), START + timedelta(seconds=1))
    w.between = None
    assert seen[0].usage is not None and seen[0].usage.total == 0  # the half-written line: nothing
    after = refresh(store)[tid]
    assert after.usage is not None and after.usage.output_tokens == 100
    assert after.last_activity == START + timedelta(seconds=1)


def test_a_corrupt_line_is_skipped_and_counted(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    with open(w.path_of(tid), "ab") as handle:
        handle.write(b'{"timestamp": "2026-10-02T14:03:12.000Z", "type": "event_m\n\xff\xfe\n')
    w.user_turn(tid, "still read", START + timedelta(seconds=2))
    report = asyncio.run(CodexStore(tmp_path).refresh())
    assert report.skipped_lines == 2
    assert report.sessions[0].turns == 1


def test_names_come_from_the_session_index_last_entry_wins(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    first = w.start(CWD, START)
    w.user_turn(first, "the first prompt", START)
    second = w.start(CWD, START + timedelta(minutes=1))
    w.rename(first, "old name", START)
    w.rename(second, "other", START)
    w.rename(first, "new name", START + timedelta(seconds=1))
    store = CodexStore(tmp_path)
    sessions = refresh(store)
    assert (sessions[first].name, sessions[second].name) == ("new name", "other")
    w.rename(second, "renamed while open", START + timedelta(seconds=2))
    report = asyncio.run(store.refresh())
    assert report.changed
    after = {s.id: s for s in report.sessions}
    assert after[second].name == "renamed while open"
    assert after[first] is sessions[first]  # untouched: the same object, not classified again
    w.rename(second, "renamed while open", START + timedelta(seconds=3))  # the same name again
    assert not asyncio.run(store.refresh()).changed


def test_archived_rollouts_are_listed_as_archived(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "old work", START)
    w.archive(tid)
    live = w.start(CWD, START + timedelta(days=1))
    sessions = refresh(CodexStore(tmp_path))
    assert sessions[tid].archived and not sessions[live].archived
    assert classify(sessions[tid], START + timedelta(days=2)).state is SessionState.ARCHIVED


def test_the_transcript_reads_prompts_calls_outputs_and_answers(tmp_path: Path) -> None:
    _, tid = full_rollout(tmp_path)
    store = CodexStore(tmp_path)
    session = refresh(store)[tid]
    page = asyncio.run(store.read_messages(session))
    kinds = [(m.role, m.kind) for m in page.messages]
    assert kinds[:5] == [
        (Role.USER, MessageKind.TEXT),
        (Role.ASSISTANT, MessageKind.TEXT),  # the reasoning summary
        (Role.ASSISTANT, MessageKind.TOOL_CALL),
        (Role.TOOL, MessageKind.TOOL_RESULT),
        (Role.ASSISTANT, MessageKind.TEXT),
    ]
    assert page.messages[0].text == "make the tests pass\nsecond line"
    assert page.messages[2].tool_calls[0].name == "shell"
    assert "1 failed, 9 passed" in page.messages[3].text
    assert any(m.role == Role.SYSTEM and "compacted" in m.text for m in page.messages)
    assert page.messages[-1].text == "Lint is clean."


# -- states --------------------------------------------------------------------------------------


def test_an_open_turn_runs_while_the_file_grows_then_is_stuck(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "refactor", START)
    w.tool_call(tid, ["bash", "-lc", "make"], START + timedelta(seconds=5))
    session = refresh(CodexStore(tmp_path))[tid]
    assert session.native_state == "running" and session.turn_started_at == START
    assert classify(session, START + timedelta(minutes=5)).state is SessionState.RUNNING
    late = classify(session, START + timedelta(minutes=30))
    assert (late.state, late.reason) == (SessionState.STUCK, Reason.TURN_RUNNING)


def test_a_finished_turn_is_not_running(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "hi", START)
    w.answer(tid, "Done.", START + timedelta(seconds=2))
    w.turn_complete(tid, START + timedelta(seconds=2))
    session = refresh(CodexStore(tmp_path))[tid]
    assert session.native_state is None
    assert classify(session, START + timedelta(minutes=30)).state is SessionState.IDLE


def test_an_approval_request_with_nothing_after_it_is_waiting(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "clean the build", START)
    call = w.tool_call(tid, ["bash", "-lc", "rm -rf build"], START + timedelta(seconds=2))
    w.approval_request(tid, call, ["bash", "-lc", "rm -rf build"], START + timedelta(seconds=2))
    w.token_count(tid, None, START + timedelta(seconds=3), rate_limits(5.0, 1.0, resets=START))
    store = CodexStore(tmp_path)
    session = refresh(store)[tid]
    verdict = classify(session, START + timedelta(hours=2))
    assert verdict.state is SessionState.WAITING
    assert verdict.evidence == "asks approval: bash -lc rm -rf build"
    w.tool_output(tid, call, "", START + timedelta(minutes=1))  # approved: it ran
    session = refresh(store)[tid]
    assert session.approval_requested is None
    assert classify(session, START + timedelta(minutes=1, seconds=5)).state is SessionState.RUNNING


def test_an_interrupted_turn_is_idle_with_a_note_never_stuck(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "long job", START)
    w.tool_call(tid, ["bash", "-lc", "sleep 999"], START + timedelta(seconds=2))
    w.turn_aborted(tid, START + timedelta(seconds=30), "interrupted")
    store = CodexStore(tmp_path)
    session = refresh(store)[tid]
    for later in (timedelta(seconds=40), timedelta(hours=5)):
        verdict = classify(session, START + later)
        assert (verdict.state, verdict.reason) == (SessionState.IDLE, None)
        assert verdict.evidence == "the user interrupted the last turn"
    w.user_turn(tid, "try again", START + timedelta(minutes=1))  # a new turn clears the note
    session = refresh(store)[tid]
    assert session.turn_aborted is None and session.native_state == "running"


def test_older_codex_without_turn_events_infers_the_turn(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START, older=True)
    store = CodexStore(tmp_path)
    w.user_turn(tid, "what is here?", START)
    assert refresh(store)[tid].native_state == "running"  # the prompt has no answer yet
    call = w.tool_call(tid, ["ls"], START + timedelta(seconds=1))
    w.answer(tid, "Let me look.", START + timedelta(seconds=1))
    assert refresh(store)[tid].native_state == "running"  # a call still has no output
    w.tool_output(tid, call, "a b c", START + timedelta(seconds=2))
    w.answer(tid, "Three files.", START + timedelta(seconds=3))
    session = refresh(store)[tid]
    assert session.native_state is None
    assert session.last_message is not None and session.last_message.preview == "Three files."


# -- detection and snapshot ----------------------------------------------------------------------


def test_a_codex_home_is_found_from_itself_its_sessions_dir_or_a_rollout(tmp_path: Path) -> None:
    home = tmp_path / ".codex"
    w = CodexWriter(home)
    tid = w.start(CWD, START)
    for path in (home, home / "sessions", w.path_of(tid).parent, w.path_of(tid), tmp_path):
        (found,) = detect(path)
        assert (found.format, found.path) == ("codex", home.resolve())
    (store,) = open_stores(detect(home))
    assert isinstance(store, CodexStore)


def test_the_default_codex_home_is_found(
    isolated_home: Path, snapshot_rows: SnapshotRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = isolated_home / "elsewhere"
    monkeypatch.setenv("CODEX_HOME", str(home))
    w = CodexWriter(home)
    tid = w.start(CWD, datetime.now(UTC) - timedelta(minutes=1))
    assert snapshot_rows()[tid]["format"] == "codex"


def test_snapshot_json_carries_rate_limits(
    tmp_path: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str]
) -> None:
    _, tid = full_rollout(tmp_path / "codex")
    rows = snapshot_rows(tmp_path / "codex")
    row = rows[tid]
    assert set(row) == snapshot_keys
    assert row["rate_limits"] == {
        "primary": {
            "used_percent": 41.0,
            "window_minutes": 300,
            "resets_at": "2026-10-02T16:03:11+00:00",
        },
        "secondary": {
            "used_percent": 13.0,
            "window_minutes": 10080,
            "resets_at": "2026-10-05T16:03:11+00:00",
        },
        "plan": "pro",
        "at": "2026-10-02T14:03:47.412000+00:00",
    }
    assert row["cost_source"] == "computed"
    assert row["cost_usd"] == pytest.approx((CALL_1 + CALL_2 + CALL_3) / 1e6)
    assert row["model"] == "o4-mini"


def test_the_store_line_says_the_latest_rate_limits(tmp_path: Path) -> None:
    full_rollout(tmp_path)
    report = asyncio.run(CodexStore(tmp_path).refresh())
    assert report.note == "5h 41% (resets 16:03 UTC) · weekly 13% (resets Oct 05) · plan pro"


def test_a_rewritten_rollout_is_read_again(tmp_path: Path) -> None:
    w = CodexWriter(tmp_path)
    tid = w.start(CWD, START)
    w.user_turn(tid, "one", START)
    w.token_count(tid, token_usage(1_000, 0, 10), START)
    store = CodexStore(tmp_path)
    assert refresh(store)[tid].usage == refresh(store)[tid].usage
    path = w.path_of(tid)
    lines = path.read_text().splitlines(keepends=True)
    temp = path.with_name("rewrite.tmp")
    temp.write_text("".join(line for line in lines if "token_count" not in line))
    os.replace(temp, path)
    session = refresh(store)[tid]
    assert session.usage is not None and session.usage.total == 0
