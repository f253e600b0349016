"""An update that changed most rows (a store's full read) shows the table first; the summary bar
and the unseen marks count every row after that frame, and end as a full count of the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pilot_wait import until

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.live.fleet_summary import summarize
from sessiontui.screens import dashboard
from sessiontui.screens.dashboard import DashboardScreen
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.summary_bar import SummaryBar

T = datetime.now(UTC)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def store_of(db: Path, sessions: int) -> None:
    bot = ZeroClawSqliteBot(db)
    try:
        for i in range(sessions):  # some replied to (finished), some waiting on the bot
            bot.append(f"gw_{i}", "user", f"question {i}", now=T - timedelta(minutes=90 - i))
            if i % 3:
                bot.append(f"gw_{i}", "assistant", "answer", now=T - timedelta(minutes=89 - i))
    finally:
        bot.close()


async def test_a_sweeping_update_counts_after_its_frame_as_a_full_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "SWEEP_ROWS", 0)  # every first read sweeps (100k's path)
    db = tmp_path / "zeroclaw" / "sessions.db"
    store_of(db, 40)
    found, _ = find_stores([db])
    app = make_app(Config(refresh_seconds=0.1), found=found, clock=lambda: T)
    app.seen.since = T - timedelta(days=1)  # remembering began before every session finished
    counted: list[Any] = []
    original = DashboardScreen._show_counts

    def spy(self: DashboardScreen) -> None:
        bar, table = self.query_one(SummaryBar), self.query_one(SessionTable)
        before = bar.summary  # what the frame before showed
        original(self)
        latest = app.latest
        assert latest is not None
        counted.append((before, bar.summary, table.unseen, latest.rows, latest.now))

    monkeypatch.setattr(DashboardScreen, "_show_counts", spy)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: counted, "the counts after a frame")
    before, summary, unseen, rows, now = counted[0]
    assert before is None  # the table's frame went out before the first count
    assert summary == summarize(rows, now)
    assert unseen == app.seen.unseen(rows) and len(unseen) > 10
