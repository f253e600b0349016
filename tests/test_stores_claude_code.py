"""Claude Code transcripts (store F, STORES.md 4.1): usage counted once per API call, cost
computed per call from published prices, subagents rolled into their parent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixture_types import SnapshotRows

from sessiontui.demo.claude_code import (
    ClaudeCodeWriter,
    text_block,
    thinking_block,
    tool_use_block,
    usage_dict,
)
from sessiontui.model import CostSource, MessageKind, Role
from sessiontui.stores.claude_code import ClaudeCodeStore
from sessiontui.timestamps import claude_code_timestamp

CWD = "/Users/tom/tmp/tenant-library"
SID = "2ff46cd5-f4e7-4724-bb20-579dae7956ea"

# Published per-MTok prices: Sonnet 4.6 $3/$15/$0.30/$3.75, Opus 4.6 $5/$25/$0.50/$6.25,
# Haiku 4.5 $1/$5/$0.10/$1.25 (input / output / cache read / cache write).
SONNET_CALL = 3 * 3 + 250 * 15 + 12_000 * 0.30 + 4_000 * 3.75  # 9 + 3750 + 3600 + 15000 = 22359
OPUS_CALL = 10 * 5 + 500 * 25 + 20_000 * 0.50 + 1_000 * 6.25  # 50 + 12500 + 10000 + 6250 = 28800
HAIKU_CALL = 100 * 1 + 40 * 5 + 0 * 0.10 + 2_000 * 1.25  # 100 + 200 + 0 + 2500 = 2800
SUBAGENT_CALL = 200 * 1 + 100 * 5 + 5_000 * 0.10  # 200 + 500 + 500 = 1200
SESSION_COST = (SONNET_CALL + OPUS_CALL + HAIKU_CALL) / 1e6  # $0.053959


def session_transcript(projects: Path, start: datetime) -> Path:
    """A prompt; a Sonnet reply in three content blocks (three lines, one usage); a tool result;
    an Opus reply; a Haiku reply; a `<synthetic>` line."""
    w = ClaudeCodeWriter(projects)
    w.user(SID, CWD, "make a python script that lists the library", now=start)
    w.assistant(
        SID,
        CWD,
        [
            thinking_block("Plan it."),
            text_block("Writing it."),
            tool_use_block("toolu_01", "Write", {"file_path": "/tmp/ls.py"}),
        ],
        model="claude-sonnet-4-6",
        usage=usage_dict(3, 250, 12_000, 4_000),
        now=start + timedelta(seconds=4),
    )
    w.tool_result(SID, CWD, "toolu_01", "File created", now=start + timedelta(seconds=5))
    w.assistant(
        SID,
        CWD,
        [text_block("Checked it.")],
        model="claude-opus-4-6",
        usage=usage_dict(10, 500, 20_000, 1_000),
        now=start + timedelta(seconds=9),
    )
    w.assistant(
        SID,
        CWD,
        [text_block("Done.")],
        model="claude-haiku-4-5",
        usage=usage_dict(100, 40, 0, 2_000),
        now=start + timedelta(seconds=11),
    )
    return w.synthetic(SID, CWD, now=start + timedelta(seconds=12))


def subagent_line(
    session_id: str, agent_id: str, at: datetime, model: str, usage: dict[str, Any], n: int
) -> str:
    """An assistant line of a subagent transcript (isSidechain, agentId, the parent's sessionId)."""
    return (
        json.dumps(
            {
                "parentUuid": None,
                "isSidechain": True,
                "userType": "external",
                "cwd": CWD,
                "sessionId": session_id,
                "version": "2.1.63",
                "gitBranch": "main",
                "agentId": agent_id,
                "type": "assistant",
                "requestId": f"req_sub{n}",
                "message": {
                    "id": f"msg_sub{n}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": "sub result"}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": usage,
                },
                "uuid": f"sub-{n}",
                "timestamp": claude_code_timestamp(at),
            },
            separators=(",", ":"),
        )
        + "\n"
    )


