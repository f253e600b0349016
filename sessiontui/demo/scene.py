"""populate(): a fixed scene across every store, with one session in each state worth showing.

Deterministic: ids come from `seed`, times are offsets from `now`, files get their mtimes
from `now` too. The report says, per store, which sessions were written, how many messages
each holds, and what state the dashboard should show for each (`report.expected`).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from sessiontui.demo import phrases
from sessiontui.demo.agent_scene import hermes_agent_scene, openclaw_scene
from sessiontui.demo.fleet import Fleet
from sessiontui.demo.ids import Ids
from sessiontui.demo.phrases import ANSWERS, FOLLOW_UPS, HOSTILE_TEXT, PROMPTS, QUESTIONS, TOOLS
from sessiontui.demo.workspace import (
    Expectation,
    SimulationReport,
    store_paths,
    workspace_is_empty,
)
from sessiontui.demo.zeroclaw_bots import (
    INTERRUPTED_MARKER,
    ZeroClawJsonlBot,
    tool_call_content,
    tool_result_content,
)
from sessiontui.model import SessionState as S
from sessiontui.model import StoreFormat as F
from sessiontui.timestamps import parse_timestamp

WEBAPP, INFRA, DOCS = "/home/dev/src/webapp", "/home/dev/src/infra", "/home/dev/src/docs"
SCRATCH, TUI = "/home/dev/scratch", "/home/dev/src/sessiontui"
SONNET, OPUS = phrases.MODELS
_SEC = timedelta(seconds=1)


def populate(root: Path, *, now: datetime, seed: int = 0, sessions: int = 8) -> SimulationReport:
    """Write the scene into an empty workspace under `root`; `sessions` adds idle filler.

    Raises FileExistsError when any store already exists there (ids would collide).
    """
    root = Path(root)
    if not workspace_is_empty(root):
        raise FileExistsError(f"{root} already holds a demo workspace")
    ids = Ids(random.Random(f"sessiontui-demo-scene:{seed}"))
    report = SimulationReport.empty(root)
    fleet = Fleet(root, ids, report, set_mtime=True, created=now - timedelta(days=30))
    try:
        for part in (
            _hermes,
            _hermes_legacy,
            _claude,
            _zeroclaw,
            _zeroclaw_jsonl,
            _starpod,
            _codex,
            hermes_agent_scene,
            openclaw_scene,
        ):
            part(fleet, now)
        _background(fleet, now, sessions)
        legacy = fleet.hermes_json
        fleet.touch(
            legacy.path,
            max(parse_timestamp(info["last_active"]) or now for info in legacy.sessions.values()),
        )
    finally:
        fleet.close()
    return report


# -- building blocks ---------------------------------------------------------------------------


def _claude_turn(
    f: Fleet,
    sid: str,
    cwd: str,
    start: datetime,
    prompt: str,
    tools: tuple[phrases.ToolCall, ...],
    answer: str,
    model: str = SONNET,
) -> datetime:
    """A whole Claude Code turn: prompt, tool calls with results, final text. Returns its end."""
    at = start
    f.claude_user(sid, cwd, prompt, at)
    for n, tool in enumerate(tools):
        at += 4 * _SEC
        tool_id = f.claude_reply(sid, cwd, at, tool=tool, think=n == 0, model=model)
        at += 2 * _SEC
        f.claude_tool_result(sid, cwd, tool_id or "", tool.output, at)
    at += 5 * _SEC
    f.claude_reply(sid, cwd, at, text=answer, model=model)
    return at


def _hermes_thread(
    f: Fleet, started: datetime, repo_path: str, channel: str, *, legacy: bool = False
) -> str:
    thread_ts = f.ids.thread_ts(started)
    bot = f.hermes_bot(legacy)
    bot.new_thread(thread_ts, repo_path.rsplit("/", 1)[-1], repo_path, channel, SONNET, started)
    f.report.add(f.hermes_fmt(legacy), thread_ts)
    return thread_ts


def _zc_turn(
    f: Fleet,
    key: str,
    start: datetime,
    prompt: str,
    tools: tuple[phrases.ToolCall, ...],
    answer: str | None,
    *,
    gateway: bool = True,
) -> datetime:
    """A ZeroClaw turn in sessions.db; gateway turns go running -> idle around it."""
    at = start
    f.zc_append(key, "user", prompt if gateway else f.channel_text(prompt, at), at)
    if gateway:
        f.zeroclaw.set_state(key, "running", f.ids.uuid4(), at)
    for tool in tools:
        call_id = f.ids.call_id()
        name = phrases.ZEROCLAW_TOOL_NAMES[tool.name]
        at += 3 * _SEC
        f.zc_append(key, "assistant", tool_call_content([(call_id, name, tool.input)]), at)
        at += 2 * _SEC
        f.zc_append(key, "tool", tool_result_content(call_id, tool.output), at)
    if answer is not None:
        at += 4 * _SEC
        f.zc_append(key, "assistant", answer, at)
        if gateway:
            f.zeroclaw.set_state(key, "idle", None, at)
    return at


def _jsonl_chat(
    f: Fleet,
    key: str,
    start: datetime,
    prompt: str,
    answer: str | None,
    tool: phrases.ToolCall | None = None,
    *,
    v066: bool = False,
) -> str:
    """A channel exchange in the old install's JSONL store; returns the file stem."""
    stem = f.jsonl_append(key, "user", f.channel_text(prompt, start), start, v066=v066)
    at = start
    if tool is not None:
        call_id = f.ids.call_id()
        name = phrases.ZEROCLAW_TOOL_NAMES[tool.name]
        at += 3 * _SEC
        f.jsonl_append(
            key, "assistant", tool_call_content([(call_id, name, tool.input)]), at, v066=v066
        )
        at += 2 * _SEC
        f.jsonl_append(key, "tool", tool_result_content(call_id, tool.output), at, v066=v066)
    if answer is not None:
        f.jsonl_append(key, "assistant", answer, at + 4 * _SEC, v066=v066)
    return stem


