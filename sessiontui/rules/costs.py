"""Cost totals over many sessions, counting every API call once.

A hermes-bot row and the Claude Code transcript it links to are two views of the same calls:
rows that share a transcript file are counted once. By model, every call counts under the model
that served it (a session that switched models, or ran subagents on another, is split).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sessiontui.model import CostSource, Session, SessionRow, Usage
from sessiontui.money import dollars

UNKNOWN_MODEL = "(unknown)"


@dataclass(slots=True)
class CostGroup:
    name: str
    sessions: int = 0
    tokens: int = 0
    cost: float = 0.0  # the priced parts only: see `cost_source` before showing it
    unpriced: int = 0  # sessions (by model: model shares) with usage whose model has no price
    calls: int = 0  # API calls, where the store says (Claude Code transcripts)
    usage: Usage = field(default_factory=Usage)
    priced: int = 0  # sessions (or model shares) with a dollar figure
    recorded: int = 0  # ... of which the store recorded the figure itself

    def add(
        self, usage: Usage | None, cost: float | None, source: CostSource | None, calls: int
    ) -> None:
        self.sessions += 1
        self.calls += calls
        if usage is not None:
            self.usage = self.usage + usage
            self.tokens += usage.total
        if cost is not None:
            self.cost += cost
            self.priced += 1
            self.recorded += source == CostSource.RECORDED
        elif source is not None:
            self.unpriced += 1

    @property
    def cost_source(self) -> str | None:
        """'computed', 'recorded', 'mixed' (both), 'partial' (some parts unknown), 'unknown'."""
        if self.unpriced:
            return "partial" if self.priced else "unknown"
        if not self.priced:
            return None
        if self.recorded:
            return "recorded" if self.recorded == self.priced else "mixed"
        return "computed"

    @property
    def cost_usd(self) -> float | None:
        """Dollars, or None when nothing in the group has a price (never a silent $0)."""
        return self.cost if self.priced else None


def cost_text(group: CostGroup) -> str:
    """`$1.23`, `$1.23 +2 unpriced`, or `unknown` when nothing in the group has a price."""
    if group.cost_usd is None:
        return "unknown" if group.unpriced else "-"
    return dollars(group.cost) + (f" +{group.unpriced} unpriced" if group.unpriced else "")


def billable(rows: Iterable[SessionRow]) -> list[SessionRow]:
    """Rows with usage, one per transcript file."""
    seen: set[str] = set()
    out: list[SessionRow] = []
    for row in rows:
        session = row.session
        if session.usage is None and session.cost_source is None:
            continue
        if session.source_path is not None:
            if session.source_path in seen:
                continue
            seen.add(session.source_path)
        out.append(row)
    return out


def session_calls(session: Session) -> int:
    """API calls counted for a session (0 where the store keeps no per-call record)."""
    return sum(spend.calls for spend in session.models)


def group_costs(rows: Sequence[SessionRow], key: Callable[[Session], str]) -> list[CostGroup]:
    """Totals per group, costliest first."""
    groups: dict[str, CostGroup] = {}
    for row in billable(rows):
        session = row.session
        group = groups.setdefault(key(session), CostGroup(key(session)))
        group.add(session.usage, session.cost_usd, session.cost_source, session_calls(session))
    return sorted(groups.values(), key=lambda g: -g.cost)


def costs_by_model(rows: Sequence[SessionRow]) -> list[CostGroup]:
    """Totals per model, each call under its own model; costliest first.

    A session whose store does not split its spend by model counts under its model, whole.
    """
    groups: dict[str, CostGroup] = {}
    for row in billable(rows):
        session = row.session
        if session.models:
            for spend in session.models:
                group = groups.setdefault(spend.model, CostGroup(spend.model))
                source = (
                    CostSource.UNKNOWN
                    if spend.unpriced_calls
                    else CostSource.RECORDED
                    if spend.recorded
                    else CostSource.COMPUTED
                )
                group.add(spend.usage, spend.cost, source, spend.calls)
            continue
        name = session.model or UNKNOWN_MODEL
        group = groups.setdefault(name, CostGroup(name))
        group.add(session.usage, session.cost_usd, session.cost_source, 0)
    return sorted(groups.values(), key=lambda g: -g.cost)


def costliest(rows: Sequence[SessionRow], limit: int = 15) -> list[SessionRow]:
    priced = [r for r in billable(rows) if r.session.cost_usd is not None]
    return sorted(priced, key=lambda r: -(r.session.cost_usd or 0.0))[:limit]


def costs_by_day(rows: Sequence[SessionRow]) -> list[CostGroup]:
    """Dollars spent per UTC day, newest first, from each session's per-call costs.

    A session whose store has no per-call times (a cost but no daily split) counts on the day
    of its last activity, all of it.
    """
    days: dict[str, CostGroup] = {}
    for row in billable(rows):
        session = row.session
        spent = session.daily_cost or (
            ((f"{session.last_activity:%Y-%m-%d}", session.cost_usd),)
            if session.last_activity is not None and session.cost_usd is not None
            else ()
        )
        for day, spent_that_day in spent:
            group = days.setdefault(day, CostGroup(day))
            group.sessions += 1
            group.cost += spent_that_day
            group.priced += 1
            group.recorded += session.cost_source == CostSource.RECORDED
        if (
            session.cost_source is not None
            and session.cost_usd is None
            and session.last_activity is not None
        ):
            day = f"{session.last_activity:%Y-%m-%d}"
            days.setdefault(day, CostGroup(day)).unpriced += 1
    return sorted(days.values(), key=lambda g: g.name, reverse=True)