def test_snapshot_counts_each_call_once_and_prices_it(
    tmp_path: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str], real_now: datetime
) -> None:
    start = (real_now - timedelta(minutes=30)).replace(microsecond=557_000)
    path = session_transcript(tmp_path / ".claude" / "projects", start)
    rows = snapshot_rows(tmp_path / ".claude")
    row = rows[SID]
    assert set(row) == snapshot_keys
    assert row == row | {
        "format": "claude-code",
        "store": str((tmp_path / ".claude" / "projects").resolve()),
        "name": "make a python script that lists the library",
        "state": "idle",
        "created_at": start.strftime("%Y-%m-%dT%H:%M:%S") + ".557000+00:00",
        "last_activity": (start + timedelta(seconds=12)).strftime("%Y-%m-%dT%H:%M:%S")
        + ".557000+00:00",
        "messages": 6,  # prompt, Sonnet reply (3 lines), tool result, Opus, Haiku, synthetic
        "turns": 1,
        "model": "claude-haiku-4-5",  # the last real model; `<synthetic>` is not one
        "channel": CWD,
        # Each figure once, though the Sonnet usage is on three lines.
        "input_tokens": 3 + 10 + 100,
        "output_tokens": 250 + 500 + 40,
        "cache_read_tokens": 12_000 + 20_000 + 0,
        "cache_write_tokens": 4_000 + 1_000 + 2_000,
        "cost_source": "computed",
        "transcript": str(path.resolve()),
    }
    assert row["cost_usd"] == pytest.approx(SESSION_COST, rel=1e-9)
    assert SESSION_COST == pytest.approx(0.053959)


def test_unknown_model_gives_no_cost_never_zero(
    tmp_path: Path, snapshot_rows: SnapshotRows, real_now: datetime
) -> None:
    projects = tmp_path / "projects"
    w = ClaudeCodeWriter(projects)
    at = real_now - timedelta(hours=1)
    w.user("u-mixed", CWD, "hi", now=at)
    w.assistant(
        "u-mixed",
        CWD,
        [text_block("hi")],
        model="claude-haiku-4-5",
        usage=usage_dict(10, 5),
        now=at,
    )
    w.assistant(
        "u-mixed", CWD, [text_block("hi")], model="llama-local-7b", usage=usage_dict(10, 5), now=at
    )
    w.user("u-only", CWD, "hi", now=at)
    w.assistant(
        "u-only", CWD, [text_block("hi")], model="llama-local-7b", usage=usage_dict(7, 3), now=at
    )
    w.user("u-none", CWD, "no reply yet", now=real_now)
    rows = snapshot_rows(projects)
    for key, tokens in (("u-mixed", (20, 10)), ("u-only", (7, 3))):
        assert (rows[key]["cost_usd"], rows[key]["cost_source"]) == (None, "unknown")
        assert (rows[key]["input_tokens"], rows[key]["output_tokens"]) == tokens
    assert rows["u-only"]["model"] == "llama-local-7b"
    # No API call yet: nothing to price, and no cost source either.
    assert (rows["u-none"]["cost_usd"], rows["u-none"]["cost_source"]) == (None, None)
    assert rows["u-none"]["input_tokens"] == 0


async def test_subagent_usage_added_to_parent(tmp_path: Path, real_now: datetime) -> None:
    projects = tmp_path / "projects"
    start = real_now - timedelta(minutes=5)
    parent = session_transcript(projects, start)
    store = ClaudeCodeStore(projects)
    try:
        (alone,) = (await store.refresh()).sessions
        assert alone.cost_usd == pytest.approx(SESSION_COST)

        # Newer Claude Code: <project>/<sessionId>/subagents/agent-<id>.jsonl (+ .meta.json)
        sub_dir = parent.parent / SID / "subagents"
        sub_dir.mkdir(parents=True)
        (sub_dir / "agent-a1b2.meta.json").write_text('{"agentType":"general-purpose"}')
        line = subagent_line(
            SID, "a1b2", start, "claude-haiku-4-5", usage_dict(200, 100, 5_000, 0), 1
        )
        (sub_dir / "agent-a1b2.jsonl").write_text(line * 2)  # one call on two lines (two blocks)
        (session,) = (await store.refresh()).sessions  # the subagent is not a session itself
        assert session.id == SID
        assert session.usage is not None
        assert (session.usage.input_tokens, session.usage.output_tokens) == (113 + 200, 790 + 100)
        assert session.usage.cache_read_tokens == 32_000 + 5_000
        assert session.cost_usd == pytest.approx(SESSION_COST + SUBAGENT_CALL / 1e6)
        assert session.message_count == 6  # the subagent's messages are its own
        assert dict(session.extra)["subagents"] == "1"

        # Older Claude Code: <project>/agent-<id>.jsonl sidechain, parent named by sessionId.
        (parent.parent / "agent-c3d4.jsonl").write_text(
            subagent_line(SID, "c3d4", start, "claude-opus-4-6", usage_dict(0, 1_000), 2)
        )
        (session,) = (await store.refresh()).sessions
        assert session.cost_usd == pytest.approx(
            SESSION_COST + SUBAGENT_CALL / 1e6 + 1_000 * 25 / 1e6
        )
        assert dict(session.extra)["subagents"] == "2"
    finally:
        await store.close()