def _starpod_request(
    f: Fleet,
    sid: str,
    start: datetime,
    prompt: str,
    tools: tuple[phrases.ToolCall, ...],
    answer: str | None,
    model: str = SONNET,
) -> datetime:
    """One Starpod chat request: touch, user, tools, answer, usage (answered requests only)."""
    at = start
    f.starpod.touch_session(sid, at)
    f.starpod_message(sid, "user", prompt, at)
    for tool in tools:
        f.starpod_tool(sid, tool, at + 3 * _SEC, at + 5 * _SEC)
        at += 5 * _SEC
    if answer is not None:
        at += 4 * _SEC
        f.starpod_message(sid, "assistant", answer, at)
        f.starpod_usage(sid, at, calls=len(tools) + 1, model=model)
    return at


def _expect(f: Fleet, fmt: F, sid: str, state: S, reason: str | None, note: str) -> None:
    f.report.expect(fmt, sid, Expectation(state, reason, note))


# -- the scene, store by store -----------------------------------------------------------------


def _hermes(f: Fleet, now: datetime) -> None:
    # Running: one turn done 11 min ago, a second turn's test run started 6 s ago.
    ts = _hermes_thread(f, now - timedelta(minutes=12), WEBAPP, "C0WEBAPP01")
    sid = f.ids.uuid4()
    end = _claude_turn(
        f, sid, WEBAPP, now - timedelta(minutes=12), PROMPTS[0], TOOLS[2:5:2], ANSWERS[0]
    )
    f.hermes.finish_turn(ts, sid, 3, end)
    f.claude_user(sid, WEBAPP, FOLLOW_UPS[0], now - 60 * _SEC)
    tool_id = f.claude_reply(sid, WEBAPP, now - 50 * _SEC, tool=TOOLS[0], think=True)
    f.claude_tool_result(sid, WEBAPP, tool_id or "", TOOLS[0].output, now - 30 * _SEC)
    f.claude_reply(sid, WEBAPP, now - 6 * _SEC, text="Adding a test for the limit.", tool=TOOLS[0])
    _expect(f, F.HERMES_SQLITE, ts, S.RUNNING, None, f"transcript {sid}: tool call 6 s ago")
    _expect(f, F.CLAUDE_CODE, sid, S.RUNNING, None, "hermes-linked; tool call 6 s ago")

    ts = _hermes_thread(f, now - timedelta(minutes=30), INFRA, "C0INFRA002")
    _expect(f, F.HERMES_SQLITE, ts, S.STUCK, "pending", "row still pending-<ts> after 30 min")

    ts = _hermes_thread(f, now - timedelta(minutes=50), INFRA, "C0INFRA002")
    sid = f.ids.uuid4()
    end = _claude_turn(f, sid, INFRA, now - timedelta(minutes=50), PROMPTS[1], (), ANSWERS[2])
    f.hermes.finish_turn(ts, sid, 1, end)
    f.hermes.set_error(ts)
    _expect(f, F.HERMES_SQLITE, ts, S.ERROR, None, "status 'error' (agent spawn failed)")
    _expect(f, F.CLAUDE_CODE, sid, S.IDLE, None, "hermes-linked; answered 50 min ago")

    ts = _hermes_thread(f, now - timedelta(hours=4), WEBAPP, "C0WEBAPP01")
    sid = f.ids.uuid4()
    end = _claude_turn(
        f, sid, WEBAPP, now - timedelta(hours=4), PROMPTS[3], TOOLS[3:5], ANSWERS[0], OPUS
    )
    f.hermes.finish_turn(ts, sid, 3, end)
    _expect(f, F.HERMES_SQLITE, ts, S.IDLE, None, "last turn 4 h ago")
    _expect(f, F.CLAUDE_CODE, sid, S.IDLE, None, "hermes-linked; answered 4 h ago")

    ts = _hermes_thread(f, now - timedelta(minutes=14), WEBAPP, "C0WEBAPP01")
    sid = f.ids.uuid4()
    f.claude_user(sid, WEBAPP, PROMPTS[0], now - timedelta(minutes=14))
    tool_id = f.claude_reply(sid, WEBAPP, now - timedelta(minutes=13), tool=TOOLS[2], think=True)
    f.claude_tool_result(sid, WEBAPP, tool_id or "", TOOLS[2].output, now - timedelta(minutes=13))
    f.claude_reply(sid, WEBAPP, now - timedelta(minutes=10), text=QUESTIONS[0])
    f.hermes.finish_turn(ts, sid, 2, now - timedelta(minutes=10))
    _expect(f, F.HERMES_SQLITE, ts, S.WAITING, None, "transcript ends in a question 10 min ago")
    _expect(f, F.CLAUDE_CODE, sid, S.WAITING, None, "hermes-linked; asked a question")


