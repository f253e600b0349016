"""How fast sessions spend: tokens and dollars per minute over a recent window, and runaways.

Only stores whose usage carries times can say this (Claude Code, hermes-bot via its transcript,
Starpod). A runaway burns far more than the others: at least RUNAWAY_FACTOR times the median of
the sessions spending in the same window, and at least RUNAWAY_FLOOR dollars a minute.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from sessiontui.model import ApiCall, Burn, Session

K = TypeVar("K", bound=Hashable)
WINDOW = timedelta(minutes=10)
RUNAWAY_FACTOR = 5.0
RUNAWAY_FLOOR = 0.05  # dollars per minute ($3 an hour)
_TICK = timedelta(microseconds=1)  # a call leaves the window just after `at + window`


def burn_of(session: Session, now: datetime, window: timedelta = WINDOW) -> Burn | None:
    """The session's spend over the last `window`; None when it made no timed call in it."""
    return burn_of_calls(session.recent_calls, now, window)


def burn_of_calls(
    recent_calls: Sequence[ApiCall], now: datetime, window: timedelta = WINDOW
) -> Burn | None:
    """`burn_of` from a session's recent calls alone (before its Session is built)."""
    since = now - window
    calls = [c for c in recent_calls if c.at is not None and since <= c.at <= now]
    if not calls:
        return None
    minutes = window.total_seconds() / 60
    tokens = sum(c.usage.total for c in calls)
    dollars = (
        None if any(c.cost_usd is None for c in calls) else sum(c.cost_usd or 0.0 for c in calls)
    )
    return Burn(tokens / minutes, None if dollars is None else dollars / minutes)


def burn_valid_until(
    session: Session, now: datetime, window: timedelta = WINDOW
) -> datetime | None:
    """The next moment `burn_of` could answer differently with no new call: a call in the window
    leaving it, or a call stamped ahead of `now` entering it (None: never)."""
    since, moments = now - window, []
    for call in session.recent_calls:
        at = call.at
        if at is None:
            continue
        if at > now:
            moments.append(at)
        elif at >= since:
            moments.append(at + window + _TICK)
    return min(moments, default=None)


def mark_runaways(burns: dict[K, Burn]) -> dict[K, Burn]:
    """The same burns, with `runaway` set on those far above the others."""
    rates = [b.dollars_per_minute for b in burns.values() if b.dollars_per_minute]
    if not rates:
        return burns
    from statistics import median  # 10 ms of imports (fractions, decimal): only when needed

    typical = median(rates)
    bar = (
        max(RUNAWAY_FLOOR, typical * RUNAWAY_FACTOR)
        if len(rates) >= 3
        else RUNAWAY_FLOOR * RUNAWAY_FACTOR
    )
    return {
        key: replace(burn, runaway=True) if (burn.dollars_per_minute or 0.0) >= bar else burn
        for key, burn in burns.items()
    }


def burns_for(sessions: Sequence[Session], now: datetime) -> dict[str, Burn]:
    """Burns of every session spending in the window, runaways marked, keyed by uid."""
    burns: dict[str, Burn] = {}
    for session in sessions:
        if session.recent_calls:
            burn = burn_of(session, now)
            if burn is not None:
                burns[session.uid] = burn
    return mark_runaways(burns)


def cost_series(
    session: Session, now: datetime, minutes: int = 60, buckets: int = 30
) -> list[float]:
    """Dollars per bucket over the last `minutes`, oldest first (the detail view's sparkline)."""
    size = minutes * 60 / buckets
    series = [0.0] * buckets
    start = now - timedelta(minutes=minutes)
    for call in session.recent_calls:
        if call.at is None or call.cost_usd is None or not start <= call.at <= now:
            continue
        index = min(buckets - 1, int((call.at - start).total_seconds() / size))
        series[index] += call.cost_usd
    return series
