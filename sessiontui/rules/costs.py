"""Cost totals over many sessions, counting every API call once.

A hermes-bot row and the Claude Code transcript it links to are two views of the same calls:
rows that share a transcript file are counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sessiontui.model import Session, SessionRow


@dataclass(slots=True)
class CostGroup:
    name: str
    sessions: int = 0
    tokens: int = 0
    cost: float = 0.0
    unpriced: int = 0  # sessions with usage whose model has no price


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


def group_costs(rows: Sequence[SessionRow], key: Callable[[Session], str]) -> list[CostGroup]:
    """Totals per group, costliest first."""
    groups: dict[str, CostGroup] = {}
    for row in billable(rows):
        session = row.session
        group = groups.setdefault(key(session), CostGroup(key(session)))
        group.sessions += 1
        group.tokens += session.usage.total if session.usage else 0
        if session.cost_usd is not None:
            group.cost += session.cost_usd
        elif session.cost_source is not None:
            group.unpriced += 1
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
            if session.last_activity is not None and session.cost_usd is not None else ()
        )
        for day, dollars in spent:
            group = days.setdefault(day, CostGroup(day))
            group.sessions += 1
            group.cost += dollars
        if session.cost_source is not None and session.cost_usd is None and session.last_activity is not None:
            days.setdefault(f"{session.last_activity:%Y-%m-%d}", CostGroup(f"{session.last_activity:%Y-%m-%d}")).unpriced += 1
    return sorted(days.values(), key=lambda g: g.name, reverse=True)
