"""ZeroClaw's SQLite session backend (store D, STORES.md 2.5) at every schema stage 1..6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_types import SnapshotRows

from sessiontui.demo.botschema import ZEROCLAW_STAGES
from sessiontui.demo.zeroclaw_bots import (
    INTERRUPTED_MARKER,
    ZeroClawSqliteBot,
    channel_user_content,
    tool_call_content,
    tool_result_content,
)
from sessiontui.model import MessageKind
from sessiontui.stores import sqlite_store, zeroclaw_sqlite
from sessiontui.stores.base import StoreError
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime(2025, 6, 1, 9, 30, 0, 123456, tzinfo=UTC)
KEY = "telegram_123456789"


def fill(bot: ZeroClawSqliteBot, stage: int, now: datetime) -> None:
    """What the daemon writes at this stage: a channel chat, and the gateway's state machine."""
    bot.append(KEY, "user", channel_user_content("what's in my home dir?", T0), now=T0)
    bot.append(
        KEY,
        "assistant",
        tool_call_content([("call_1", "shell", {"command": "ls"})]),
        now=T0 + timedelta(seconds=2),
    )
    bot.append(
        KEY, "tool", tool_result_content("call_1", "a.txt\nb.txt"), now=T0 + timedelta(seconds=3)
    )
    bot.append(
        KEY,
        "assistant",
        "You have a.txt and b.txt.",
        now=T0 + timedelta(seconds=5, microseconds=500000),
    )
    if stage >= 2:
        bot.set_name(KEY, "Home dir")
    if stage >= 5:
        bot.set_context(KEY, "telegram.main", "123456789", "alice", now=T0)
        bot.set_agent_alias(KEY, "clamps", now=T0)
    started = now - timedelta(minutes=25)
    bot.append("gw_run", "user", "build the report", now=started)
    bot.append("gw_err", "user", "do it", now=started)
    if stage >= 3:
        bot.set_state("gw_run", "running", "turn-1", now=started)
        bot.set_state("gw_err", "error", "turn-2", now=started)


@pytest.mark.parametrize("stage", sorted(ZEROCLAW_STAGES))
def test_every_schema_stage_through_snapshot(
    tmp_path: Path,
    stage: int,
    snapshot_rows: SnapshotRows,
    snapshot_keys: set[str],
    real_now: datetime,
) -> None:
    path = tmp_path / "data" / "sessions" / "sessions.db"
    path.parent.mkdir(parents=True)
    bot = ZeroClawSqliteBot(path, stage)
    try:
        fill(bot, stage, real_now)
    finally:
        bot.close()

    rows = snapshot_rows(tmp_path / "data")
    assert set(rows) == {KEY, "gw_run", "gw_err"}
    chat = rows[KEY]
    assert set(chat) == snapshot_keys
    assert chat == chat | {
        "format": "zeroclaw-sqlite",
        "store": str(path.resolve()),
        "name": "Home dir" if stage >= 2 else KEY,
        "state": "idle",
        "created_at": "2025-06-01T09:30:00.123456+00:00",
        "last_activity": "2025-06-01T09:30:05.623456+00:00",
        "messages": 4,  # session_metadata.message_count
        "turns": 1,  # user turns: tool results are not turns
        "model": None,  # ZeroClaw keeps no usage in its session store
        "input_tokens": None,
        "output_tokens": None,
        "cache_read_tokens": None,
        "cache_write_tokens": None,
        "cost_usd": None,
        "cost_source": None,
        "channel": "telegram.main" if stage >= 5 else None,
        "user": "alice" if stage >= 5 else None,
        "agent": "clamps" if stage >= 5 else None,
    }
    if stage >= 3:
        assert (rows["gw_run"]["state"], rows["gw_run"]["reason"]) == ("stuck", "turn-running")
        assert rows["gw_err"]["state"] == "error"
    else:  # no state columns: an unanswered user message is what gives it away
        assert (rows["gw_run"]["state"], rows["gw_run"]["reason"]) == ("stuck", "unanswered")


