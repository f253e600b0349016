"""Hermes Agent in the dashboard: rows the bot's pickers hide are left out until H, and a
compression lineage is one row whose detail names every session of the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pilot_wait import screen_text, until
from test_app_actions import SIZE, open_app, show_only, table
from test_stores_hermes_agent import fleet

from sessiontui.demo.hermes_agent_bot import HermesAgentBot
from sessiontui.screens.detail import SessionDetailScreen


async def test_hidden_rows_toggle_and_lineage_detail(tmp_path: Path) -> None:
    bot = HermesAgentBot(tmp_path / ".hermes" / "state.db")
    fleet(bot, datetime.now(UTC))
    bot.close()
    app, _ = open_app(tmp_path / ".hermes")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).total_count == 9, "the sessions to load")
        assert table(app).row_count == 9 and table(app).hidden_count == 1  # sub-1: a subagent run
        assert "sub-1" not in screen_text(app) and "1 hidden: H shows them" in screen_text(app)
        await pilot.press("H")
        await until(pilot, lambda: table(app).row_count == 10, "the hidden row to show")
        assert "hidden ones shown" in screen_text(app)
        await pilot.press("H")
        await until(pilot, lambda: table(app).row_count == 9, "the hidden row to go again")
        await show_only(pilot, app, "Refactor parser")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail screen")
        await until(
            pilot, lambda: "root → c1 → tip" in screen_text(app), "the lineage in the detail"
        )
