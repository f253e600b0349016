"""Starpod's SessionManager over core.db (store E, STORES.md 3): with and without
`is_archived`, and the legacy per-crate session.db."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRows

from sessiontui.demo.bots import StarpodBot
from sessiontui.demo.botschema import create_starpod_db, create_starpod_legacy_db
from sessiontui.model import MessageKind, Role
from sessiontui.stores.starpod import StarpodStore

SID = "0b6f5a3e-8c1d-4f2a-9e7b-3d5c6a1b2f40"
SCHEMAS: dict[str, Callable[[Path], Path]] = {
    "core.db": lambda p: create_starpod_db(p),
    "core.db v0.3.1 (no is_archived)": lambda p: create_starpod_db(p, archived_column=False),
    "legacy session.db": create_starpod_legacy_db,
}
FILE_NAMES = {
    "core.db": "core.db",
    "core.db v0.3.1 (no is_archived)": "core.db",
    "legacy session.db": "session.db",
}


def conversation(bot: StarpodBot, at: datetime) -> None:
    """One telegram chat request as Starpod records it: messages, a tool round trip, and the
    agent-sdk Result's usage (recorded cost) at the end of each request."""
    bot.create_session(SID, channel="telegram", channel_session_key="123456789", now=at)
    bot.save_message(SID, "user", "What is on my calendar today?", now=at)
    bot.save_tool_use(
        SID, "toolu_01", "Bash", {"command": "gcal today"}, now=at + timedelta(seconds=2)
    )
    bot.save_tool_result(SID, "toolu_01", "09:00 standup\n" * 60, now=at + timedelta(seconds=3))
    bot.save_message(SID, "assistant", "Standup at 09:00.", now=at + timedelta(seconds=5))
    bot.touch_session(SID, now=at + timedelta(seconds=5))
    # cost_usd as the agent-sdk recorded it: used as is, never recomputed.
    bot.record_usage(
        SID,
        turn=2,
        input_tokens=12,
        output_tokens=340,
        cache_read=18_000,
        cache_write=2_100,
        model="claude-sonnet-4-6",
        cost_usd=0.0164,
        now=at + timedelta(seconds=5),
    )
    bot.save_message(SID, "user", "Thanks", now=at + timedelta(seconds=60))
    bot.save_message(SID, "assistant", "Anything else?", now=at + timedelta(seconds=62))
    bot.touch_session(SID, now=at + timedelta(seconds=62))
    bot.record_usage(
        SID,
        turn=1,
        input_tokens=30,
        output_tokens=8,
        cache_read=20_000,
        cache_write=0,
        model="claude-sonnet-4-6",
        cost_usd=0.0021,
        now=at + timedelta(seconds=62),
    )


@pytest.mark.parametrize("schema", list(SCHEMAS))
def test_snapshot(
    tmp_path: Path,
    schema: str,
    snapshot_rows: SnapshotRows,
    snapshot_keys: set[str],
    real_now: datetime,
) -> None:
    path = SCHEMAS[schema](tmp_path / "project" / ".starpod" / "db" / FILE_NAMES[schema])
    at = (real_now - timedelta(minutes=30)).replace(microsecond=250_000)
    bot = StarpodBot(path)
    try:
        conversation(bot, at)
        bot.create_session("closed-one", now=at)
        bot.close_session("closed-one", "Auto-closed: inactivity")
        if schema == "core.db":
            bot.create_session("archived-one", now=at)
            bot.archive("archived-one")
    finally:
        bot.close()

    rows = snapshot_rows(tmp_path / "project")
    row = rows[SID]
    assert set(row) == snapshot_keys
    assert row == row | {
        "format": "starpod",
        "store": str(path.resolve()),
        "name": "What is on my calendar today?",  # the title Starpod took from the first message
        "state": "waiting",  # the assistant's last words were a question, 29 min ago
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S") + ".250000+00:00",
        "last_activity": (at + timedelta(seconds=62)).strftime("%Y-%m-%dT%H:%M:%S")
        + ".250000+00:00",
        "messages": 6,  # session_messages rows
        "turns": 2,  # message_count: touch_session once per chat request
        "model": "claude-sonnet-4-6",
        "channel": "telegram",
        "user": "admin",
        "input_tokens": 12 + 30,
        "output_tokens": 340 + 8,
        "cache_read_tokens": 18_000 + 20_000,
        "cache_write_tokens": 2_100,
        "cost_source": "recorded",
    }
    assert row["cost_usd"] == pytest.approx(0.0164 + 0.0021)
    assert rows["closed-one"]["state"] == "closed"
    assert (rows["closed-one"]["cost_usd"], rows["closed-one"]["cost_source"]) == (None, None)
    if schema == "core.db":
        assert rows["archived-one"]["state"] == "archived"


