"""`sessiontui check`: health checks for cron and watchdogs.

Exit 0 when nothing matches, 1 when something does (one line per finding on stdout), 2 when the
check itself could not run. With no test named, it looks for stuck sessions and stores down.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sessiontui.config import Config, ConfigError, parse_duration
from sessiontui.live.fleet import StoreStatus
from sessiontui.model import SessionRow, SessionState
from sessiontui.text import one_line

_RATE = re.compile(r"^\s*\$?\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|m|min|h|hr|hour|d|day))?\s*$")
_PER_HOUR = {
    "s": 3600,
    "sec": 3600,
    "m": 60,
    "min": 60,
    "h": 1,
    "hr": 1,
    "hour": 1,
    "d": 1 / 24,
    "day": 1 / 24,
    None: 1,
}


@dataclass(frozen=True, slots=True)
class Checks:
    stuck: bool = False
    waiting_longer_than: timedelta | None = None
    burn_above_per_hour: float | None = None  # dollars per hour, one session
    store_down: bool = False

    @property
    def any(self) -> bool:
        return (
            self.stuck
            or self.store_down
            or self.waiting_longer_than is not None
            or (self.burn_above_per_hour is not None)
        )


def parse_rate(text: str) -> float:
    """'5/h', '$5/h', '0.1/m', '120/d' or a bare number (per hour): dollars per hour."""
    match = _RATE.match(text)
    if match is None:
        raise ConfigError(f"--burn-above: {text!r} is not a rate (try 5/h or 0.1/m)")
    return float(match.group(1)) * _PER_HOUR[match.group(2)]


def findings(
    rows: Sequence[SessionRow], statuses: Sequence[StoreStatus], now: datetime, checks: Checks
) -> list[str]:
    """One printable line per session or store that a check matches."""
    lines: list[str] = []
    if checks.store_down:
        lines += [f"store-down  {s.format}  {s.path}  {s.error}" for s in statuses if s.error]
    for row in rows:
        s, verdict = row.session, row.verdict
        where = f"{s.format}  {s.id}  {s.name}"
        if checks.stuck and verdict.state == SessionState.STUCK:
            lines.append(f"stuck  {where}  {verdict.reason}: {verdict.evidence or ''}".rstrip())
        limit = checks.waiting_longer_than
        if (
            limit is not None
            and verdict.state == SessionState.WAITING
            and s.last_activity is not None
        ):
            waited = now - s.last_activity
            if waited > limit:
                lines.append(f"waiting  {where}  for {_minutes(waited)}")
        bar = checks.burn_above_per_hour
        if bar is not None and row.burn is not None and row.burn.dollars_per_minute is not None:
            per_hour = row.burn.dollars_per_minute * 60
            if per_hour > bar:
                lines.append(f"burn  {where}  ${per_hour:.4g}/h (above ${bar:.4g}/h)")
    return [one_line(line) for line in lines]


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


async def run_check(config: Config, args: argparse.Namespace, error: Callable[[str], None]) -> int:
    """The `check` command: read every store once, print the findings, exit 0, 1 or 2."""
    from sessiontui.live.fleet import Fleet
    from sessiontui.stores import find_stores, open_stores

    checks = Checks(
        stuck=args.stuck,
        waiting_longer_than=(
            parse_duration(args.waiting_longer_than, "--waiting-longer-than")
            if args.waiting_longer_than is not None
            else None
        ),
        burn_above_per_hour=parse_rate(args.burn_above) if args.burn_above is not None else None,
        store_down=args.store_down,
    )
    if not checks.any:
        checks = replace(checks, stuck=True, store_down=True)
    thresholds = config.thresholds
    if checks.waiting_longer_than is not None:
        # A question unanswered past the waiting window counts as idle on the dashboard; a check
        # that names its own limit keeps it as waiting however long it has been.
        thresholds = replace(
            thresholds, waiting_window=max(thresholds.waiting_window, timedelta(days=3650))
        )
    found, missing = find_stores(list(config.paths))
    if missing and not checks.store_down or not found and not missing:
        for line in missing:
            error(line)
        return 2
    lines = [one_line(f"store-down  {line}") for line in missing]
    stores = open_stores(found)
    try:
        now = datetime.now(UTC)
        update = await Fleet(stores, clock=lambda: now, thresholds=thresholds).refresh(full=True)
    finally:
        for store in stores:
            await store.close()
    down = [s for s in update.statuses if s.error]
    if down and not checks.store_down:
        for status in down:
            error(status.error or "")
        return 2
    lines += findings(update.rows, update.statuses, update.now, checks)
    for line in lines:
        print(line)
    return 1 if lines else 0