def _hermes_legacy(f: Fleet, now: datetime) -> None:
    ts = _hermes_thread(f, now - timedelta(hours=3, minutes=10), DOCS, "C0DOCS0003", legacy=True)
    sid = f.ids.uuid4()
    end = _claude_turn(
        f, sid, DOCS, now - timedelta(hours=3, minutes=10), PROMPTS[9], TOOLS[2:3], ANSWERS[5]
    )
    f.hermes_json.finish_turn(ts, sid, 2, end)
    _expect(f, F.HERMES_JSON, ts, S.IDLE, None, "answered 3 h ago")
    _expect(f, F.CLAUDE_CODE, sid, S.IDLE, None, "linked from hermes sessions.json")

    ts = _hermes_thread(f, now - timedelta(days=1), DOCS, "C0DOCS0003", legacy=True)
    f.hermes_json.finish_turn(ts, f.ids.uuid4(), 1, now - timedelta(days=1) + 70 * _SEC)
    f.hermes_json.set_error(ts)
    _expect(f, F.HERMES_JSON, ts, S.ERROR, None, "status 'error'; transcript gone")

    ts = _hermes_thread(f, now - timedelta(days=2), DOCS, "C0DOCS0003", legacy=True)
    f.hermes_json.finish_turn(ts, f.ids.uuid4(), 4, now - timedelta(days=2) + 300 * _SEC)
    _expect(f, F.HERMES_JSON, ts, S.IDLE, None, "2 days old; no transcript on disk")


