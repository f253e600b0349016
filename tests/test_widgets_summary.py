"""SummaryBar: counts per state and today's totals, coloured by state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from sessiontui.live.fleet_summary import summarize
from sessiontui.model import (
    CostSource,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.widgets.summary_bar import SummaryBar

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def row(
    i: int, state: SessionState, hours_ago: float, cost: float | None, source: CostSource | None
) -> SessionRow:
    session = Session(
        StoreFormat.STARPOD,
        "/data/starpod.db",
        f"s{i}",
        f"n{i}",
        last_activity=NOW - timedelta(hours=hours_ago),
        usage=Usage(input_tokens=1000, output_tokens=500),
        cost_usd=cost,
        cost_source=source,
    )
    return SessionRow(session, Verdict(state))


ROWS = [
    row(1, SessionState.RUNNING, 1, 0.25, CostSource.RECORDED),
    row(2, SessionState.RUNNING, 2, 0.5, CostSource.COMPUTED),
    row(3, SessionState.STUCK, 3, None, CostSource.UNKNOWN),
    row(4, SessionState.IDLE, 30, 9.0, CostSource.COMPUTED),  # yesterday: not in today's totals
]


def test_summarize_counts_states_and_today() -> None:
    summary = summarize(ROWS, NOW)
    assert summary.counts == {SessionState.RUNNING: 2, SessionState.STUCK: 1, SessionState.IDLE: 1}
    assert (summary.today_sessions, summary.today_tokens, summary.today_cost) == (3, 4500, 0.75)
    assert summary.today_cost_unknown == 1


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SummaryBar()


async def test_summary_bar_shows_counts_coloured() -> None:
    app = BarApp()
    async with app.run_test(size=(160, 3)) as pilot:
        bar = app.query_one(SummaryBar)
        bar.update_summary(ROWS, NOW)
        await pilot.pause()
        line = bar.render_line(0)
        text = line.text
        assert " 1 STUCK " in text and "2 running" in text and "0 error" in text
        assert "active today: 3 sessions  4.5k tokens  $0.7500 (+1 unpriced)" in text
        stuck = next(seg for seg in line if "STUCK" in seg.text)
        assert stuck.style is not None and stuck.style.reverse
        zero = next(seg for seg in line if "0 error" in seg.text)
        running = next(seg for seg in line if "2 running" in seg.text)
        assert zero.style is not None and running.style is not None
        assert zero.style.color != running.style.color
