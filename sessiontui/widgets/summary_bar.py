"""One line over the table: how many sessions are in each state, and what today cost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from sessiontui.live.classified_rows import RowChange
from sessiontui.live.fleet_summary import Summary, SummaryTally
from sessiontui.model import STATE_ORDER, SessionRow, SessionState
from sessiontui.money import dollars
from sessiontui.widgets.session_columns import compact_count
from sessiontui.widgets.state_style import state_classes, state_rules


class SummaryBar(Static):
    """` 2 STUCK   0 error  5 running ... │ active today: 12 sessions  1.2M tokens  $3.4500`.

    The totals are those of the sessions active since midnight of `now` (the sessions' own
    totals: the stores do not say how much of them was spent today).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "summary-bar--zero",
        "summary-bar--label",
        *state_classes("summary-bar"),
    }

    DEFAULT_CSS = (
        """
    SummaryBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        & > .summary-bar--zero { color: $text-disabled; }
        & > .summary-bar--label { color: $text-muted; }
        """
        + state_rules("summary-bar")
        + "\n}"
    )

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("", name=name, id=id, classes=classes)
        self.summary: Summary | None = None
        self._tally = SummaryTally()

    def update_summary(
        self,
        rows: Sequence[SessionRow],
        now: datetime,
        change: RowChange | None = None,
        since: Sequence[SessionRow] | None = None,
    ) -> None:
        """Count `rows` (only the changed ones, given what changed since the rows last counted)
        and show the result when it differs."""
        summary = self._tally.update(rows, now, change, since)
        if summary != self.summary:
            self.summary = summary
            self.update(self._text(summary), layout=False)  # one line, as wide as the screen

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.summary is not None:
            self.update(self._text(self.summary), layout=False)

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