def _claude(f: Fleet, now: datetime) -> None:
    sid = f.ids.uuid4()
    f.claude_user(
        sid, TUI, "Run the full integration suite and fix failures", now - timedelta(minutes=21)
    )
    f.claude_reply(
        sid,
        TUI,
        now - timedelta(minutes=20),
        think=True,
        tool=phrases.ToolCall("Bash", {"command": "make integration"}, ""),
    )
    _expect(f, F.CLAUDE_CODE, sid, S.STUCK, "tool-no-result", "Bash started 20 min ago")

    sid = f.ids.uuid4()
    _claude_turn(f, sid, SCRATCH, now - timedelta(minutes=65), PROMPTS[5], (), ANSWERS[4], OPUS)
    f.claude_user(sid, SCRATCH, "thanks", now - timedelta(minutes=61))
    f.claude_synthetic(sid, SCRATCH, now - timedelta(minutes=61), "No response requested.")
    _expect(f, F.CLAUDE_CODE, sid, S.IDLE, None, "ends in a <synthetic> line 61 min ago")

    sid = f.ids.uuid4()
    f.claude_user(sid, TUI, PROMPTS[10], now - 45 * _SEC)
    tool_id = f.claude_reply(sid, TUI, now - 40 * _SEC, tool=TOOLS[3], think=True)
    f.claude_tool_result(sid, TUI, tool_id or "", TOOLS[3].output, now - 38 * _SEC)
    tool_id = f.claude_reply(sid, TUI, now - 10 * _SEC, tool=TOOLS[2])
    f.claude_tool_result(sid, TUI, tool_id or "", TOOLS[2].output, now - 2 * _SEC)
    _expect(f, F.CLAUDE_CODE, sid, S.RUNNING, None, "tool result 2 s ago")


def _zeroclaw(f: Fleet, now: datetime) -> None:
    zc = f.zeroclaw
    key = f"gw_{f.ids.uuid4()}"
    zc.set_agent_alias(key, "main", now - timedelta(minutes=26))
    _zc_turn(f, key, now - timedelta(minutes=25), PROMPTS[7], (), None)
    _expect(f, F.ZEROCLAW_SQLITE, key, S.STUCK, "turn-running", "state running for 25 min")

    key = f"gw_{f.ids.uuid4()}"
    zc.set_agent_alias(key, "ops", now - timedelta(minutes=15))
    start = now - timedelta(minutes=14)
    _zc_turn(f, key, start, "Migrate the 60 tenant tables to the new schema", (), None)
    for n in range(6):
        _zc_turn_tool(f, key, start + (20 + 125 * n) * _SEC, n)
    f.zc_append(key, "assistant", "Migrating table 41 of 60…", now - 20 * _SEC)
    zc.update_last(key, "assistant", "Migrating table 58 of 60…", now - 2 * _SEC)
    _expect(f, F.ZEROCLAW_SQLITE, key, S.RUNNING, None, "turn 14 min old, output 2 s ago")

    key = f"gw_{f.ids.uuid4()}"
    zc.set_agent_alias(key, "main", now - timedelta(minutes=41))
    _zc_turn(f, key, now - timedelta(minutes=40), PROMPTS[8], TOOLS[1:2], None)
    turn = zc.conn.execute(
        "SELECT turn_id FROM session_metadata WHERE session_key = ?", (key,)
    ).fetchone()[0]
    zc.set_state(key, "error", turn, now - timedelta(minutes=38))
    _expect(f, F.ZEROCLAW_SQLITE, key, S.ERROR, None, "state 'error'")

    key = f"gw_{f.ids.uuid4()}"
    zc.set_agent_alias(key, "main", now - timedelta(hours=2, minutes=5))
    _zc_turn(f, key, now - timedelta(hours=2, minutes=4), PROMPTS[4], (), ANSWERS[3])
    _expect(f, F.ZEROCLAW_SQLITE, key, S.IDLE, None, "answered 2 h ago")

    key = f.channel_key("telegram.main", "123456")
    zc.set_context(key, "telegram.main", "123456", "alice", now - timedelta(minutes=61))
    _zc_turn(f, key, now - timedelta(minutes=61), PROMPTS[8], TOOLS[1:2], ANSWERS[2], gateway=False)
    zc.set_name(key, "Alice: build server")
    _expect(f, F.ZEROCLAW_SQLITE, key, S.IDLE, None, "channel chat, named, 1 h ago")

    key = f"gw_{f.ids.uuid4()}"
    zc.set_agent_alias(key, "main", now - timedelta(minutes=5))
    f.report.add(F.ZEROCLAW_SQLITE, key, 0)
    _expect(f, F.ZEROCLAW_SQLITE, key, S.IDLE, None, "metadata row only: connected, 0 messages")

    # A channel chat left over as JSONL, imported by HEAD two days ago (-> *.jsonl.migrated).
    old = ZeroClawJsonlBot(store_paths(f.root)[F.ZEROCLAW_SQLITE].parent)
    said = now - timedelta(days=3)
    old.append("telegram_42", {"role": "user", "content": f.channel_text(PROMPTS[6], said)})
    old.append("telegram_42", {"role": "assistant", "content": ANSWERS[5]})
    f.touch(old.path_for("telegram_42"), said + 4 * _SEC)
    key = zc.import_jsonl(old.path_for("telegram_42"), now - timedelta(days=2))
    f.report.add(F.ZEROCLAW_SQLITE, key, 2)
    _expect(f, F.ZEROCLAW_SQLITE, key, S.IDLE, None, "imported from telegram_42.jsonl 2 days ago")