async def test_tool_messages_decoded(tmp_path: Path, real_now: datetime) -> None:
    path = create_starpod_db(tmp_path / "core.db")
    bot = StarpodBot(path)
    conversation(bot, real_now)
    bot.close()
    store = StarpodStore(path)
    try:
        (session,) = (await store.refresh()).sessions
        page = await store.read_messages(session)
        kinds = [(m.role, m.kind) for m in page.messages]
        assert kinds == [
            ("user", MessageKind.TEXT),
            (Role.ASSISTANT, MessageKind.TOOL_CALL),
            (Role.TOOL, MessageKind.TOOL_RESULT),
            ("assistant", MessageKind.TEXT),
            ("user", MessageKind.TEXT),
            ("assistant", MessageKind.TEXT),
        ]
        call, result = page.messages[1], page.messages[2]
        assert [(c.id, c.name, c.arguments) for c in call.tool_calls] == [
            ("toolu_01", "Bash", '{"command": "gcal today"}')
        ]
        assert result.tool_result is not None
        assert (result.tool_result.tool_call_id, result.tool_result.is_error) == ("toolu_01", False)
        assert result.text.startswith("09:00 standup") and result.text.endswith(
            "..."
        )  # 500-byte preview
        assert len(result.text.encode()) == 503
        assert page.messages[0].at == real_now

        paged = await store.read_messages(session, limit=4)
        assert len(paged.messages) == 4 and paged.older is not None
        rest = await store.read_messages(session, before=paged.older, limit=4)
        assert [m.text for m in rest.messages + paged.messages] == [m.text for m in page.messages]
    finally:
        await store.close()


async def test_incremental_usage_and_deletes(tmp_path: Path, real_now: datetime) -> None:
    path = create_starpod_db(tmp_path / "core.db")
    bot = StarpodBot(path)
    store = StarpodStore(path)
    try:
        conversation(bot, real_now - timedelta(minutes=10))
        first = (await store.refresh()).sessions[0]
        assert first.cost_usd == pytest.approx(0.0185)
        assert (await store.refresh()).changed is False

        bot.save_message(SID, "user", "One more", now=real_now)
        bot.touch_session(SID, now=real_now)
        bot.record_usage(
            SID,
            turn=1,
            input_tokens=5,
            output_tokens=5,
            cache_read=0,
            cache_write=0,
            model="claude-opus-4-6",
            cost_usd=0.5,
        )
        report = await store.refresh()
        (session,) = report.sessions
        assert report.changed
        assert session.cost_usd == pytest.approx(0.5185)
        assert session.usage is not None and session.usage.input_tokens == 47
        assert (session.message_count, session.turns, session.model) == (7, 3, "claude-opus-4-6")
        assert session.last_message is not None and session.last_message.preview == "One more"
        assert [c.cost_usd for c in session.recent_calls] == [0.0164, 0.0021, 0.5]
        assert sum(cost for _, cost in session.daily_cost) == pytest.approx(0.5185)

        # Deleting a session (foreign_keys=ON cascades to its messages).
        bot.conn.execute("DELETE FROM session_metadata WHERE id = ?1", (SID,))
        assert (await store.refresh()).sessions == ()
    finally:
        await store.close()
        bot.close()


def test_is_archived_column_really_absent(tmp_path: Path) -> None:
    """The fixtures above do cover the old files (so the store's optional columns matter)."""
    for name, make in SCHEMAS.items():
        path = make(tmp_path / name.replace(" ", "_"))
        with sqlite3.connect(path) as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(session_metadata)")}
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        conn.close()
        assert ("is_archived" in columns) == (name == "core.db")
        assert "_sqlx_migrations" in tables and "session_messages" in tables
