"""A read of a bot's SQLite store that fails midway takes nothing as read (`SqliteTranscriptStore.
refresh`): the next read after RETRY_SECONDS gives what a fresh read of the file gives, though
no commit happened since, and the error stays raised until then without the file being read.

The stores and files are real (the bots' DDL, written by the demo bots); the fault is one query
that fails once with SQLite's "database is locked", at the point a real lock would stop it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sessiontui.demo.bots import StarpodBot, ZeroClawSqliteBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.live.fleet import Fleet
from sessiontui.live.process_links import ProcessWatch
from sessiontui.model import Session
from sessiontui.rules.state import Thresholds
from sessiontui.stores import sqlite_store
from sessiontui.stores.base import StoreError
from sessiontui.stores.starpod import StarpodStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
Store = StarpodStore | ZeroClawSqliteStore


def fail_once(store: Store, failing: str) -> list[str]:
    """The store's next query whose SQL contains `failing` raises as a lock would; the queries
    the store makes are listed in the list returned."""
    real = store.db.fetchall
    asked: list[str] = []
    armed = [True]

    async def fetchall(sql: str, params: Any = ()) -> Any:
        asked.append(sql)
        if armed[0] and failing in sql:
            armed[0] = False
            raise StoreError(f"{store.path}: database is locked")
        return await real(sql, params)

    store.db.fetchall = fetchall  # type: ignore[method-assign]
    return asked


async def fresh(store_type: type[Store], path: Path) -> dict[str, Session]:
    store = store_type(path)
    try:
        return {s.id: s for s in (await store.refresh()).sessions}
    finally:
        await store.close()


async def read(store: Store) -> dict[str, Session]:
    return {s.id: s for s in (await store.refresh()).sessions}


async def assert_failed_read_is_read_again(
    store: Store, path: Path, failing: str, write: Callable[[], None], monkeypatch: Any
) -> None:
    await read(store)
    write()
    asked = fail_once(store, failing)
    with pytest.raises(StoreError, match="locked"):
        await read(store)
    assert any(failing in sql for sql in asked)  # the fault was met midway, not before
    asked.clear()
    with pytest.raises(StoreError, match="locked"):  # too soon: the error stands, no read
        await read(store)
    assert asked == []
    monkeypatch.setattr(sqlite_store, "RETRY_SECONDS", 0.0)
    assert await read(store) == await fresh(type(store), path)  # no commit since the fault
    assert await read(store) == await fresh(type(store), path)  # and idle again after it


async def test_zeroclaw_read_failing_after_its_metadata_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    store = ZeroClawSqliteStore(path)
    for n in range(5):
        bot.append(f"gw_{n}", "user", "hello", NOW)

    def write() -> None:
        bot.append("gw_1", "assistant", "an answer", NOW + timedelta(seconds=5))
        bot.append("gw_9", "user", "a new session", NOW + timedelta(seconds=6))

    try:
        await assert_failed_read_is_read_again(store, path, "MAX(id)", write, monkeypatch)
        sessions = await read(store)
        assert sessions["gw_9"].turns == 1
        assert sessions["gw_1"].last_message is not None
        assert sessions["gw_1"].last_message.preview == "an answer"
    finally:
        await store.close()
        bot.close()


async def test_starpod_read_failing_after_its_messages_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usage read fails after the message counts and cursor moved: kept, the new messages
    of the session would never be counted again."""
    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=1))
    bot = StarpodBot(path)
    store = StarpodStore(path)
    for n in range(5):
        bot.create_session(f"s{n}", now=NOW)
        bot.save_message(f"s{n}", "user", "hello", NOW)
        bot.touch_session(f"s{n}", NOW)

    def write() -> None:
        at = NOW + timedelta(seconds=5)
        bot.save_message("s1", "assistant", "an answer", at)
        bot.touch_session("s1", at)
        bot.record_usage(
            "s1", turn=1, input_tokens=100, output_tokens=20, cache_read=0, cache_write=0,
            model="claude-sonnet-4-5", now=at,
        )  # fmt: skip

    try:
        await assert_failed_read_is_read_again(store, path, "FROM usage_stats", write, monkeypatch)
        sessions = await read(store)
        assert sessions["s1"].message_count == 2
        assert sessions["s1"].usage is not None and sessions["s1"].usage.input_tokens == 100
    finally:
        await store.close()
        bot.close()


async def test_the_dashboard_keeps_the_error_shown_until_the_store_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the fleet (what the dashboard shows): the failed store keeps its sessions and its
    error on every poll until the read again brings the session it had missed."""
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    for n in range(3):
        bot.append(f"gw_{n}", "user", "hello", NOW)
    store = ZeroClawSqliteStore(path)
    fleet = Fleet([store], clock=lambda: NOW, thresholds=Thresholds(), processes=ProcessWatch())
    try:
        first = await fleet.refresh(full=True)
        assert (len(first.rows), first.statuses[0].error) == (3, None)
        bot.append("gw_7", "user", "a new session", NOW + timedelta(seconds=1))
        fail_once(store, "MAX(id)")
        for _ in range(3):
            polled = await fleet.refresh()
            assert len(polled.rows) == 3
            assert "database is locked" in (polled.statuses[0].error or "")
        monkeypatch.setattr(sqlite_store, "RETRY_SECONDS", 0.0)
        again = await fleet.refresh()
        assert again.statuses[0].error is None
        assert sorted(row.session.id for row in again.rows) == ["gw_0", "gw_1", "gw_2", "gw_7"]
    finally:
        await store.close()
        bot.close()
