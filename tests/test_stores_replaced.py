"""A store file deleted, overwritten or swapped while we watch it: never shown as fresh.

An open SQLite connection goes on reading a deleted file's last contents; the store checks
that the file at its path is still the one it opened, and says so when it is not."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.stores.base import StoreError
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime.now(UTC) - timedelta(minutes=30)


def zeroclaw(db: Path, *keys: str) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    bot = ZeroClawSqliteBot(db)
    for key in keys:
        bot.append(key, "user", f"hello {key}", T0)
    bot.close()


async def ids(store: ZeroClawSqliteStore) -> set[str]:
    return {s.id for s in (await store.refresh()).sessions}


async def test_a_deleted_store_is_reported_gone(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a")
    store = ZeroClawSqliteStore(db)
    try:
        assert await ids(store) == {"gw_a"}
        os.unlink(db)
        with pytest.raises(StoreError, match="the file is gone"):
            await store.refresh()
    finally:
        await store.close()


async def test_a_store_overwritten_with_random_bytes_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a")
    store = ZeroClawSqliteStore(db)
    try:
        assert await ids(store) == {"gw_a"}
        garbage = db.with_name("garbage")
        garbage.write_bytes(os.urandom(8192))
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        os.replace(garbage, db)
        with pytest.raises(StoreError):
            await store.refresh()
    finally:
        await store.close()


async def test_a_store_replaced_by_another_database_is_read_anew(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a", "gw_b")
    store = ZeroClawSqliteStore(db)
    try:
        assert await ids(store) == {"gw_a", "gw_b"}
        other = tmp_path / "other" / "sessions.db"
        zeroclaw(other, "gw_new")
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        os.replace(other, db)
        assert await ids(store) == {"gw_new"}
    finally:
        await store.close()


async def test_dropped_tables_are_an_error_not_old_sessions(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a")
    store = ZeroClawSqliteStore(db)
    try:
        assert await ids(store) == {"gw_a"}
        conn = sqlite3.connect(db)
        conn.executescript("DROP TABLE session_metadata; DROP TABLE sessions;")
        conn.close()
        with pytest.raises(StoreError, match="no such table"):
            await store.refresh()
    finally:
        await store.close()


async def test_a_store_locked_at_start_is_listed_says_locked_and_is_read_when_the_lock_goes(
    tmp_path: Path,
) -> None:
    from sessiontui.stores import find_stores, open_stores

    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "PRAGMA journal_mode = DELETE"
    )  # a rollback-journal writer's exclusive lock blocks readers
    conn.execute("BEGIN EXCLUSIVE")
    try:
        found, errors = find_stores([db])
        assert errors == [] and [f.path for f in found] == [db.resolve()]
        (store,) = open_stores(found)
        with pytest.raises(StoreError, match="locked by another process"):
            await store.refresh()
    finally:
        conn.execute("COMMIT")
        conn.close()
    try:
        assert {s.id for s in (await store.refresh()).sessions} == {"gw_a"}
    finally:
        await store.close()


async def test_a_store_replaced_by_another_bots_database_is_detected_anew(tmp_path: Path) -> None:
    """A ZeroClaw sessions.db swapped for a Starpod database at the same path: the fleet reads
    it as the Starpod store it now is, never the old sessions and never a dead error."""
    from sessiontui.demo.bots import StarpodBot
    from sessiontui.demo.botschema import create_starpod_db
    from sessiontui.live.fleet import Fleet
    from sessiontui.model import StoreFormat
    from sessiontui.rules.state import Thresholds

    db = tmp_path / "zc" / "sessions.db"
    zeroclaw(db, "gw_a")
    fleet = Fleet(
        [ZeroClawSqliteStore(db)], clock=lambda: datetime.now(UTC), thresholds=Thresholds()
    )
    try:
        first = await fleet.refresh(full=True)
        assert [r.session.id for r in first.rows] == ["gw_a"]
        other = tmp_path / "sp" / "core.db"
        other.parent.mkdir()
        create_starpod_db(other)
        bot = StarpodBot(other)
        bot.create_session("sp-1", now=T0)
        bot.save_message("sp-1", "user", "hello from starpod", T0)
        bot.close()
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        os.replace(other, db)
        after = await fleet.refresh(full=True)
        assert [(r.session.format, r.session.id) for r in after.rows] == [
            (StoreFormat.STARPOD, "sp-1")
        ]
        (status,) = after.statuses
        assert status.format == "starpod" and status.error is None
        assert fleet.stores[0].format == StoreFormat.STARPOD
    finally:
        await fleet.close()
