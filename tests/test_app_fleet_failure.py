"""A fleet that fails outside one store's read: a banner names the error, the last data stays,
the traceback goes to the log in the state directory, and the fleet starts again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pilot_wait import screen_text, until

from sessiontui.app import SessionTuiApp, make_app
from sessiontui.config import Config
from sessiontui.demo.bots import ZeroClawSqliteBot
from sessiontui.stores.base import ReadReport
from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore
from sessiontui.widgets.session_table import SessionTable


class NaiveClockStore(ZeroClawSqliteStore):
    """The real ZeroClaw store, whose sessions once carry a time without a zone while `poisoned`:
    the store's own read succeeds, and classifying its sessions raises TypeError in the fleet."""

    poisoned = False

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        report = await super().refresh(changed_paths)
        if not self.poisoned:
            return report
        naive = tuple(replace(s, last_activity=datetime(2026, 1, 1)) for s in report.sessions)
        return replace(report, sessions=naive, changed=True)


async def test_a_crashed_fleet_shows_a_banner_logs_and_recovers(tmp_path: Path) -> None:
    db = tmp_path / "zc" / "sessions.db"
    db.parent.mkdir()
    bot = ZeroClawSqliteBot(db)
    start = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(3):
        bot.append(f"gw_{i}", "user", f"hello {i}", start + timedelta(seconds=i))
    bot.close()
    store = NaiveClockStore(db)
    app = make_app(Config(refresh_seconds=0.1), stores=[store])
    assert isinstance(app, SessionTuiApp)
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.screen.query_one(SessionTable)
        await until(pilot, lambda: table.total_count == 3, "the three sessions")
        store.poisoned = True
        await until(pilot, lambda: app.fleet_error is not None, "the fleet to fail")
        await until(pilot, lambda: "Reading the stores failed" in screen_text(app), "the banner")
        text = screen_text(app)
        assert "TypeError" in text and "stale" in text
        assert table.total_count == 3  # the last data is still shown
        assert app.fleet_error is not None
        log = Path(app.fleet_error.log_path or "")
        assert log.is_file() and "TypeError" in log.read_text(encoding="utf-8")
        assert log.stat().st_mode & 0o077 == 0
        store.poisoned = False
        await until(pilot, lambda: app.fleet_error is None, "the fleet to start again", timeout=15)
        await until(
            pilot, lambda: "Reading the stores failed" not in screen_text(app), "the banner to go"
        )
        assert table.total_count == 3
        await pilot.press("j")  # and it still answers keys
        assert app.is_running
