"""Real Claude Code transcripts (STORES.md 10): 1-hour cache writes priced as such, no stuck
alarm for sessions a person interrupted, turns counted as typed prompts, spend per call's model,
orphan subagents counted, names as Claude Code shows them, newer record types harmless."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from claude_code_lines import (
    HAIKU,
    HAIKU_5M,
    HAIKU_5M_USD,
    NO_SPLIT,
    NO_SPLIT_USD,
    OPUS,
    OPUS_1H,
    OPUS_1H_USD,
    Transcript,
    library_price,
    text,
    tool_use,
    usage,
)
from fixture_types import SnapshotRun

from sessiontui.model import Session, SessionState
from sessiontui.rules.state import Reason, classify
from sessiontui.stores.claude_code import ClaudeCodeStore


async def read_sessions(root: Path) -> dict[str, Session]:
    store = ClaudeCodeStore(root)
    try:
        return {s.id: s for s in (await store.refresh()).sessions}
    finally:
        await store.close()


def project(tmp_path: Path) -> Path:
    return tmp_path / "projects" / "-home-USER-src-library"


async def test_one_hour_cache_writes_priced_at_twice_input(
    tmp_path: Path, real_now: datetime
) -> None:
    start = real_now - timedelta(hours=2)
    t = Transcript(project(tmp_path) / "s1.jsonl", "s1", start).prompt("price me")
    t.reply([text("a"), text("b")], OPUS, OPUS_1H, "1")  # two lines, one call
    t.reply([text("c")], HAIKU, HAIKU_5M, "2")
    t.reply([text("d")], OPUS, NO_SPLIT, "3")
    session = (await read_sessions(tmp_path / "projects"))["s1"]
    assert session.usage is not None and session.usage.cache_write_1h_tokens == 13_835
    expected = sum(
        library_price(m, u, start)
        for m, u in ((OPUS, OPUS_1H), (HAIKU, HAIKU_5M), (OPUS, NO_SPLIT))
    )
    assert expected == pytest.approx(
        OPUS_1H_USD + HAIKU_5M_USD + NO_SPLIT_USD, rel=1e-9
    )  # hand sums
    assert session.cost_usd == pytest.approx(expected, rel=1e-9)
    spend = {m.model: m for m in session.models}
    assert spend[OPUS].cost == pytest.approx(OPUS_1H_USD + NO_SPLIT_USD, rel=1e-9)
    assert (spend[OPUS].calls, spend[HAIKU].calls) == (2, 1)
    assert spend[HAIKU].cost == pytest.approx(HAIKU_5M_USD, rel=1e-9)


ENDINGS = {
    "interrupt": lambda t: t.interrupt(),
    "rejected-tool": lambda t: t.reply(
        [tool_use("toolu_9", "Edit", {"file_path": "/x"})], OPUS, usage(1, 1), "9"
    ).rejected_tool("toolu_9"),
    "command-stdout": lambda t: t.slash_command("model").command_stdout(
        "Set model to \x1b[1mopus\x1b[22m"
    ),
    "task-notification": lambda t: t.task_notification(),
    "meta-list": lambda t: t.skill_body(),
    "caveat": lambda t: t.caveat(),
    "compact-summary": lambda t: t.compact_summary(),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
async def test_no_stuck_alarm_when_no_prompt_waits(
    tmp_path: Path, real_now: datetime, ending: str
) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=3)).prompt(
        "do it"
    )
    t.reply([text("working")], OPUS, usage(1, 1), "1")
    ENDINGS[ending](t)
    session = (await read_sessions(tmp_path / "projects"))["s"]
    verdict = classify(session, real_now)
    assert verdict.state is SessionState.IDLE, verdict
    if ending in ("interrupt", "rejected-tool"):
        assert verdict.evidence == "interrupted by user"
        assert ("note", "interrupted by user") in session.extra


async def test_a_typed_prompt_left_unanswered_is_still_stuck(
    tmp_path: Path, real_now: datetime
) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=3)).prompt(
        "first"
    )
    t.reply([text("ok")], OPUS, usage(1, 1), "1").interrupt().prompt("are you there")
    verdict = classify((await read_sessions(tmp_path / "projects"))["s"], real_now)
    assert (verdict.state, verdict.reason) == (SessionState.STUCK, Reason.UNANSWERED)


def test_snapshot_stuck_does_not_count_interrupted_sessions(
    tmp_path: Path, snapshot_json: SnapshotRun, real_now: datetime
) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=3)).prompt("go")
    t.reply([tool_use("toolu_1", "Bash", {"command": "sleep 1"})], OPUS, usage(1, 1), "1")
    t.rejected_tool("toolu_1")
    code, rows, err = snapshot_json(tmp_path / "projects", flags=("--stuck",))
    assert (code, rows, err) == (0, [], "")


async def test_turns_are_typed_prompts_only(tmp_path: Path, real_now: datetime) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=1))
    t.caveat().prompt("fix the tests")  # 1
    t.reply([tool_use("toolu_1", "Bash", {"command": "pytest"})], OPUS, usage(1, 1), "1")
    t.tool_result(
        "toolu_1", "Exit code 1\nFAILED", is_error=True, result="Error: Exit code 1\nFAILED"
    )
    t.skill_body().interrupt().slash_command("compact", "and continue")  # 2
    t.system("local_command", content="<command-name>/compact</command-name>", level="info")
    t.compact_boundary(142_431).compact_summary().task_notification()
    t.slash_command("model").command_stdout("Set model to opus").prompt("now the docs")  # 3, 4
    t.rejected_tool("toolu_1")
    session = (await read_sessions(tmp_path / "projects"))["s"]
    assert session.turns == 4


async def test_spend_split_by_each_calls_model_with_subagents(
    tmp_path: Path, real_now: datetime
) -> None:
    start = real_now - timedelta(hours=1)
    main = Transcript(project(tmp_path) / "p.jsonl", "p", start).prompt("research")
    main.reply(
        [tool_use("toolu_t", "Task", {"subagent_type": "Explore", "prompt": "look"})],
        OPUS,
        OPUS_1H,
        "1",
    )
    sub = Transcript(
        project(tmp_path) / "p" / "subagents" / "agent-a1.jsonl",
        "p",
        start,
        sidechain=True,
        agent_id="a1",
    ).prompt("look")
    sub.reply([text("found")], HAIKU, HAIKU_5M, "s1").reply([text("more")], HAIKU, HAIKU_5M, "s2")
    main.tool_result(
        "toolu_t",
        "found",
        result={
            "status": "completed",
            "prompt": "look",
            "agentId": "a1",
            "totalTokens": 10_480,
            "totalDurationMs": 900,
        },
    )
    main.reply([text("done")], OPUS, NO_SPLIT, "2")
    (session,) = (await read_sessions(tmp_path / "projects")).values()
    assert session.model == OPUS  # the last model; the spend is not all its
    spend = {m.model: (m.calls, m.cost) for m in session.models}
    assert spend[HAIKU][0] == 2 and spend[HAIKU][1] == pytest.approx(2 * HAIKU_5M_USD, rel=1e-9)
    assert spend[OPUS][0] == 2 and spend[OPUS][1] == pytest.approx(
        OPUS_1H_USD + NO_SPLIT_USD, rel=1e-9
    )
    extra = dict(session.extra)
    assert extra["subagent a1"].split()[:2] == ["Explore", HAIKU]
    assert session.turns == 1


async def test_orphan_subagent_is_its_own_session_until_its_parent_appears(
    tmp_path: Path, real_now: datetime
) -> None:
    start = real_now - timedelta(hours=1)
    root = tmp_path / "projects"
    Transcript(project(tmp_path) / "other.jsonl", "other", start).prompt("unrelated")
    sub = Transcript(
        project(tmp_path) / "gone" / "subagents" / "agent-b2.jsonl",
        "gone",
        start,
        sidechain=True,
        agent_id="b2",
    ).prompt("look")
    sub.reply([text("x")], HAIKU, HAIKU_5M, "1")
    store = ClaudeCodeStore(root)
    try:
        sessions = {s.id: s for s in (await store.refresh()).sessions}
        orphan = sessions["agent-b2"]
        assert orphan.name == "subagent b2 (parent missing)"
        assert orphan.cost_usd == pytest.approx(HAIKU_5M_USD, rel=1e-9)
        assert dict(orphan.extra)["parent"] == "missing: gone"
        Transcript(project(tmp_path) / "gone.jsonl", "gone", start).prompt("came back")
        sessions = {s.id: s for s in (await store.refresh()).sessions}
        assert set(sessions) == {"other", "gone"}
        assert sessions["gone"].cost_usd == pytest.approx(HAIKU_5M_USD, rel=1e-9)
        (project(tmp_path) / "gone.jsonl").unlink()
        sessions = {s.id: s for s in (await store.refresh()).sessions}
        assert set(sessions) == {"other", "agent-b2"}
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        (lambda t: t.slash_command("review", "PR 12").prompt("then this"), "/review PR 12"),
        (
            lambda t: t.prompt(
                "<command-message>plugin:do-thing</command-message>\n<command-name>/plugin:do-thing"
                "</command-name>\n<command-args></command-args>"
            ),
            "/plugin:do-thing",
        ),
        (lambda t: t.caveat().prompt("first typed\nsecond line"), "first typed"),
        (
            lambda t: t.prompt("p").titled("custom-title", "my name").titled("ai-title", "ai name"),
            "my name",
        ),
        (lambda t: t.prompt("p").titled("ai-title", "ai name"), "ai name"),
        (
            lambda t: t.prompt("p").write({"type": "summary", "summary": "old", "leafUuid": "x"}),
            "old",
        ),
    ],
)
async def test_names_as_claude_code_shows_them(
    tmp_path: Path, real_now: datetime, lines: Any, name: str
) -> None:
    lines(Transcript(project(tmp_path) / "s.jsonl", "s", real_now))
    assert (await read_sessions(tmp_path / "projects"))["s"].name == name


async def test_newer_and_unknown_record_types_are_no_messages(
    tmp_path: Path, real_now: datetime
) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(minutes=30)).prompt(
        "hi"
    )
    t.write(
        {"type": "attachment", "attachment": {"type": "file"}, "sessionId": "s"},
        {"type": "permission-mode", "permissionMode": "plan", "sessionId": "s"},
        {"type": "last-prompt", "lastPrompt": "hi", "sessionId": "s"},
        {"type": "pr-link", "url": "https://x/pull/1", "sessionId": "s"},
        {"type": "worktree-state", "state": {}, "sessionId": "s"},
        {"type": "some-future-type", "whatever": [1, 2]},
        {"no_type": True},
    )
    t.titled("agent-name", "named").snapshot().progress(
        {"type": "hook_progress", "hookEvent": "Stop"}
    )
    t.reply([text("hello")], OPUS, usage(1, 1), "1")
    session = (await read_sessions(tmp_path / "projects"))["s"]
    assert (session.message_count, session.turns) == (2, 1)
    assert "mode plan" in dict(session.extra)["claude code"]


async def test_ending_on_an_api_error_is_state_error(tmp_path: Path, real_now: datetime) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=1)).prompt("go")
    t.api_error("API Error: 529 Overloaded")
    verdict = classify((await read_sessions(tmp_path / "projects"))["s"], real_now)
    assert (verdict.state, verdict.reason, verdict.evidence) == (
        SessionState.ERROR,
        Reason.API_ERROR,
        "API Error: 529 Overloaded",
    )


async def test_a_blocking_stop_hook_loop_is_stuck(tmp_path: Path, real_now: datetime) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(minutes=1)).prompt("go")
    for n in range(3):
        t.reply([text(f"try {n}")], OPUS, usage(1, 1), str(n)).stop_hook(
            blocked=True, reason="tests fail"
        )
    verdict = classify((await read_sessions(tmp_path / "projects"))["s"], real_now)
    assert (verdict.state, verdict.reason) == (SessionState.STUCK, Reason.STOP_HOOK_LOOP)
    assert verdict.evidence is not None and "3 times: tests fail" in verdict.evidence
    t.prompt("stop that")  # a new prompt: the count starts again
    verdict = classify((await read_sessions(tmp_path / "projects"))["s"], real_now)
    assert verdict.reason != Reason.STOP_HOOK_LOOP


async def test_detail_facts(tmp_path: Path, real_now: datetime) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=1)).prompt("go")
    t.reply([tool_use("toolu_1", "Bash", {"command": "make test"})], OPUS, usage(1, 1), "1")
    t.progress(
        {
            "type": "bash_progress",
            "output": "ok 1\nok 2",
            "elapsedTimeSeconds": 34,
            "totalLines": 120,
        }
    )
    t.queue("enqueue", "/mcp").turn_duration(1_341_830).compact_boundary(142_431)
    t.stop_hook(blocked=False)
    extra = dict((await read_sessions(tmp_path / "projects"))["s"].extra)
    assert extra["claude code"] == "v2.1.39 branch main mode default"
    assert extra["in progress"] == "command running 34s, 120 lines: ok 2"
    assert extra["queued"] == "1 waiting: /mcp"
    assert extra["turns took"].startswith("last 22m 21s")
    assert extra["compactions"] == "1 (last: manual, 142,431 tokens before)"
    assert "stop hook" not in extra  # a hook that ran and let the turn end is no news


async def test_transcript_shows_plumbing_dimmed_and_operator_facts(
    tmp_path: Path, real_now: datetime
) -> None:
    t = Transcript(project(tmp_path) / "s.jsonl", "s", real_now - timedelta(hours=1))
    t.caveat().slash_command("review", "PR 3").skill_body()
    t.reply(
        [text(""), text("on it"), tool_use("toolu_1", "Bash", {"command": "a\nb"})],
        OPUS,
        usage(1, 1),
        "1",
    )
    t.progress({"type": "bash_progress", "output": "x", "elapsedTimeSeconds": 3, "totalLines": 1})
    t.tool_result(
        "toolu_1", "Exit code 127\nnope", is_error=True, result="Error: Exit code 127\nnope"
    )
    t.queue("enqueue", "also fix the docs").interrupt().task_notification()
    t.turn_duration(5_000).compact_boundary(142_431).compact_summary()
    t.stop_hook(blocked=True, reason="tests fail").stop_hook(blocked=False)
    t.api_error("API Error: 529 Overloaded")
    store = ClaudeCodeStore(tmp_path / "projects")
    try:
        (session,) = (await store.refresh()).sessions
        page = await store.read_messages(session)
    finally:
        await store.close()
    shown = [
        (str(m.role), m.tool_calls[0].arguments if m.tool_calls else m.text) for m in page.messages
    ]
    assert shown == [
        (
            "system",
            (
                "(meta) Caveat: The messages below were generated by the user while running local "
                "commands. DO NOT respond to these messages or otherwise consider them in your response "
                "unless the user explicitly asks you to."
            ),
        ),
        ("user", "/review PR 3"),
        ("system", "(meta) Base directory for this skill: /x \u2026 (2 more lines)"),
        ("assistant", "on it"),
        ("assistant", "a\nb"),
        ("tool", "[exit 127]\nExit code 127\nnope"),
        ("system", "queued while busy: also fix the docs"),
        ("system", "interrupted by user"),
        ("system", 'background task: Background command "Run new tests" completed (exit code 0)'),
        ("system", "turn took 5s"),
        ("system", "conversation compacted (manual, 142,431 tokens before)"),
        (
            "system",
            (
                "(compaction summary) This session is being continued from a previous conversation "
                "that ran out of context. The summary below covers the earlier portion. \u2026 (2 more lines)"
            ),
        ),
        ("system", "Stop hook blocked the end of the turn: tests fail"),
        ("system", "API error: API Error: 529 Overloaded"),
    ]
