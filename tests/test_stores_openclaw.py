"""OpenClaw's SQLite agent store (store H, STORES.md 8): entry_json canonical, windows, pi-format
transcript events, every status and the stale `running` claim, heartbeat outcomes, archived
rows still running, and the credential tables never read. Real files, the exact DDL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixture_types import SnapshotRun

from sessiontui.demo.openclaw_bot import (
    OpenClawAgentBot,
    assistant,
    header,
    message_record,
    ms,
    tool_result,
    user,
)
from sessiontui.model import MessageKind, Role
from sessiontui.stores.base import StoreError
from sessiontui.stores.openclaw import OpenClawStore

CHAT = "agent:main:telegram:dm:123"
SECRET = "sk-ant-never-shown-0001"


def entry(session_id: str, started: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "sessionId": session_id,
        "updatedAt": ms(started),
        "sessionStartedAt": ms(started),
        "chatType": "direct",
        **fields,
    }


def session(
    bot: OpenClawAgentBot, key: str, sid: str, started: datetime, last: datetime, **fields: Any
) -> None:
    bot.write_entry(key, entry(sid, started, lastActivityAt=ms(last), **fields), now=last)
    bot.open_window(key, sid, channel="telegram", peer=key.rsplit(":", 1)[-1], now=started)
    bot.append(sid, header(sid, started), now=started)
    bot.append(sid, message_record(user("go"), last), now=last)


def agent_store(root: Path, now: datetime) -> Path:
    path = root / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    bot = OpenClawAgentBot(path)

    def ago(**kw: float) -> datetime:
        return now - timedelta(**kw)

    try:
        bot.store_secret("anthropic:default", SECRET)
        started = ago(minutes=40)
        bot.write_entry(
            CHAT,
            entry(
                "w-chat",
                started,
                label="Calendar",
                model="claude-sonnet-4-6",
                inputTokens=1200,
                outputTokens=80,
                cacheRead=9000,
                cacheWrite=300,
                estimatedCostUsd=0.0123,
                lastActivityAt=ms(ago(minutes=30)),
            ),
            now=ago(minutes=30),
        )
        bot.open_window(CHAT, "w-chat", channel="telegram", peer="123", now=started)
        bot.append("w-chat", header("w-chat", started), now=started)
        bot.append(
            "w-chat",
            message_record(user("What is on today?"), ago(minutes=32)),
            now=ago(minutes=32),
        )
        bot.append(
            "w-chat",
            message_record(
                assistant(
                    tool=("call_1", "exec", {"cmd": "gcal"}), usage=(1000, 40, 9000, 300), cost=0.01
                ),
                ago(minutes=31),
            ),
            now=ago(minutes=31),
        )
        bot.append(
            "w-chat",
            message_record(tool_result("call_1", "exec", "09:00 standup"), ago(minutes=31)),
            now=ago(minutes=31),
        )
        bot.append(
            "w-chat",
            message_record(
                assistant("Standup at 09:00.", usage=(200, 40, 0, 0), cost=0.0023), ago(minutes=30)
            ),
            now=ago(minutes=30),
        )
        session(
            bot, "agent:main:run:fresh", "w-fresh", ago(minutes=5), ago(minutes=1), status="running"
        )
        session(
            bot, "agent:main:run:stale", "w-stale", ago(hours=4), ago(hours=3), status="running"
        )
        session(bot, "agent:main:run:done", "w-done", ago(hours=4), ago(hours=3), status="done")
        session(
            bot, "agent:main:run:failed", "w-failed", ago(hours=4), ago(hours=3), status="failed"
        )
        session(
            bot, "agent:main:run:killed", "w-killed", ago(hours=4), ago(hours=3), status="killed"
        )
        session(
            bot, "agent:main:run:timeout", "w-timeout", ago(hours=4), ago(hours=3), status="timeout"
        )
        session(
            bot,
            "agent:main:run:shelved",
            "w-shelved",
            ago(days=30),
            ago(days=28),
            status="running",
            archivedAt=ms(ago(days=20)),
        )
        session(bot, "agent:main:main", "w-main", ago(hours=2), ago(minutes=20))
        bot.heartbeat_outcome(
            "agent:main:main", "blocked", "waiting for approval of the deploy", now=ago(minutes=20)
        )
    finally:
        bot.close()
    return path


def test_snapshot_states_and_fields(
    tmp_path: Path, snapshot_json: SnapshotRun, snapshot_keys: set[str], real_now: datetime
) -> None:
    path = agent_store(tmp_path / ".openclaw", real_now)
    code, rows, err = snapshot_json(tmp_path / ".openclaw")
    assert (code, err) == (0, "")
    assert SECRET not in repr(rows)
    by_id = {row["id"]: row for row in rows}
    chat = by_id[CHAT]
    assert set(chat) == snapshot_keys
    assert chat == chat | {
        "format": "openclaw",
        "store": str(path.resolve()),
        "name": "Calendar",
        "state": "idle",
        "reason": None,
        "messages": 4,
        "model": "claude-sonnet-4-6",
        "channel": "telegram",
        "user": "123",
        "agent": "main",
        "input_tokens": 1200,
        "output_tokens": 80,
        "cache_read_tokens": 9000,
        "cache_write_tokens": 300,
        "cost_usd": 0.0123,
        "cost_source": "recorded",
        "created_at": datetime.fromtimestamp(
            ms(real_now - timedelta(minutes=40)) / 1000, UTC
        ).isoformat(),
        "last_activity": datetime.fromtimestamp(
            ms(real_now - timedelta(minutes=30)) / 1000, UTC
        ).isoformat(),
    }
    states = {key.rsplit(":", 1)[-1]: (row["state"], row["reason"]) for key, row in by_id.items()}
    assert states == {
        "123": ("idle", None),
        "fresh": ("running", None),
        "stale": ("stuck", "stale-running"),
        "done": ("closed", None),
        "failed": ("error", None),
        "killed": ("closed", None),
        "timeout": ("error", None),
        "shelved": ("archived", "archived-running"),
        "main": ("waiting", None),
    }
    assert "3 hours" in by_id["agent:main:run:stale"]["evidence"]
    assert by_id["agent:main:main"]["evidence"] == "blocked: waiting for approval of the deploy"


async def test_transcript_cost_fallback_and_secrets(tmp_path: Path, real_now: datetime) -> None:
    path = agent_store(tmp_path, real_now)
    store = OpenClawStore(path)
    try:
        sessions = {s.id: s for s in (await store.refresh()).sessions}
        chat = sessions[CHAT]
        page = await store.read_messages(chat)
        assert [(m.role, m.kind) for m in page.messages] == [
            ("user", MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TOOL_CALL),
            (Role.TOOL, MessageKind.TOOL_RESULT),
            (Role.ASSISTANT, MessageKind.TEXT),
        ]
        assert [(c.id, c.name, c.arguments) for c in page.messages[1].tool_calls] == [
            ("call_1", "exec", '{"cmd": "gcal"}')
        ]
        assert [c.cost_usd for c in chat.recent_calls] == [0.01, 0.0023]
        # No estimatedCostUsd in the entry: the per-message usage.cost totals are the recorded cost.
        assert sessions["agent:main:run:fresh"].cost_usd is None
        bot = OpenClawAgentBot(path)
        bot.append(
            "w-fresh",
            message_record(assistant("ok", usage=(10, 5, 0, 0), cost=0.004), real_now),
            now=real_now,
        )
        bot.close()
        fresh = {s.id: s for s in (await store.refresh()).sessions}["agent:main:run:fresh"]
        assert (fresh.cost_usd, fresh.message_count) == (0.004, 2)
        newer = await store.read_new_messages(
            fresh, 2
        )  # seq 1 header, 2 the user's "go", 3 the reply
        assert ([m.text for m in newer.messages], newer.newer) == (["ok"], 3)
        with pytest.raises(StoreError, match="auth_profile_store.store_json is prohibited"):
            await store.db.fetchall("SELECT store_json FROM auth_profile_store")
    finally:
        await store.close()
