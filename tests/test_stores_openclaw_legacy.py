"""OpenClaw's legacy store (STORES.md 4.2): sessions.json + <sessionId>.jsonl, tombstones counted
on the store line, and left alone once the agent's SQLite store exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fixture_types import SnapshotRows

from sessiontui.demo.openclaw_bot import (
    OpenClawLegacyBot,
    assistant,
    header,
    message_record,
    ms,
    tool_result,
    user,
)
from sessiontui.demo.openclaw_schema import create_openclaw_db
from sessiontui.model import MessageKind, Role
from sessiontui.stores.openclaw_legacy import OpenClawLegacyStore

CHAT = "agent:main:telegram:dm:123"


def legacy_store(root: Path, now: datetime) -> Path:
    bot = OpenClawLegacyBot(root / "agents" / "main" / "sessions")

    def ago(**kw: float) -> datetime:
        return now - timedelta(**kw)

    bot.write_entry(
        CHAT,
        {
            "sessionId": "s-chat",
            "updatedAt": ms(ago(minutes=30)),
            "label": "Calendar",
            "sessionStartedAt": ms(ago(minutes=40)),
            "chatType": "direct",
            "model": "claude-sonnet-4-6",
            "inputTokens": 1200,
            "outputTokens": 80,
            "cacheRead": 9000,
            "cacheWrite": 300,
        },
    )
    bot.append("s-chat", header("s-chat", ago(minutes=40)))
    bot.append("s-chat", message_record(user("What is on today?"), ago(minutes=32)))
    bot.append(
        "s-chat",
        message_record(
            assistant(tool=("c1", "exec", {"cmd": "gcal"}), usage=(1000, 40, 9000, 300), cost=0.01),
            ago(minutes=31),
        ),
    )
    bot.append(
        "s-chat", message_record(tool_result("c1", "exec", "09:00 standup"), ago(minutes=31))
    )
    bot.append(
        "s-chat",
        message_record(
            assistant("Standup at 09:00.", usage=(200, 40, 0, 0), cost=0.0023), ago(minutes=30)
        ),
    )
    with open(bot.directory / "s-chat.jsonl", "ab") as handle:
        handle.write(
            b"{not json\n" + b'{"type": "message", "message": {"role": "user", "content": "half'
        )
    for key, sid, status in (
        ("agent:main:run:stale", "s-stale", "running"),
        ("agent:main:run:done", "s-done", "done"),
    ):
        bot.write_entry(
            key,
            {
                "sessionId": sid,
                "updatedAt": ms(ago(hours=3)),
                "status": status,
                "sessionStartedAt": ms(ago(hours=4)),
                "lastActivityAt": ms(ago(hours=3)),
            },
        )
        bot.append(sid, message_record(user("go"), ago(hours=3)))
    for sid, kind in (("s-old", "deleted"), ("s-older", "reset")):
        bot.append(sid, message_record(user("x" * 1000), ago(days=3)))
        bot.tombstone(sid, kind, ago(days=2))
    return bot.index


def test_legacy_snapshot(
    tmp_path: Path, snapshot_rows: SnapshotRows, snapshot_keys: set[str]
) -> None:
    now = datetime.now(UTC)
    index = legacy_store(tmp_path / ".openclaw", now)
    rows = snapshot_rows(tmp_path / ".openclaw")
    chat = rows[CHAT]
    assert set(chat) == snapshot_keys
    assert chat == chat | {
        "format": "openclaw-legacy",
        "store": str(index.resolve()),
        "name": "Calendar",
        "state": "idle",
        "messages": 4,
        "input_tokens": 1200,
        "cache_read_tokens": 9000,
        "agent": "main",
        "cost_source": "recorded",
        "transcript": str(index.parent.resolve() / "s-chat.jsonl"),
    }
    assert chat["cost_usd"] == 0.0123  # no estimatedCostUsd: the per-message usage.cost totals
    assert {k: (r["state"], r["reason"]) for k, r in rows.items()} == {
        CHAT: ("idle", None),
        "agent:main:run:stale": ("stuck", "stale-running"),
        "agent:main:run:done": ("closed", None),
    }


async def test_legacy_transcript_and_tombstones(tmp_path: Path) -> None:
    index = legacy_store(tmp_path / ".openclaw", datetime.now(UTC))
    store = OpenClawLegacyStore(index)
    report = await store.refresh()
    assert report.skipped_lines == 1  # the corrupt line; the half-written last line is not counted
    note = report.note
    assert note.startswith("2 deleted/reset transcript files kept beside it (2.") and "kB" in note
    session = {s.id: s for s in report.sessions}[CHAT]
    page = await store.read_messages(session)
    assert [(m.role, m.kind) for m in page.messages] == [
        ("user", MessageKind.TEXT),
        (Role.ASSISTANT, MessageKind.TOOL_CALL),
        (Role.TOOL, MessageKind.TOOL_RESULT),
        (Role.ASSISTANT, MessageKind.TEXT),
    ]
    assert (await store.refresh()).changed is False


def test_sqlite_store_supersedes_the_legacy_files(
    tmp_path: Path, snapshot_rows: SnapshotRows
) -> None:
    legacy_store(tmp_path / ".openclaw", datetime.now(UTC))
    create_openclaw_db(
        tmp_path / ".openclaw" / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    )
    assert snapshot_rows(tmp_path / ".openclaw") == {}  # the (empty) SQLite store is the authority
