"""Where the money went: by model, by user or channel, by day, and the costliest sessions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.widgets import Static

from sessiontui.live.fleet import FleetUpdate
from sessiontui.model import Session, SessionRow
from sessiontui.money import session_cost
from sessiontui.rules.cost_series import WINDOWS, spend_series, window_start
from sessiontui.rules.costs import (
    CostGroup,
    cost_text,
    costliest,
    costs_by_day,
    costs_by_model,
    group_costs,
)
from sessiontui.screens.base import FleetScreen
from sessiontui.text import one_line
from sessiontui.widgets.cost_chart import BurnLine, SpendBars
from sessiontui.widgets.steady_footer import SteadyFooter


class CostsScreen(FleetScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "app.pop_screen", "Back", id="costs.back"),
        Binding("t", "next_window", "Window", id="costs.window"),
        Binding("b", "toggle_split", "By model/bot", id="costs.split"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.window = "7d"
        self.split = "model"

    def compose(self) -> ComposeResult:
        yield Static(id="cost-window")
        with Horizontal(id="cost-charts"):
            yield SpendBars(id="spend-bars")
            yield BurnLine(id="burn-line")
        with Grid(id="cost-grid"):
            yield Static(id="by-model", classes="cost-panel")
            yield Static(id="by-user", classes="cost-panel")
            yield Static(id="by-day", classes="cost-panel")
            yield Static(id="top", classes="cost-panel")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.show_latest()

    _drawn = False

    def action_next_window(self) -> None:
        self.window = WINDOWS[(WINDOWS.index(self.window) + 1) % len(WINDOWS)]
        self._draw_charts()
        if self.tui.latest is not None:
            self._draw_tables(self.tui.latest)

    def action_toggle_split(self) -> None:
        self.split = "bot" if self.split == "model" else "model"
        self._draw_charts()

    def _draw_charts(self) -> None:
        latest = self.tui.latest
        if latest is None:
            return
        series = spend_series(latest.rows, self.window, latest.now, self.split)
        total = sum(series.totals)
        notes = [
            f"window {self.window} (t), per {series.per}, by {self.split} (b): ${total:,.2f} priced"
        ]
        if series.unpriced:
            what = "calls" if series.per == "hour" else "sessions"
            notes.append(
                f"{series.unpriced} {what} with no price: not in the bars (unknown, not $0)"
            )
        if series.hourly_partial:
            notes.append(
                "some sessions keep only their last 60 calls: older spend in the window is missing"
            )
        self.query_one("#cost-window", Static).update(Text("; ".join(notes)))
        self.query_one(SpendBars).show(series, f"spend per {series.per}, by {self.split}")
        self.query_one(BurnLine).show(series, "burn, $/hour")

    def apply_update(self, update: FleetUpdate) -> None:
        if self._drawn and not update.data_changed:
            return  # only the clock moved: spend is what it was
        self._drawn = True
        self._draw_charts()
        self._draw_tables(update)

    def _draw_tables(self, update: FleetUpdate) -> None:
        """The tables under the charts, for the sessions active in the window (whole sessions:
        their spend is not split by time), and the days inside it."""
        rows: Sequence[SessionRow] = update.rows
        scope = ""
        if self.window != "all":
            start = window_start(self.window, update.now, rows)
            rows = [r for r in rows if r.session.last_activity and r.session.last_activity >= start]
            scope = f", sessions active in {self.window}"
        by_day = costs_by_day(update.rows)
        if self.window != "all":
            first = f"{window_start(self.window, update.now, update.rows):%Y-%m-%d}"
            by_day = [group for group in by_day if group.name >= first]
        self.query_one("#by-model", Static).update(
            _table(f"By model (each call its own{scope})", costs_by_model(rows))
        )
        self.query_one("#by-user", Static).update(
            _grouped(f"By user / channel{scope}", rows, lambda s: s.user or s.channel or "(none)")
        )
        self.query_one("#by-day", Static).update(
            _table("By day (UTC, spent that day)", by_day, tokens=False)
        )
        self.query_one("#top", Static).update(_top(rows))


def _grouped(title: str, rows: Sequence[SessionRow], key: Callable[[Session], str]) -> Table:
    return _table(title, group_costs(rows, key))


def _table(title: str, groups: list[CostGroup], *, tokens: bool = True) -> Table:
    table = Table(title=title, expand=True, title_style="bold")
    columns: list[tuple[str, JustifyMethod]] = [("", "left"), ("sessions", "right")]
    columns += [("tokens", "right")] if tokens else []
    columns.append(("cost", "right"))
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for group in groups[:15]:
        price = cost_text(group)
        counts = [str(group.sessions), *([f"{group.tokens:,}"] if tokens else []), price]
        table.add_row(Text(one_line(group.name, 36)), *counts)
    return table


def _top(rows: Sequence[SessionRow]) -> Table:
    table = Table(title="Costliest sessions", expand=True, title_style="bold")
    for column, justify in (
        ("session", "left"),
        ("store", "left"),
        ("model", "left"),
        ("cost", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in costliest(rows):
        s = row.session
        table.add_row(
            Text(one_line(s.name, 36)),
            str(s.format),
            Text(one_line(s.model or "-", 24)),
            session_cost(s),
        )
    return table
