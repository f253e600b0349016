"""Fold the fleet's rows into a few numbers per store: what the metrics are made of.

Pure and cheap to keep: a scrape reads these totals, never the rows. Model names stay raw here;
the ledger (ledger.py) decides which of them get a label of their own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sessiontui.live.fleet import StoreStatus
from sessiontui.model import SessionRow, SessionState
from sessiontui.rules.state import Reason

TOKEN_TYPES = ("input", "output", "cache_read", "cache_write")


@dataclass(slots=True)
class StoreTotals:
    """One store's sessions, counted and summed."""

    format: str
    path: str
    status: StoreStatus | None = None
    states: Counter[str] = field(default_factory=Counter)
    stuck_reasons: Counter[str] = field(default_factory=Counter)
    tokens: Counter[tuple[str, str]] = field(default_factory=Counter)  # (model, token type)
    cost_usd: dict[tuple[str, str], float] = field(default_factory=dict)  # (model, cost source)
    model_tokens: Counter[str] = field(default_factory=Counter)  # for naming the biggest models
    burn_usd_per_second: float = 0.0
    runaway_sessions: int = 0
    # The earliest last activity among sessions mid-turn (running, or stuck in a turn): how long
    # the oldest of them has gone without progress is `now` minus this.
    oldest_without_progress: datetime | None = None

    @property
    def up(self) -> bool:
        return self.status is not None and self.status.error is None


def totals_by_store(
    rows: Sequence[SessionRow], statuses: Sequence[StoreStatus]
) -> list[StoreTotals]:
    """Totals for every store of `statuses` (and any store a row names that has no status)."""
    by_key: dict[tuple[str, str], StoreTotals] = {
        (s.format, s.path): StoreTotals(s.format, s.path, s) for s in statuses
    }
    for row in rows:
        session = row.session
        key = (str(session.format), session.store)
        totals = by_key.get(key)
        if totals is None:
            totals = by_key[key] = StoreTotals(*key)
        _add(totals, row)
    return list(by_key.values())


def _add(totals: StoreTotals, row: SessionRow) -> None:
    session, verdict = row.session, row.verdict
    totals.states[str(verdict.state)] += 1
    if verdict.state == SessionState.STUCK:
        totals.stuck_reasons[verdict.reason or "unknown"] += 1
    mid_turn = verdict.state == SessionState.RUNNING or (
        verdict.state == SessionState.STUCK and verdict.reason != Reason.LEFT_OPEN
    )
    if (
        mid_turn
        and session.last_activity is not None
        and (
            totals.oldest_without_progress is None
            or session.last_activity < totals.oldest_without_progress
        )
    ):
        totals.oldest_without_progress = session.last_activity
    model = session.model or ""
    usage = session.usage
    if usage is not None:
        for kind, count in zip(
            TOKEN_TYPES,
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
            ),
            strict=True,
        ):
            if count:
                totals.tokens[(model, kind)] += count
        totals.model_tokens[model] += usage.total
    if session.cost_usd is not None and session.cost_source is not None:
        key = (model, str(session.cost_source))
        totals.cost_usd[key] = totals.cost_usd.get(key, 0.0) + session.cost_usd
    burn = row.burn
    if burn is not None:
        if burn.dollars_per_minute is not None:
            totals.burn_usd_per_second += burn.dollars_per_minute / 60
        totals.runaway_sessions += burn.runaway
