"""`sessiontui snapshot`: the dashboard's facts without a UI, for people and for scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sessiontui.model import RateLimits, RateLimitWindow, Session, SessionRow, SessionState
from sessiontui.money import session_cost
from sessiontui.rules.state import Thresholds
from sessiontui.stores import Store
from sessiontui.text import json_line, one_line
from sessiontui.timestamps import iso_utc


async def collect(
    stores: Sequence[Store], now: datetime, thresholds: Thresholds
) -> tuple[list[SessionRow], list[str]]:
    """Read every store once, as the dashboard does (`Fleet`); the rows and one line per store
    (or file) that could not be read. (`sessiontui snapshot` streams instead: `stream_paths`.)"""
    from sessiontui.live.fleet import Fleet
    from sessiontui.live.process_links import ProcessWatch
    from sessiontui.stores.claude_pool import read_cold

    await read_cold(stores)  # a cold read of many transcripts: all cores
    fleet = Fleet(stores, clock=lambda: now, thresholds=thresholds, processes=ProcessWatch())
    update = await fleet.refresh(full=True)
    errors = [
        line for status in update.statuses for line in (status.error, *status.problems) if line
    ]
    rows = sorted(update.rows, key=lambda r: (r.session.format, r.session.store, r.session.id))
    return rows, errors


def as_json(row: SessionRow) -> dict[str, Any]:
    s, usage = row.session, row.session.usage
    return {
        "format": str(s.format),
        "store": s.store,
        "id": s.id,
        "name": s.name,
        "state": str(row.verdict.state),
        "reason": row.verdict.reason,
        "evidence": row.verdict.evidence,
        "created_at": iso_utc(s.created_at),
        "last_activity": iso_utc(s.last_activity),
        "messages": s.message_count,
        "turns": s.turns,
        "model": s.model,
        "channel": s.channel,
        "user": s.user,
        "agent": s.agent,
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
        "cache_read_tokens": usage.cache_read_tokens if usage else None,
        "cache_write_tokens": usage.cache_write_tokens if usage else None,
        "cost_usd": s.cost_usd,
        "cost_source": str(s.cost_source) if s.cost_source else None,
        "transcript": s.source_path,
        "tokens_per_minute": round(row.burn.tokens_per_minute, 3) if row.burn else None,
        "dollars_per_minute": (
            round(row.burn.dollars_per_minute, 6)
            if row.burn and row.burn.dollars_per_minute is not None
            else None
        ),
        "runaway": bool(row.burn and row.burn.runaway),
        "hidden": s.hidden,
        "rate_limits": _rate_limits(s.rate_limits),
        "pids": list(row.processes.pids) if row.processes else [],
    }


def _rate_limits(limits: RateLimits | None) -> dict[str, Any] | None:
    if limits is None:
        return None

    def window(w: RateLimitWindow | None) -> dict[str, Any] | None:
        return (
            None
            if w is None
            else {
                "used_percent": w.used_percent,
                "window_minutes": w.window_minutes,
                "resets_at": iso_utc(w.resets_at),
            }
        )

    return {
        "primary": window(limits.primary),
        "secondary": window(limits.secondary),
        "plan": limits.plan,
        "at": iso_utc(limits.at),
    }


def write_json(rows: Sequence[SessionRow], out: TextIO) -> None:
    out.writelines(json_line(as_json(row)) + "\n" for row in rows)


class JsonLines:
    """`snapshot --json` one row at a time: a JSON object per line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows = 0

    def write(self, row: SessionRow) -> None:
        self.out.write(json_line(as_json(row)) + "\n")
        self.rows += 1

    def close(self) -> None:
        pass


_COLUMNS = (
    ("STATE", 8),
    ("FORMAT", 15),
    ("ID", 24),
    ("NAME", 28),
    ("MSGS", 5),
    ("TOKENS", 9),
    ("COST", 9),
    ("REASON", 40),
)


def write_table(rows: Sequence[SessionRow], out: TextIO) -> None:
    table = Table(out)
    for row in rows:
        table.write(row)
    table.close()


class Table:
    """`snapshot` as a table, one row at a time: the header before the first, the count last."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows = self.stuck = 0

    def write(self, row: SessionRow) -> None:
        if not self.rows:
            self._header()
        s = row.session
        cells = (
            str(row.verdict.state),
            str(s.format),
            s.id,
            s.name,
            str(s.message_count),
            f"{s.usage.total:,}" if s.usage else "-",
            _cost(s),
            row.verdict.evidence or "" if row.verdict.state == SessionState.STUCK else "",
        )
        line = "  ".join(one_line(c, w).ljust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=True))
        self.out.write(line.rstrip() + "\n")
        self.rows += 1
        self.stuck += row.verdict.state == SessionState.STUCK

    def close(self) -> None:
        if not self.rows:
            self._header()
        self.out.write(f"{self.rows} sessions, {self.stuck} stuck\n")

    def _header(self) -> None:
        self.out.write("  ".join(name.ljust(width) for name, width in _COLUMNS).rstrip() + "\n")


async def read_paths(
    paths: Sequence[Path], thresholds: Thresholds, error: Callable[[str], None]
) -> tuple[list[SessionRow], bool] | None:
    """Every session at these paths read once (`collect`), each problem said through `error`:
    (rows, whether anything could not be read), or None when no store was found at all."""
    rows: list[SessionRow] = []

    async def read(stores: list[Store]) -> list[str]:
        found, read_errors = await collect(stores, datetime.now(UTC), thresholds)
        rows.extend(found)
        return read_errors

    failed = await _read_stores(paths, error, read)
    return None if failed is None else (rows, failed)


async def stream_paths(
    paths: Sequence[Path],
    thresholds: Thresholds,
    error: Callable[[str], None],
    emit: Callable[[SessionRow], None],
) -> bool | None:
    """Every session at these paths handed to `emit` as it is read (`snapshot_stream`), each
    problem said through `error`: whether anything could not be read, or None when no store
    was found at all."""
    from sessiontui.snapshot_stream import stream_rows

    return await _read_stores(
        paths, error, lambda stores: stream_rows(stores, datetime.now(UTC), thresholds, emit)
    )


async def _read_stores(
    paths: Sequence[Path],
    error: Callable[[str], None],
    read: Callable[[list[Store]], Awaitable[list[str]]],
) -> bool | None:
    """Open the stores at these paths, `read` them (its problems: one line each), close them:
    whether anything could not be opened or read, or None when no store was found at all."""
    from sessiontui.stores import open_paths

    opened = open_paths(paths, error)
    if opened is None:
        return None
    stores, failed = opened
    try:
        read_errors = await read(stores)
    finally:
        for store in stores:
            await store.close()
    for line in read_errors:
        error(line)
    return failed or bool(read_errors)


def _cost(session: Session) -> str:
    return session_cost(session, unknown="?")
