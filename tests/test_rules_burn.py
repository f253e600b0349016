"""Burn rates over the recent window, runaway marks, and the cost sparkline series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessiontui.model import ApiCall, Session, StoreFormat, Usage
from sessiontui.rules.burn import burn_of, burns_for, cost_series

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def session(sid: str, *calls: tuple[float, int, float | None]) -> Session:
    """calls: (minutes ago, tokens, dollars)."""
    recent = tuple(
        ApiCall(NOW - timedelta(minutes=m), "claude-sonnet-4-6", Usage(tokens, 0, 0, 0), cost)
        for m, tokens, cost in calls
    )
    return Session(StoreFormat.CLAUDE_CODE, "/p", sid, sid, recent_calls=recent)


def test_rates_over_the_last_ten_minutes_only() -> None:
    burn = burn_of(session("a", (1, 1000, 0.10), (9, 3000, 0.30), (30, 99999, 9.0)), NOW)
    assert burn is not None
    assert burn.tokens_per_minute == pytest.approx(400.0)  # 4,000 tokens / 10 min
    assert burn.dollars_per_minute == pytest.approx(0.04)  # $0.40 / 10 min


def test_no_calls_in_window_means_no_burn_and_unpriced_means_no_dollars() -> None:
    assert burn_of(session("a", (30, 10, 0.1)), NOW) is None
    burn = burn_of(session("b", (1, 10, None)), NOW)
    assert burn is not None and burn.dollars_per_minute is None


def test_runaway_is_far_above_the_median_and_above_the_floor() -> None:
    sessions = [session(f"s{i}", (1, 1000, 0.05)) for i in range(4)]  # $0.005/min each
    sessions.append(session("hog", (1, 200_000, 3.0)))  # $0.30/min: 60x the median
    burns = burns_for(sessions, NOW)
    assert [s.id for s in sessions if burns[s.uid].runaway] == ["hog"]


def test_everyone_spending_alike_has_no_runaway() -> None:
    sessions = [session(f"s{i}", (1, 100_000, 1.0)) for i in range(5)]
    assert not any(b.runaway for b in burns_for(sessions, NOW).values())


def test_cost_series_buckets_the_last_hour() -> None:
    series = cost_series(
        session("a", (59, 1, 0.5), (1, 1, 0.25), (0.5, 1, 0.25), (90, 1, 7.0)), NOW
    )
    assert len(series) == 30
    assert series[0] == pytest.approx(0.5)
    assert series[-1] == pytest.approx(0.5)
    assert sum(series) == pytest.approx(1.0)
