"""One line over the table: how many sessions are in each state, and what today cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from sessiontui.model import CostSource, SessionRow, SessionState
from sessiontui.money import dollars
from sessiontui.rules.costs import billable
from sessiontui.widgets.session_columns import compact_count

#: Display order: what needs an operator first.
STATE_ORDER = (
    SessionState.STUCK,
    SessionState.ERROR,
    SessionState.RUNNING,
    SessionState.WAITING,
    SessionState.IDLE,
    SessionState.CLOSED,
    SessionState.ARCHIVED,
)


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts per state, and the totals of the sessions active since midnight of `now`."""

    counts: dict[SessionState, int]
    today_sessions: int
    today_tokens: int
    today_cost: float
    today_cost_unknown: int  # sessions active today whose cost could not be priced


def summarize(rows: Sequence[SessionRow], now: datetime) -> Summary:
    """Count states; total tokens and cost of sessions whose last activity is today."""
    counts = Counter(row.verdict.state for row in rows)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    sessions = tokens = unknown = 0
    cost = 0.0
    for row in billable(rows):
        session = row.session
        if session.last_activity is None or session.last_activity.timestamp() < midnight:
            continue
        sessions += 1
        if session.usage is not None:
            tokens += session.usage.total
        if session.cost_source is CostSource.UNKNOWN:
            unknown += 1
        elif session.cost_usd is not None:
            cost += session.cost_usd
    return Summary(dict(counts), sessions, tokens, cost, unknown)


class SummaryBar(Static):
    """` 2 STUCK   0 error  5 running ... │ active today: 12 sessions  1.2M tokens  $3.4500`.

    The totals are those of the sessions active since midnight of `now` (the sessions' own
    totals: the stores do not say how much of them was spent today).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "summary-bar--zero",
        "summary-bar--label",
        *(f"summary-bar--{state}" for state in SessionState),
    }

    DEFAULT_CSS = """
    SummaryBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        & > .summary-bar--zero { color: $text-disabled; }
        & > .summary-bar--label { color: $text-muted; }
        & > .summary-bar--running { color: $success; text-style: bold; }
        & > .summary-bar--waiting { color: $warning; }
        & > .summary-bar--idle { color: $text-muted; }
        & > .summary-bar--stuck { color: $error; text-style: reverse bold; }
        & > .summary-bar--error { color: $error; text-style: bold; }
        & > .summary-bar--closed { color: $text-disabled; }
        & > .summary-bar--archived { color: $text-disabled; }
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("", name=name, id=id, classes=classes)
        self.summary: Summary | None = None

    def update_summary(self, rows: Sequence[SessionRow], now: datetime) -> None:
        """Count `rows` and show the result."""
        self.summary = summarize(rows, now)
        self.update(self._text(self.summary))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.summary is not None:
            self.update(self._text(self.summary))

    def _text(self, summary: Summary) -> Text:
        style = self.get_component_rich_style
        text = Text(no_wrap=True, overflow="ellipsis")
        for state in STATE_ORDER:
            count = summary.counts.get(state, 0)
            label = f" {count} STUCK " if state is SessionState.STUCK else f"{count} {state}"
            name = f"summary-bar--{state}" if count else "summary-bar--zero"
            text.append(label, style(name, partial=True))
            text.append("  ")
        cost = dollars(summary.today_cost)
        if summary.today_cost_unknown:
            cost += f" (+{summary.today_cost_unknown} unpriced)"
        text.append("\u2502 active today: ", style("summary-bar--label", partial=True))
        text.append(
            f"{summary.today_sessions} sessions  {compact_count(summary.today_tokens)} tokens  {cost}"
        )
        return text
