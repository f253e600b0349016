"""Spend per hour / day over a window, by model or bot: exact sums, unknown prices kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sessiontui.model import (
    ApiCall,
    CostSource,
    ModelSpend,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.rules.cost_series import SEVERAL_MODELS, spend_series

NOW = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)


def row(sid: str, fmt: StoreFormat, **fields: object) -> SessionRow:
    session = Session(fmt, f"/s/{sid}", sid, sid, usage=Usage(1, 1), **fields)  # type: ignore[arg-type]
    return SessionRow(session, Verdict(SessionState.IDLE))


def call(hours_ago: float, model: str, cost: float | None) -> ApiCall:
    return ApiCall(NOW - timedelta(hours=hours_ago), model, Usage(1, 1), cost)


ROWS = [
    row(
        "a",
        StoreFormat.CLAUDE_CODE,
        cost_usd=3.0,
        cost_source=CostSource.COMPUTED,
        last_activity=NOW,
        daily_cost=(("2026-05-08", 1.0), ("2026-05-10", 2.0)),
        models=(ModelSpend("claude-opus-4-6"),),
        recent_calls=(
            call(0.5, "claude-opus-4-6", 1.5),
            call(2.2, "claude-opus-4-6", 0.5),
            call(30, "x", 9.0),
        ),
    ),
    row(
        "b",
        StoreFormat.STARPOD,
        cost_usd=0.25,
        cost_source=CostSource.RECORDED,
        last_activity=NOW - timedelta(days=1),
        models=(ModelSpend("m1"), ModelSpend("m2")),
    ),
    row(
        "c",
        StoreFormat.CODEX,
        cost_usd=None,
        cost_source=CostSource.UNKNOWN,
        last_activity=NOW - timedelta(hours=1),
        recent_calls=(call(1.0, "local-llama", None),),
    ),
    row(
        "d",
        StoreFormat.CLAUDE_CODE,
        cost_usd=7.0,
        cost_source=CostSource.COMPUTED,
        last_activity=NOW - timedelta(days=40),
        daily_cost=(("2026-03-31", 7.0),),
    ),
]


def test_days_of_the_last_week_by_model() -> None:
    series = spend_series(ROWS, "7d", NOW, "model")
    assert series.per == "day"
    assert series.buckets == [f"2026-05-{d:02d}" for d in range(4, 11)]
    assert series.groups == {
        "claude-opus-4-6": [0, 0, 0, 0, 1.0, 0, 2.0],
        SEVERAL_MODELS: [
            0,
            0,
            0,
            0,
            0,
            0.25,
            0,
        ],  # no daily split: all on its last day, under no one model
    }
    assert series.unpriced == 1  # c: usage with no price, not a $0 bar
    assert series.totals[-1] == 2.0 and series.burn_per_hour[-1] == 2.0 / 24


def test_hours_of_the_last_day_by_bot() -> None:
    series = spend_series(ROWS, "24h", NOW, "bot")
    assert series.per == "hour" and len(series.buckets) == 24
    assert series.buckets[-1] == "15h" and series.buckets[0] == "16h"
    assert series.groups == {"Claude Code": [0.0] * 21 + [0.5, 0.0, 1.5]}
    assert series.unpriced == 1  # the local model's call
    assert not series.hourly_partial


def test_today_and_all() -> None:
    assert spend_series(ROWS, "today", NOW, "model").buckets == [f"{h:02d}h" for h in range(16)]
    every = spend_series(ROWS, "all", NOW, "bot")
    assert every.buckets[0] == "2026-03-31" and every.buckets[-1] == "2026-05-10"
    assert sum(every.groups["Claude Code"]) == 10.0 and sum(every.groups["Starpod"]) == 0.25
