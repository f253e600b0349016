"""`sessiontui snapshot`: the dashboard's facts without a UI, for people and for scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sessiontui.json_objects import JsonObjects
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


JSON_KEYS = (
    "format",
    "store",
    "id",
    "name",
    "state",
    "reason",
    "evidence",
    "created_at",
    "last_activity",
    "messages",
    "turns",
    "model",
    "channel",
    "user",
    "agent",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "cost_source",
    "transcript",
    "tokens_per_minute",
    "dollars_per_minute",
    "runaway",
    "hidden",
    "rate_limits",
    "pids",
)


def as_json(row: SessionRow) -> dict[str, Any]:
    return dict(zip(JSON_KEYS, json_values(row), strict=True))


def json_values(row: SessionRow) -> tuple[Any, ...]:
    """The values of a row's JSON object, in `JSON_KEYS` order."""
    s, usage, burn, verdict = row.session, row.session.usage, row.burn, row.verdict
    return (
        str(s.format),
        s.store,
        s.id,
        s.name,
        str(verdict.state),
        verdict.reason,
        verdict.evidence,
        iso_utc(s.created_at),
        iso_utc(s.last_activity),
        s.message_count,
        s.turns,
        s.model,
        s.channel,
        s.user,
        s.agent,
        usage.input_tokens if usage else None,
        usage.output_tokens if usage else None,
        usage.cache_read_tokens if usage else None,
        usage.cache_write_tokens if usage else None,
        s.cost_usd,
        str(s.cost_source) if s.cost_source else None,
        s.source_path,
        round(burn.tokens_per_minute, 3) if burn else None,
        (
            round(burn.dollars_per_minute, 6)
            if burn and burn.dollars_per_minute is not None
            else None
        ),
        bool(burn and burn.runaway),
        s.hidden,
        _rate_limits(s.rate_limits),
        list(row.processes.pids) if row.processes else [],
    )


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
    """`snapshot --json` one row at a time: a JSON object per line (what `write_json` writes,
    without making each row's dict: `JsonObjects`)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rows = 0
        self._line = JsonObjects(JSON_KEYS).line

    def write(self, row: SessionRow) -> None:
        self.out.write(self._line(json_values(row)) + "\n")
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