async def test_transcript_decodes_tool_calls_in_content(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    fill(bot, 6, datetime.now(UTC))
    bot.close()
    store = ZeroClawSqliteStore(tmp_path / "sessions.db")
    try:
        chat = {s.id: s for s in (await store.refresh()).sessions}[KEY]
        page = await store.read_messages(chat)
        user, call, result, answer = page.messages
        assert (user.kind, user.at) == (MessageKind.TEXT, T0)
        assert call.kind == MessageKind.TOOL_CALL
        assert [(c.id, c.name, c.arguments) for c in call.tool_calls] == [
            ("call_1", "shell", '{"command":"ls"}')
        ]
        assert result.kind == MessageKind.TOOL_RESULT and result.tool_result is not None
        assert (result.tool_result.tool_call_id, result.text) == ("call_1", "a.txt\nb.txt")
        assert answer.text == "You have a.txt and b.txt."
        assert page.older is None

        first_two = await store.read_messages(chat, limit=2)
        assert [m.kind for m in first_two.messages] == [MessageKind.TOOL_RESULT, MessageKind.TEXT]
        earlier = await store.read_messages(chat, before=first_two.older, limit=2)
        assert [m.kind for m in earlier.messages] == [MessageKind.TEXT, MessageKind.TOOL_CALL]

        writer = ZeroClawSqliteBot(tmp_path / "sessions.db")
        writer.append(KEY, "user", "thanks")
        writer.close()
        new = await store.read_new_messages(chat, page.newer)
        assert [m.text for m in new.messages] == ["thanks"]
    finally:
        await store.close()


async def test_incremental_refresh(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    store = ZeroClawSqliteStore(tmp_path / "sessions.db")
    try:
        bot.append("a", "user", "one")
        bot.append("b", "user", "two")
        first = await store.refresh()
        assert {s.id: s.turns for s in first.sessions} == {"a": 1, "b": 1}
        assert (await store.refresh()).changed is False  # data_version unchanged

        bot.append("a", "assistant", "Shall I go on?")
        bot.append("a", "user", "[Tool results]\nok")  # prompt-mode tool results: not a turn
        bot.append("a", "user", "yes")
        report = await store.refresh()
        assert report.changed
        a = {s.id: s for s in report.sessions}["a"]
        assert (a.message_count, a.turns) == (4, 2)
        assert a.last_message is not None and a.last_message.preview == "yes"

        bot.update_last("a", "user", "yes please")  # streamed edit of the last row
        a = {s.id: s for s in (await store.refresh()).sessions}["a"]
        assert a.last_message is not None and a.last_message.preview == "yes please"
    finally:
        await store.close()
        bot.close()


async def test_deleted_and_recreated_session_counts_afresh(tmp_path: Path) -> None:
    """Channel `/new` deletes the session; the next message re-creates the same key."""
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    store = ZeroClawSqliteStore(tmp_path / "sessions.db")
    try:
        for text in ("one", "two", "three"):
            bot.append(KEY, "user", text)
        assert (await store.refresh()).sessions[0].turns == 3

        bot.conn.execute("DELETE FROM sessions WHERE session_key = ?1", (KEY,))  # delete_session
        bot.conn.execute("DELETE FROM session_metadata WHERE session_key = ?1", (KEY,))
        assert (await store.refresh()).sessions == ()
        bot.append(KEY, "user", "fresh start")
        (again,) = (await store.refresh()).sessions
        assert (again.message_count, again.turns) == (1, 1)

        # Deleted and re-created between two refreshes, with more messages than before.
        bot.conn.execute("DELETE FROM sessions WHERE session_key = ?1", (KEY,))
        bot.conn.execute("DELETE FROM session_metadata WHERE session_key = ?1", (KEY,))
        for text in ("a", "b", "c", "d"):
            bot.append(KEY, "user", text, now=datetime.now(UTC) + timedelta(seconds=1))
        (again,) = (await store.refresh()).sessions
        assert (again.message_count, again.turns) == (4, 4)
    finally:
        await store.close()
        bot.close()


async def test_cleared_session_counts_again(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    store = ZeroClawSqliteStore(tmp_path / "sessions.db")
    try:
        for text in ("one", "two"):
            bot.append(KEY, "user", text)
        await store.refresh()
        # clear_messages: rows go, the metadata row (and its name) stays with count 0.
        bot.conn.execute("DELETE FROM sessions WHERE session_key = ?1", (KEY,))
        bot.conn.execute(
            "UPDATE session_metadata SET message_count = 0, last_activity = ?1 WHERE session_key = ?2",
            (datetime.now(UTC).isoformat(), KEY),
        )
        (cleared,) = (await store.refresh()).sessions
        assert (cleared.message_count, cleared.turns, cleared.last_message) == (0, 0, None)
    finally:
        await store.close()
        bot.close()


async def test_interrupted_marker_and_zero_message_rows(tmp_path: Path) -> None:
    bot = ZeroClawSqliteBot(tmp_path / "sessions.db")
    bot.append(KEY, "user", "hello")
    bot.append(KEY, "assistant", INTERRUPTED_MARKER)
    bot.set_agent_alias("gw_connected_only", "clamps")  # a WebSocket connect: 0 messages
    bot.close()
    store = ZeroClawSqliteStore(tmp_path / "sessions.db")
    try:
        by_id = {s.id: s for s in (await store.refresh()).sessions}
        last = by_id[KEY].last_message
        assert last is not None and last.interrupted
        empty = by_id["gw_connected_only"]
        assert (empty.message_count, empty.turns, empty.last_message, empty.agent) == (
            0,
            0,
            None,
            "clamps",
        )
    finally:
        await store.close()


async def test_a_read_that_fails_raises_only_once_its_turn_count_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last messages are made into objects while the user turns are counted: when making
    them fails, the refresh raises only after the count ended (a count still going would race
    the next read's, which starts over, and count the same rows twice)."""
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    for n in range(3):
        bot.append(f"gw_{n}", "user", "hi", T0)
    bot.close()
    readable = zeroclaw_sqlite._last_messages

    def unreadable(rows: object, keys: object) -> object:
        raise StoreError("a last message could not be read")

    monkeypatch.setattr(zeroclaw_sqlite, "_last_messages", unreadable)
    store = ZeroClawSqliteStore(path)
    try:
        with pytest.raises(StoreError):
            await store.refresh()
        monkeypatch.setattr(zeroclaw_sqlite, "_last_messages", readable)
        monkeypatch.setattr(sqlite_store, "RETRY_SECONDS", 0.0)
        sessions = (await store.refresh()).sessions
        assert sorted(s.turns or 0 for s in sessions) == [1, 1, 1]
    finally:
        await store.close()