async def test_appends_are_read_incrementally(tmp_path: Path, real_now: datetime) -> None:
    projects = tmp_path / "projects"
    w = ClaudeCodeWriter(projects)
    w.user(SID, CWD, "hello", now=real_now)
    store = ClaudeCodeStore(projects)
    try:
        (session,) = (await store.refresh()).sessions
        assert session.last_message is not None
        assert (session.message_count, session.cost_source, session.last_message.role) == (
            1,
            None,
            "user",
        )
        assert (await store.refresh()).changed is False

        w.assistant(
            SID,
            CWD,
            [text_block("Hi."), tool_use_block("toolu_9", "Bash", {"command": "ls"})],
            model="claude-sonnet-4-6",
            usage=usage_dict(3, 250, 12_000, 4_000),
            now=real_now,
        )
        (session,) = (await store.refresh()).sessions
        assert session.message_count == 2
        assert session.cost_usd == pytest.approx(SONNET_CALL / 1e6)
        assert session.last_message is not None
        assert (session.last_message.kind, session.last_message.tool_name) == (
            MessageKind.TOOL_CALL,
            "Bash",
        )

        # A file that stops half-way through a line: the half line waits.
        path = w.transcript_path(CWD, SID)
        half = '{"type":"user","sessionId":"' + SID + '","message":{"role":"user","content":"ha'
        path.write_bytes(path.read_bytes() + half.encode())
        (session,) = (await store.refresh()).sessions
        assert session.message_count == 2
    finally:
        await store.close()


async def test_transcript_messages(tmp_path: Path, real_now: datetime) -> None:
    projects = tmp_path / "projects"
    session_transcript(projects, real_now)
    store = ClaudeCodeStore(projects)
    try:
        (session,) = (await store.refresh()).sessions
        page = await store.read_messages(session)
        assert [(m.role, m.kind) for m in page.messages] == [
            (Role.USER, MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TEXT),  # thinking
            (Role.ASSISTANT, MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TOOL_CALL),
            (Role.TOOL, MessageKind.TOOL_RESULT),
            (Role.ASSISTANT, MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TEXT),  # synthetic
        ]
        assert page.messages[1].text == "(thinking) Plan it."
        call = page.messages[3].tool_calls[0]
        assert (call.id, call.name, json.loads(call.arguments)) == (
            "toolu_01",
            "Write",
            {"file_path": "/tmp/ls.py"},
        )
        result = page.messages[4].tool_result
        assert result is not None and (result.tool_call_id, result.content) == (
            "toolu_01",
            "File created",
        )
        assert page.messages[5].model == "claude-opus-4-6"
    finally:
        await store.close()


async def test_recorded_cost_usd_on_old_lines(tmp_path: Path) -> None:
    """Old transcripts carry a top-level `costUSD`: that figure is the call's cost."""
    project = tmp_path / "projects" / "-tmp-p"
    project.mkdir(parents=True)
    line = {
        "type": "assistant",
        "sessionId": "old",
        "requestId": "req_1",
        "costUSD": 0.25,
        "timestamp": "2025-05-01T10:00:00.000Z",
        "message": {
            "id": "msg_1",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [{"type": "text", "text": "hi"}],
            "usage": usage_dict(10, 5),
        },
    }
    (project / "old.jsonl").write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    store = ClaudeCodeStore(tmp_path / "projects")
    try:
        (session,) = (await store.refresh()).sessions
        assert (session.cost_usd, session.cost_source) == (0.25, CostSource.COMPUTED)
    finally:
        await store.close()