def _zc_turn_tool(f: Fleet, key: str, at: datetime, n: int) -> None:
    call_id = f.ids.call_id()
    command = {"command": f"migrate --tenants {10 * n + 1}-{10 * n + 10}"}
    f.zc_append(key, "assistant", tool_call_content([(call_id, "shell", command)]), at)
    f.zc_append(
        key,
        "tool",
        tool_result_content(call_id, f"migrated {10 * (n + 1)} tables"),
        at + 100 * _SEC,
    )


def _zeroclaw_jsonl(f: Fleet, now: datetime) -> None:
    fmt = F.ZEROCLAW_JSONL
    stem = _jsonl_chat(
        f, "telegram_123456789", now - timedelta(hours=5), PROMPTS[8], ANSWERS[2], TOOLS[1]
    )
    _expect(f, fmt, stem, S.IDLE, None, "answered 5 h ago (file mtime)")

    key = f.channel_key("discord", "998877_alice")
    stem = _jsonl_chat(f, key, now - timedelta(minutes=40), PROMPTS[5], None)
    f.jsonl_append(key, "assistant", INTERRUPTED_MARKER, now - timedelta(minutes=39))
    _expect(f, fmt, stem, S.STUCK, "interrupted", "restart marker after the user's message")

    key = f.channel_key("slack", "C0ABC123_1742097471.123456_bob")
    stem = _jsonl_chat(f, key, now - 6 * _SEC, PROMPTS[2], None)
    _expect(f, fmt, stem, S.RUNNING, None, "user message 6 s ago")

    stem = _jsonl_chat(
        f,
        "whatsapp_15551234567",
        now - timedelta(hours=2),
        HOSTILE_TEXT,
        "Printed it literally, markup and escape included.",
    )
    _expect(f, fmt, stem, S.IDLE, None, "holds Rich markup and an ESC[2J escape")

    stem = _jsonl_chat(
        f, "telegram.bot_123", now - timedelta(days=3), PROMPTS[11], ANSWERS[5], v066=True
    )
    _expect(f, fmt, stem, S.IDLE, None, "v0.6.6 percent-encoded file name")

    stem = _jsonl_chat(f, "signal_alice", now - timedelta(minutes=11), PROMPTS[6], None)
    f.jsonl_append("signal_alice", "assistant", QUESTIONS[1], now - timedelta(minutes=10))
    _expect(f, fmt, stem, S.WAITING, None, "assistant asked a question 10 min ago")


