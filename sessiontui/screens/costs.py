"""Where the money went: by model, by user or channel, by day, and the costliest sessions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Footer, Static

from sessiontui.live.fleet import FleetUpdate
from sessiontui.model import Session, SessionRow
from sessiontui.money import session_cost
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


class CostsScreen(FleetScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "app.pop_screen", "Back", id="costs.back"),
    ]

    def compose(self) -> ComposeResult:
        with Grid(id="cost-grid"):
            yield Static(id="by-model", classes="cost-panel")
            yield Static(id="by-user", classes="cost-panel")
            yield Static(id="by-day", classes="cost-panel")
            yield Static(id="top", classes="cost-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.show_latest()

    _drawn = False

    def apply_update(self, update: FleetUpdate) -> None:
        if self._drawn and not update.data_changed:
            return  # only the clock moved: spend is what it was
        self._drawn = True
        rows = update.rows
        self.query_one("#by-model", Static).update(_table("By model (each call its own)", costs_by_model(rows)))
        self.query_one("#by-user", Static).update(
            _grouped("By user / channel", rows, lambda s: s.user or s.channel or "(none)")
        )
        self.query_one("#by-day", Static).update(_table("By day (UTC, spent that day)", costs_by_day(rows), tokens=False))
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
    for column, justify in (("session", "left"), ("store", "left"), ("model", "left"), ("cost", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in costliest(rows):
        s = row.session
        table.add_row(Text(one_line(s.name, 36)), str(s.format), Text(one_line(s.model or "-", 24)),
                      session_cost(s))
    return table
