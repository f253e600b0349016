"""OpenClaw's SessionEntry (STORES.md 4.2, 8): the JSON record both of its stores keep per session
key. What it says of a session's status, tokens and cost, the transcript's totals filling in
what it leaves out. Pure."""

from __future__ import annotations

from typing import Any

from sessiontui.model import Usage
from sessiontui.stores.pi_transcript import TranscriptTotals

CLOSED_STATUSES = ("done", "killed")
ERROR_STATUSES = ("failed", "timeout")
_TOKEN_FIELDS = ("inputTokens", "outputTokens", "cacheRead", "cacheWrite")


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (booleans included)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def entry_usage(entry: dict[str, Any], totals: TranscriptTotals) -> Usage:
    """The entry's token counts when it has any, else the transcript's."""
    if any(number(entry.get(f)) is not None for f in _TOKEN_FIELDS):
        return Usage(*(int(number(entry.get(f)) or 0) for f in _TOKEN_FIELDS))
    return totals.usage


def entry_cost(entry: dict[str, Any], totals: TranscriptTotals) -> float | None:
    """The entry's `estimatedCostUsd` when it has one, else the transcript's recorded costs."""
    cost = number(entry.get("estimatedCostUsd"))
    return cost if cost is not None else totals.cost