def _starpod(f: Fleet, now: datetime) -> None:
    sp, fmt = f.starpod, F.STARPOD

    sid = sp.create_session(
        f.ids.uuid4(), channel_session_key=f.ids.uuid4(), now=now - timedelta(minutes=3)
    )
    _starpod_request(f, sid, now - timedelta(minutes=3), PROMPTS[3], TOOLS[2:3], ANSWERS[0])
    _starpod_request(f, sid, now - 30 * _SEC, FOLLOW_UPS[4], (), None)
    f.starpod_tool(sid, TOOLS[0], now - 25 * _SEC, now - 5 * _SEC)
    _expect(f, fmt, sid, S.RUNNING, None, "tool result 5 s ago")

    sid = sp.create_session(
        f.ids.uuid4(),
        channel="telegram",
        channel_session_key="555000111",
        now=now - timedelta(minutes=20),
    )
    _starpod_request(f, sid, now - timedelta(minutes=20), PROMPTS[4], (), ANSWERS[3])
    _starpod_request(f, sid, now - timedelta(minutes=15), FOLLOW_UPS[3], (), None)
    _expect(f, fmt, sid, S.STUCK, "unanswered", "user message 15 min ago, no reply")

    sid = sp.create_session(
        f.ids.uuid4(),
        channel="slack",
        channel_session_key="T0TEAM:C0CHAN:1742097471.123456",
        now=now - timedelta(minutes=12),
    )
    _starpod_request(f, sid, now - timedelta(minutes=11), PROMPTS[6], TOOLS[5:6], QUESTIONS[1])
    _expect(f, fmt, sid, S.WAITING, None, "assistant asked a question 10 min ago")

    sid = sp.create_session(
        f.ids.uuid4(), channel="telegram", channel_session_key="777", now=now - timedelta(hours=9)
    )
    _starpod_request(f, sid, now - timedelta(hours=9), PROMPTS[1], TOOLS[1:2], ANSWERS[2], OPUS)
    sp.close_session(sid, "Auto-closed: inactivity")
    _expect(f, fmt, sid, S.CLOSED, None, "closed by the inactivity gap")

    sid = sp.create_session(
        f.ids.uuid4(), channel_session_key=f.ids.uuid4(), now=now - timedelta(days=2)
    )
    _starpod_request(f, sid, now - timedelta(days=2), PROMPTS[9], (), ANSWERS[5])
    sp.archive(sid)
    _expect(f, fmt, sid, S.ARCHIVED, None, "archived")

    sid = sp.create_session(
        f.ids.uuid4(), channel_session_key=f.ids.uuid4(), now=now - timedelta(hours=3)
    )
    _starpod_request(
        f,
        sid,
        now - timedelta(hours=3),
        HOSTILE_TEXT,
        (),
        "Printed it literally, markup and escape included.",
    )
    sp.mark_read(sid, False)
    _expect(f, fmt, sid, S.IDLE, None, "title holds Rich markup and ESC[2J; unread")

    sid = sp.create_session(
        f.ids.uuid4(),
        channel_session_key=f.ids.uuid4(),
        triggered_by="daily-digest",
        now=now - timedelta(hours=6),
    )
    _starpod_request(
        f, sid, now - timedelta(hours=6), "Run the daily digest", TOOLS[5:6], ANSWERS[1]
    )
    _expect(f, fmt, sid, S.IDLE, None, "cron session (triggered_by daily-digest)")


