"""Edges of a first load: what a read keeps after it, and a row dated at the end of the calendar.

Real SQLite files written by the bots' impersonators (their exact DDL), nothing mocked.
"""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.demo.bots import StarpodBot
from sessiontui.demo.botschema import create_starpod_db
from sessiontui.demo.zeroclaw_bots import ZeroClawSqliteBot
from sessiontui.live.classified_rows import ClassifiedRows
from sessiontui.rules.state import Thresholds
from sessiontui.stores.starpod import StarpodStore
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SESSIONS = 64
LONG = 256 * 1024  # a long answer or a tool's output: a session keeps only a 300-character preview


def _long_text(store: str, n: int) -> str:
    """A text no other test reads (the cache is the process's: an equal text read before
    would be handed back, and nothing new allocated)."""
    return f"{store} answer {n}: " + "x" * LONG


async def _retained_after_reading(
    store_type: type[ZeroClawSqliteStore | StarpodStore], path: Path
) -> int:
    """Bytes still allocated once a store read the file, was closed and dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        store = store_type(path)
        try:
            sessions = (await store.refresh()).sessions
            assert len(sessions) == SESSIONS
            assert all(
                s.last_message is not None and len(s.last_message.preview) <= 300 for s in sessions
            )
        finally:
            await store.close()
        del store, sessions
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
        return retained
    finally:
        tracemalloc.stop()


async def test_zeroclaw_last_messages_are_not_kept_whole_after_the_store_is_gone(
    tmp_path: Path,
) -> None:
    """A session keeps only its last message's preview: the cache that keeps repeated texts once
    (an lru_cache of 8192 entries) must not hold whole long messages. Given each one, it held
    every long last message read (here 64 x 256 KiB = 16 MiB) for the life of the process, even
    after the store was closed: at 100k sessions up to 8192 whole messages, tool outputs
    included. The Starpod case below is the same through Starpod's own reader."""
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    try:
        for n in range(SESSIONS):
            bot.append(f"gw_{n}", "user", "go", NOW)
            bot.append(
                f"gw_{n}", "assistant", _long_text("zeroclaw", n), NOW + timedelta(seconds=1)
            )
    finally:
        bot.close()
    retained = await _retained_after_reading(ZeroClawSqliteStore, path)
    assert retained < 2 * 1024 * 1024, f"{retained / 2**20:.1f} MiB kept after the store is gone"


async def test_starpod_last_messages_are_not_kept_whole_after_the_store_is_gone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "core.db"
    create_starpod_db(path, now=NOW - timedelta(days=1))
    bot = StarpodBot(path)
    try:
        for n in range(SESSIONS):
            bot.create_session(f"s{n}", now=NOW)
            bot.save_message(f"s{n}", "user", "go", NOW)
            bot.save_message(
                f"s{n}", "assistant", _long_text("starpod", n), NOW + timedelta(seconds=1)
            )
    finally:
        bot.close()
    retained = await _retained_after_reading(StarpodStore, path)
    assert retained < 2 * 1024 * 1024, f"{retained / 2**20:.1f} MiB kept after the store is gone"


async def test_one_session_dated_year_9999_does_not_hide_the_others(tmp_path: Path) -> None:
    """A row dated at the end of the calendar (a bot's clock bug, a hand-edited row): its verdict's
    next deadline, `then + window`, is past `datetime.max`. `ClassifiedRows.update` raised
    OverflowError after it had noted the store's tuple, the next update found nothing pending, and
    no session of that store was ever listed; the deadline now stops at the end of the calendar."""
    path = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(path)
    try:
        bot.append("gw_ok", "user", "hello", NOW - timedelta(minutes=5))
        bot.append("gw_far", "user", "hello", datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    finally:
        bot.close()
    store = ZeroClawSqliteStore(path)
    try:
        sessions = (await store.refresh()).sessions
    finally:
        await store.close()
    book = ClassifiedRows(Thresholds())
    book.update([sessions], NOW)  # raised OverflowError, after noting the store's sessions
    assert {row.session.id for row in book.rows} == {"gw_ok", "gw_far"}
    assert not book.pending([sessions], NOW + timedelta(seconds=1))
