"""The summary over the table: sessions per state, and the totals of the sessions active today.

Pure: no I/O, no Textual. `summarize` counts every row; `SummaryTally` keeps the same figures
current from the fleet's changes, adjusting the totals by the changed rows alone (a tick that
changed three of 100,000 rows costs three rows, not 100,000). Dollars are added as whole
nanodollars, so adding and taking away in any order gives exactly what one full count gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sessiontui.live.classified_rows import RowChange
from sessiontui.model import CostSource, SessionRow, SessionState
from sessiontui.rules.costs import billable

_NANO = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts per state, and the totals of the sessions active since midnight of `now`."""

    counts: dict[SessionState, int]
    today_sessions: int
    today_tokens: int
    today_cost: float
    today_cost_unknown: int  # sessions active today whose cost could not be priced


def summarize(rows: Sequence[SessionRow], now: datetime) -> Summary:
    """Count states; total tokens and cost of sessions whose last activity is today (each
    transcript file once: `billable`)."""
    return SummaryTally().update(rows, now)


def _midnight(now: datetime) -> float:
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _billed(row: SessionRow) -> bool:
    """Whether `billable` could count the row (it has usage or a cost source)."""
    return row.session.usage is not None or row.session.cost_source is not None


class SummaryTally:
    """The summary of the rows last given, kept current from each `RowChange`."""

    def __init__(self) -> None:
        self._rows: Sequence[SessionRow] | None = None
        self._midnight = 0.0
        self._states: Counter[SessionState] = Counter()
        self._today = [0, 0, 0, 0]  # sessions, tokens, nanodollars, unpriced sessions
        self._paths: Counter[str] = Counter()  # billed rows per transcript file

    def update(
        self,
        rows: Sequence[SessionRow],
        now: datetime,
        change: RowChange | None = None,
        since: Sequence[SessionRow] | None = None,
    ) -> Summary:
        """The summary of `rows` at `now`. With `change` (from the rows `since`, when those are
        the rows of the last call, on the same day) only the changed rows are counted again."""
        midnight = _midnight(now)
        if (
            change is None
            or since is None
            or since is not self._rows
            or midnight != self._midnight
            or not change.versioned
            or not self._apply(change)
        ):
            self._count(rows, midnight)
        self._rows = rows
        return self.summary()

    def summary(self) -> Summary:
        sessions, tokens, nanos, unknown = self._today
        counts = {state: n for state, n in self._states.items() if n}
        return Summary(counts, sessions, tokens, nanos / _NANO, unknown)

    def _count(self, rows: Sequence[SessionRow], midnight: float) -> None:
        self._midnight = midnight
        self._states = Counter(row.verdict.state for row in rows)
        self._paths = Counter(
            row.session.source_path
            for row in rows
            if row.session.source_path is not None and _billed(row)
        )
        self._today = [0, 0, 0, 0]
        self._add(billable(rows), 1)

    def _apply(self, change: RowChange) -> bool:
        """Take the changed rows' old versions out and put the new ones in; False (nothing
        done) when a changed row shares its transcript file with another row, where which of
        them counts depends on the order of every row."""
        old = [row for row in change.before if row is not None]
        old += change.gone
        moved: Counter[str] = Counter()
        for rows, sign in ((old, -1), (change.changed, 1)):
            for row in rows:
                path = row.session.source_path
                if path is not None and _billed(row):
                    moved[path] += sign
        paths = self._paths
        if any(paths[p] > 1 or paths[p] + n > 1 for p, n in moved.items()):
            return False
        for path, n in moved.items():
            if paths[path] + n:
                paths[path] += n
            else:
                paths.pop(path, None)
        states = self._states
        for row in old:
            states[row.verdict.state] -= 1
        for row in change.changed:
            states[row.verdict.state] += 1
        self._add([row for row in old if _billed(row)], -1)
        self._add([row for row in change.changed if _billed(row)], 1)
        return True

    def _add(self, rows: Iterable[SessionRow], sign: int) -> None:
        """Add (sign 1) or take away (-1) the rows' share of today's totals."""
        midnight, today = self._midnight, self._today
        for row in rows:
            session = row.session
            if session.last_activity is None or session.last_activity.timestamp() < midnight:
                continue
            today[0] += sign
            if session.usage is not None:
                today[1] += sign * session.usage.total
            if session.cost_source is CostSource.UNKNOWN:
                today[3] += sign
            elif session.cost_usd is not None:
                today[2] += sign * round(session.cost_usd * _NANO)
