"""Alerts on transitions: a session becoming stuck, or crossing a dollars-per-hour rate.

A session left open for days (`Reason.LEFT_OPEN`) is stuck on the dashboard but alerts no one:
it crosses into that state by the clock alone, days after anything happened, so there is nothing
to wake an operator for (at 100k Starpod sessions several cross every minute). Each transition
alerts once; a session must leave the state (or drop below the rate) before it
can alert again. What the dashboard already shows when it opens is not a transition.
The alert command gets the event as JSON on stdin and is run as an argument list, never
through a shell.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sessiontui.live.classified_rows import RowChange
from sessiontui.model import SessionRow, SessionState
from sessiontui.money import dollars_per_hour
from sessiontui.rules.state import Reason

log = logging.getLogger(__name__)
COMMAND_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # "stuck" or "burn"
    row: SessionRow
    message: str

    def as_json(self) -> dict[str, Any]:
        from sessiontui.snapshot import as_json

        burn = self.row.burn
        return {
            "event": self.kind,
            "message": self.message,
            "dollars_per_hour": None
            if burn is None or burn.dollars_per_minute is None
            else round(burn.dollars_per_minute * 60, 6),
            "session": as_json(self.row),
        }


class AlertWatch:
    def __init__(self, dollars_per_hour: float | None = None) -> None:
        self.dollars_per_hour = dollars_per_hour
        self._stuck: set[str] | None = None
        self._hot: set[str] = set()
        self._last_rows: Sequence[SessionRow] | None = None

    def check(
        self,
        rows: Sequence[SessionRow],
        change: RowChange | None = None,
        since: Sequence[SessionRow] | None = None,
    ) -> list[Alert]:
        """Alerts for the transitions since the last check. With `change` (what changed from the
        rows `since`, when those are the rows of the last check), only changed rows are looked at."""
        if change is not None and (since is None or since is not self._last_rows):
            change = None  # an update was skipped in between: look at every row
        self._last_rows = rows
        if self._stuck is None or change is None:
            stuck = {r.key for r in rows if _alerts_stuck(r)}
            hot = {r.key for r in rows if self._over_rate(r)}
            if self._stuck is None:  # the first look: what is already so is not news
                self._stuck, self._hot = stuck, hot
                return []
            new_stuck = [r for r in rows if r.key in stuck and r.key not in self._stuck]
            new_hot = [r for r in rows if r.key in hot and r.key not in self._hot]
            self._stuck, self._hot = stuck, hot
        else:  # only the changed rows, the sets changed in place (30k stuck keys at 100k)
            stuck, hot = self._stuck, self._hot
            stuck.difference_update(change.removed)
            hot.difference_update(change.removed)
            new_stuck, new_hot = [], []
            for row in change.changed:
                if not _alerts_stuck(row):
                    stuck.discard(row.key)
                elif row.key not in stuck:
                    stuck.add(row.key)
                    new_stuck.append(row)
                if not self._over_rate(row):
                    hot.discard(row.key)
                elif row.key not in hot:
                    hot.add(row.key)
                    new_hot.append(row)
        alerts = [
            Alert(
                "stuck",
                row,
                f"{row.session.name}: {row.verdict.reason} — {row.verdict.evidence or ''}",
            )
            for row in new_stuck
        ]
        alerts += [
            Alert(
                "burn",
                row,
                f"{row.session.name}: spending "
                + dollars_per_hour((row.burn.dollars_per_minute if row.burn else None) or 0),
            )
            for row in new_hot
        ]
        return alerts

    def _over_rate(self, row: SessionRow) -> bool:
        if self.dollars_per_hour is None or row.burn is None or row.burn.dollars_per_minute is None:
            return False
        return row.burn.dollars_per_minute * 60 >= self.dollars_per_hour


def _alerts_stuck(row: SessionRow) -> bool:
    """Stuck in a way worth an alert: every stuck reason but a session left open for days."""
    return row.verdict.state is SessionState.STUCK and row.verdict.reason != Reason.LEFT_OPEN


async def run_alert_command(argv: Sequence[str], alert: Alert) -> int | None:
    """Run `argv` with the alert as JSON on stdin; its exit code, or None if it could not run."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as exc:
        log.warning("alert command %s could not start: %s", argv[0], exc)
        return None
    payload = json.dumps(alert.as_json(), ensure_ascii=False).encode() + b"\n"
    try:
        await asyncio.wait_for(process.communicate(payload), COMMAND_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
    return process.returncode
