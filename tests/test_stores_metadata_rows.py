"""Polls read only what moved; what the activity timestamp does not show is still seen in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.model import Session
from sessiontui.stores.base import ReadReport
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime.now(UTC) - timedelta(minutes=30)


async def test_state_changes_renames_and_deletes_are_seen(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    for i in range(50):
        bot.append(f"gw_{i:02d}", "user", "hi", T0 + timedelta(seconds=i))
    store = ZeroClawSqliteStore(db)
    try:
        assert len((await store.refresh()).sessions) == 50

        def by_key(report: ReadReport) -> dict[str, Session]:
            return {s.id: s for s in report.sessions}

        bot.set_state(
            "gw_03", "running", "t1", T0 + timedelta(minutes=1)
        )  # last_activity unchanged
        assert by_key(await store.refresh())["gw_03"].native_state == "running"
        bot.set_state("gw_03", "idle", None, T0 + timedelta(minutes=2))  # seen: it was busy before
        assert by_key(await store.refresh())["gw_03"].native_state == "idle"

        bot.append(
            "gw_07", "assistant", "hello", datetime.now(UTC)
        )  # an append moves the watermark
        assert by_key(await store.refresh())["gw_07"].message_count == 2

        bot.conn.execute("DELETE FROM sessions WHERE session_key = 'gw_09'")  # delete_session
        bot.conn.execute("DELETE FROM session_metadata WHERE session_key = 'gw_09'")
        assert "gw_09" not in by_key(await store.refresh())  # the row count moved: full read

        bot.set_name("gw_11", "named")  # a rename alone moves nothing: seen at the next reconcile
        store.reconcile_next()
        assert by_key(await store.refresh())["gw_11"].name == "named"

        report = await store.refresh()  # nothing moved since: no work, and said so
        assert not report.changed
    finally:
        await store.close()
        bot.close()
