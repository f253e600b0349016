"""Spend over a time window, in bars per hour or per day, split by model or by bot.

Per day, from each session's per-day costs (exact; a session with no daily split counts on the
day of its last activity). Per hour (the today and 24 h windows), from the calls each store keeps
with their times (the last 60 per session in transcript stores): spend older than those is not
in the hourly bars, and `hourly_partial` says so. A session or call without a price is counted
in `unpriced`, never drawn as $0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sessiontui.model import Session, SessionRow
from sessiontui.rules.costs import UNKNOWN_MODEL, billable
from sessiontui.stores.registry import record_for

WINDOWS = ("today", "24h", "7d", "30d", "all")
SEVERAL_MODELS = "(several models)"
KEPT_CALLS = (
    60  # calls a transcript store keeps per session with their times (claude_transcript, codex)
)


@dataclass(slots=True)
class SpendSeries:
    """Bars (one per bucket, oldest first) split into groups, and what they leave out."""

    window: str
    per: str  # "hour" or "day"
    buckets: list[str] = field(default_factory=list)  # labels: "14h" / "2026-05-03"
    groups: dict[str, list[float]] = field(default_factory=dict)  # group -> dollars per bucket
    unpriced: int = 0  # sessions (per day) or calls (per hour) in the window with no price
    hourly_partial: bool = False  # per hour: a session's kept calls do not reach back to the start

    @property
    def totals(self) -> list[float]:
        return [sum(values[i] for values in self.groups.values()) for i in range(len(self.buckets))]

    @property
    def burn_per_hour(self) -> list[float]:
        """Dollars per hour in each bucket."""
        hours = 1.0 if self.per == "hour" else 24.0
        return [total / hours for total in self.totals]


def window_start(window: str, now: datetime, rows: Sequence[SessionRow] = ()) -> datetime:
    if window == "today":
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "24h":
        return (now - timedelta(hours=24)).replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=1
        )
    if window in ("7d", "30d"):
        days = int(window[:-1])
        return (now.astimezone(UTC) - timedelta(days=days - 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    oldest = min((d for r in rows for d, _ in r.session.daily_cost), default=f"{now:%Y-%m-%d}")
    return datetime.fromisoformat(oldest).replace(tzinfo=UTC)


def _bot(session: Session) -> str:
    record = record_for(session.format)
    return record.bot if record is not None else str(session.format)


def _model(session: Session) -> str:
    if len(session.models) > 1:
        return SEVERAL_MODELS
    if session.models:
        return session.models[0].model
    return session.model or UNKNOWN_MODEL


def spend_series(rows: Sequence[SessionRow], window: str, now: datetime, by: str) -> SpendSeries:
    """The bars of `window` (one of WINDOWS) ending at `now`, split `by` "model" or "bot"."""
    start = window_start(window, now, rows)
    if window in ("today", "24h"):
        return _hourly(billable(rows), window, start, now, by)
    return _daily(billable(rows), window, start, now, by)


def _daily(
    rows: Sequence[SessionRow], window: str, start: datetime, now: datetime, by: str
) -> SpendSeries:
    days = (now.astimezone(UTC).date() - start.date()).days + 1
    labels = [f"{start.date() + timedelta(days=i)}" for i in range(days)]
    index = {label: i for i, label in enumerate(labels)}
    series = SpendSeries(window, "day", labels)
    for row in rows:
        session = row.session
        key = _bot(session) if by == "bot" else _model(session)
        spent = session.daily_cost or (
            ((f"{session.last_activity:%Y-%m-%d}", session.cost_usd),)
            if session.last_activity is not None and session.cost_usd is not None
            else ()
        )
        for day, dollars in spent:
            if day in index:
                series.groups.setdefault(key, [0.0] * days)[index[day]] += dollars
        last = session.last_activity
        if (
            session.cost_source is not None
            and session.cost_usd is None
            and last is not None
            and last >= start
        ):
            series.unpriced += 1
    return series


def _hourly(
    rows: Sequence[SessionRow], window: str, start: datetime, now: datetime, by: str
) -> SpendSeries:
    hours = int((now - start).total_seconds() // 3600) + 1
    labels = [f"{(start + timedelta(hours=i)).astimezone(UTC):%H}h" for i in range(hours)]
    series = SpendSeries(window, "hour", labels)
    for row in rows:
        session = row.session
        calls = session.recent_calls
        first = calls[0].at if len(calls) >= KEPT_CALLS else None
        if first is not None and first > start:
            series.hourly_partial = (
                True  # its store keeps no older calls: some of the window is missing
            )
        for call in calls:
            if call.at is None or not start <= call.at <= now:
                continue
            if call.cost_usd is None:
                series.unpriced += 1
                continue
            key = _bot(session) if by == "bot" else call.model or UNKNOWN_MODEL
            slot = int((call.at - start).total_seconds() // 3600)
            series.groups.setdefault(key, [0.0] * hours)[slot] += call.cost_usd
    return series
