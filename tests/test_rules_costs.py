"""Cost totals count each API call once, even when two stores show the same transcript."""

from __future__ import annotations

from datetime import UTC, datetime

from sessiontui.model import (
    CostSource,
    Session,
    SessionRow,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.rules.costs import billable, costliest, costs_by_day, group_costs

AT = datetime(2026, 11, 21, tzinfo=UTC)
DEFAULT_USAGE = Usage(10, 5, 0, 0)


def row(
    fmt: StoreFormat,
    sid: str,
    cost: float | None,
    *,
    path: str | None = None,
    model: str = "m",
    source: CostSource | None = CostSource.COMPUTED,
    usage: Usage | None = DEFAULT_USAGE,
) -> SessionRow:
    session = Session(
        fmt,
        "/s",
        sid,
        sid,
        last_activity=AT,
        model=model,
        usage=usage,
        cost_usd=cost,
        cost_source=source,
        source_path=path,
    )
    return SessionRow(session, Verdict(SessionState.IDLE))


def test_a_hermes_row_and_its_transcript_are_one_bill() -> None:
    rows = [
        row(StoreFormat.HERMES_SQLITE, "1742.1", 0.5, path="/c/p/abc.jsonl"),
        row(StoreFormat.CLAUDE_CODE, "abc", 0.5, path="/c/p/abc.jsonl"),
        row(StoreFormat.STARPOD, "s1", 0.25),
        row(StoreFormat.ZEROCLAW_SQLITE, "gw", None, source=None, usage=None),
    ]
    assert [r.session.id for r in billable(rows)] == ["1742.1", "s1"]
    (group,) = group_costs(rows, lambda s: s.model or "")
    assert (group.sessions, group.tokens, group.cost) == (2, 30, 0.75)


def test_unpriced_sessions_are_counted_apart_never_as_zero_dollars() -> None:
    rows = [
        row(StoreFormat.CLAUDE_CODE, "a", None, path="/a", source=CostSource.UNKNOWN, model="x"),
        row(StoreFormat.CLAUDE_CODE, "b", 1.0, path="/b", model="y"),
    ]
    groups = {g.name: g for g in group_costs(rows, lambda s: s.model or "")}
    assert groups["x"].unpriced == 1 and groups["x"].cost == 0.0
    assert [r.session.id for r in costliest(rows)] == ["b"]


def test_costs_by_day_split_per_call_not_by_last_activity() -> None:
    spread = Session(
        StoreFormat.STARPOD,
        "/s",
        "a",
        "a",
        last_activity=AT,
        usage=Usage(1, 1, 0, 0),
        cost_usd=3.0,
        cost_source=CostSource.RECORDED,
        daily_cost=(("2026-11-19", 1.0), ("2026-11-21", 2.0)),
    )
    lump = Session(
        StoreFormat.CLAUDE_CODE,
        "/c",
        "b",
        "b",
        last_activity=AT,
        usage=Usage(1, 1, 0, 0),
        cost_usd=0.5,
        cost_source=CostSource.COMPUTED,
        source_path="/c/b.jsonl",
    )
    days = {
        g.name: g.cost
        for g in costs_by_day(
            [
                SessionRow(spread, Verdict(SessionState.IDLE)),
                SessionRow(lump, Verdict(SessionState.IDLE)),
            ]
        )
    }
    assert days == {"2026-11-21": 2.5, "2026-11-19": 1.0}