def _codex(f: Fleet, now: datetime) -> None:
    # Running: a turn whose second command started 4 s ago.
    tid = f.codex_start(TUI, now - timedelta(minutes=3))
    f.codex_prompt(tid, PROMPTS[4], now - timedelta(minutes=3))
    call = f.codex_call(tid, TOOLS[2], now - timedelta(minutes=2))
    f.codex_output(tid, call, TOOLS[2].output, now - timedelta(seconds=100))
    f.codex_tokens(tid, now - timedelta(seconds=90))
    f.codex_call(tid, TOOLS[0], now - 4 * _SEC)
    _expect(f, F.CODEX, tid, S.RUNNING, None, "turn open, command started 4 s ago")
    # Waiting: asks approval for a command 18 minutes ago, nothing since.
    tid = f.codex_start(INFRA, now - timedelta(minutes=20))
    f.codex_prompt(tid, PROMPTS[1], now - timedelta(minutes=20))
    f.codex_tokens(tid, now - timedelta(minutes=19))
    cleanup = phrases.ToolCall("Bash", {"command": "rm -rf /var/backups/old"}, "")
    call = f.codex_call(tid, cleanup, now - timedelta(minutes=18))
    f.codex.approval_request(
        tid, call, ["bash", "-lc", "rm -rf /var/backups/old"], now - timedelta(minutes=18)
    )
    f.touch(f.codex.path_of(tid), now - timedelta(minutes=18))
    _expect(f, F.CODEX, tid, S.WAITING, None, "exec approval asked 18 min ago")
    # Interrupted by the user mid-command 40 minutes ago: idle with a note, not stuck.
    tid = f.codex_start(WEBAPP, now - timedelta(minutes=45))
    f.codex_prompt(tid, PROMPTS[0], now - timedelta(minutes=45))
    f.codex_call(tid, TOOLS[0], now - timedelta(minutes=44))
    f.codex.turn_aborted(tid, now - timedelta(minutes=40), "interrupted")
    f.touch(f.codex.path_of(tid), now - timedelta(minutes=40))
    _expect(f, F.CODEX, tid, S.IDLE, None, "turn interrupted 40 min ago")
    # Finished two hours ago by an older Codex (no turn events), named with /rename.
    tid = f.codex_start(DOCS, now - timedelta(hours=2), older=True)
    f.codex_prompt(tid, PROMPTS[2], now - timedelta(hours=2))
    f.codex_answer(tid, ANSWERS[1], now - timedelta(hours=2) + 9 * _SEC)
    f.codex_rename(tid, "PR digest", now - timedelta(hours=2))
    _expect(f, F.CODEX, tid, S.IDLE, None, "older layout, renamed, answered 2 h ago")
    # Archived three days ago with `codex archive`.
    tid = f.codex_start(SCRATCH, now - timedelta(days=3))
    f.codex_prompt(tid, PROMPTS[3], now - timedelta(days=3))
    f.codex_answer(tid, ANSWERS[0], now - timedelta(days=3) + 20 * _SEC)
    f.codex_rename(tid, "Config -> Settings", now - timedelta(days=3))
    f.touch(f.codex.archive(tid), now - timedelta(days=3) + 20 * _SEC)
    _expect(f, F.CODEX, tid, S.ARCHIVED, None, "archived 3 days ago")


def _background(f: Fleet, now: datetime, count: int) -> None:
    """`count` ordinary finished conversations, 1.5-40 h old, spread over the stores."""
    rng = f.rng
    for n in range(count):
        start = now - timedelta(seconds=rng.randint(5_400, 144_000))
        prompt, answer = phrases.pick(rng, PROMPTS), phrases.pick(rng, ANSWERS)
        tools = (phrases.pick(rng, TOOLS),) if rng.random() < 0.6 else ()
        kind = n % 5
        if kind == 0:
            sid = f.ids.uuid4()
            _claude_turn(f, sid, SCRATCH, start, prompt, tools, answer)
            fmt = F.CLAUDE_CODE
        elif kind == 1:
            sid = f.starpod.create_session(
                f.ids.uuid4(), channel_session_key=f.ids.uuid4(), now=start
            )
            _starpod_request(f, sid, start, prompt, tools, answer)
            fmt = F.STARPOD
        elif kind == 2:
            sid = f"gw_{f.ids.uuid4()}"
            f.zeroclaw.set_agent_alias(sid, "main", start)
            _zc_turn(f, sid, start, prompt, tools, answer)
            fmt = F.ZEROCLAW_SQLITE
        elif kind == 3:
            sid = _jsonl_chat(
                f,
                f"telegram_{rng.randint(10**8, 10**9)}",
                start,
                prompt,
                answer,
                tools[0] if tools else None,
            )
            fmt = F.ZEROCLAW_JSONL
        else:
            sid = _hermes_thread(f, start, WEBAPP, "C0WEBAPP01")
            claude_id = f.ids.uuid4()
            end = _claude_turn(f, claude_id, WEBAPP, start, prompt, tools, answer)
            f.hermes.finish_turn(sid, claude_id, len(tools) + 1, end)
            _expect(f, F.CLAUDE_CODE, claude_id, S.IDLE, None, "hermes-linked filler")
            fmt = F.HERMES_SQLITE
        _expect(f, fmt, sid, S.IDLE, None, "filler conversation")
