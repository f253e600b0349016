"""The fleet classifies again only what could have changed, and still sees time cross a threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.live.fleet import Fleet
from sessiontui.model import SessionState
from sessiontui.rules.state import Thresholds
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_quiet_ticks_reuse_rows_and_thresholds_still_move_states(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    bot = ZeroClawSqliteBot(db)
    bot.append("gw_busy", "user", "hi", T0)
    bot.append("gw_busy", "assistant", "hello", T0 + timedelta(seconds=5))
    bot.append("gw_quiet", "user", "anyone?", T0 - timedelta(hours=3))
    bot.append("gw_quiet", "assistant", "yes", T0 - timedelta(hours=3))
    bot.close()
    clock = {"now": T0 + timedelta(seconds=30)}
    fleet = Fleet([ZeroClawSqliteStore(db)], clock=lambda: clock["now"], thresholds=Thresholds())
    try:
        first = await fleet.refresh(full=True)
        states = {r.session.id: r.verdict.state for r in first.rows}
        assert states == {"gw_busy": SessionState.RUNNING, "gw_quiet": SessionState.IDLE}

        clock["now"] += timedelta(seconds=10)  # nothing written, no threshold crossed
        second = await fleet.refresh()
        assert second.rows is first.rows

        clock["now"] = T0 + timedelta(minutes=3)  # past the 2-minute running window
        third = await fleet.refresh()
        assert third.rows is not first.rows
        states = {r.session.id: r.verdict.state for r in third.rows}
        assert states == {"gw_busy": SessionState.IDLE, "gw_quiet": SessionState.IDLE}
        quiet = [r for r in third.rows if r.session.id == "gw_quiet"]
        assert quiet[0] is next(r for r in first.rows if r.session.id == "gw_quiet")  # reused
    finally:
        await fleet.close()
