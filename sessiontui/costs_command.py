"""`sessiontui costs`: the costs view without a UI, for scripts and for comparing with other tools.

The numbers come from the same rules as the costs view (`rules/costs.py`): every API call
counted once, under the model that served it; a model without a price shows `unknown`, never $0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TextIO

from sessiontui.config import Config, ConfigError
from sessiontui.model import Session, SessionRow
from sessiontui.rules.costs import (
    CostGroup,
    billable,
    cost_text,
    costs_by_day,
    costs_by_model,
    group_costs,
    session_calls,
)
from sessiontui.text import json_line, one_line

GROUPINGS = ("model", "day", "store", "user", "session")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by",
        choices=GROUPINGS,
        default="model",
        help="group by model (each call under its own model), UTC day, store, "
        "user or channel, or session (default model)",
    )
    parser.add_argument("--since", metavar="DATE", help="from this UTC day on (YYYY-MM-DD)")
    parser.add_argument(
        "--until", metavar="DATE", help="up to and including this UTC day (YYYY-MM-DD)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line per group")


def parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag}: expected a date as YYYY-MM-DD, got {value!r}") from None


async def run_costs(config: Config, args: argparse.Namespace, error: Callable[[str], None]) -> int:
    from sessiontui.snapshot import read_paths

    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    read = await read_paths(config.paths, config.thresholds, error)
    if read is None:
        return 2
    rows, failed = read
    groups = cost_groups(rows, args.by, since, until)
    (write_json if args.json else write_table)(args.by, groups, sys.stdout)
    return 2 if failed else 0


def cost_groups(
    rows: Sequence[SessionRow], by: str, since: date | None, until: date | None
) -> list[CostGroup]:
    """The groups of one `--by`. With dates, by day keeps the days in range; the other groupings
    keep the sessions active in range (created before its end, active after its start)."""
    if by == "day":
        return [
            g for g in costs_by_day(rows) if _in_range(date.fromisoformat(g.name), since, until)
        ]
    rows = [r for r in rows if _active_in(r.session, since, until)]
    if by == "model":
        return costs_by_model(rows)
    if by == "store":
        return group_costs(rows, lambda s: f"{s.format} {s.store}")
    if by == "user":
        return group_costs(rows, lambda s: s.user or s.channel or "(none)")
    groups: list[CostGroup] = []
    for row in billable(rows):
        session = row.session
        group = CostGroup(f"{session.format} {session.id} {session.name}")
        group.add(session.usage, session.cost_usd, session.cost_source, session_calls(session))
        groups.append(group)
    return sorted(groups, key=lambda g: -g.cost)


def _in_range(day: date, since: date | None, until: date | None) -> bool:
    return (since is None or day >= since) and (until is None or day <= until)


def _active_in(session: Session, since: date | None, until: date | None) -> bool:
    first = session.created_at or session.last_activity
    last = session.last_activity or session.created_at
    if since is not None and last is not None and last.date() < since:
        return False
    return not (until is not None and first is not None and first.date() > until)


def as_json(by: str, group: CostGroup) -> dict[str, Any]:
    usage = group.usage
    per_call = by != "day"  # days carry dollars per call, not tokens
    return {
        "by": by,
        "key": group.name,
        "sessions": group.sessions,
        "calls": group.calls if per_call else None,
        "input_tokens": usage.input_tokens if per_call else None,
        "output_tokens": usage.output_tokens if per_call else None,
        "cache_read_tokens": usage.cache_read_tokens if per_call else None,
        "cache_write_tokens": usage.cache_write_tokens if per_call else None,
        "cache_write_1h_tokens": usage.cache_write_1h_tokens if per_call else None,
        "cost_usd": None if group.cost_usd is None else round(group.cost_usd, 9),
        "cost_source": group.cost_source,
        "unpriced": group.unpriced,
    }


def write_json(by: str, groups: Sequence[CostGroup], out: TextIO) -> None:
    out.writelines(json_line(as_json(by, group)) + "\n" for group in groups)


_COLUMNS = (
    ("KEY", 40),
    ("SESSIONS", 8),
    ("CALLS", 7),
    ("INPUT", 11),
    ("OUTPUT", 11),
    ("CACHE READ", 13),
    ("CACHE WRITE", 12),
    ("COST", 14),
)


def write_table(by: str, groups: Sequence[CostGroup], out: TextIO) -> None:
    out.write("  ".join(name.ljust(width) for name, width in _COLUMNS).rstrip() + "\n")
    total = CostGroup("total")
    for group in groups:
        out.write(_line(by, group) + "\n")
        total.sessions += group.sessions
        total.calls += group.calls
        total.usage = total.usage + group.usage
        total.cost += group.cost
        total.priced += group.priced
        total.unpriced += group.unpriced
    out.write(_line(by, total) + "\n")


def _line(by: str, group: CostGroup) -> str:
    usage = group.usage
    tokens = (
        [
            f"{n:,}"
            for n in (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
            )
        ]
        if by != "day"
        else ["-"] * 4
    )
    cells = (
        group.name,
        str(group.sessions),
        str(group.calls) if by != "day" else "-",
        *tokens,
        cost_text(group),
    )
    return "  ".join(
        one_line(c, w).ljust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=True)
    ).rstrip()
