"""The main screen: stores, a summary of states, and every session in one live table."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input

from sessiontui.live.fleet import FleetUpdate
from sessiontui.model import SessionState
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.store_list import StoreList
from sessiontui.widgets.summary_bar import SummaryBar

VIEWS: dict[str, frozenset[SessionState] | None] = {
    "all": None,
    "running": frozenset({SessionState.RUNNING}),
    "stuck": frozenset({SessionState.STUCK}),
    "idle": frozenset({SessionState.IDLE, SessionState.WAITING}),
    "error": frozenset({SessionState.ERROR}),
}


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "view('all')", "All", id="dashboard.all"),
        Binding("r", "view('running')", "Running", id="dashboard.running"),
        Binding("s", "view('stuck')", "Stuck", id="dashboard.stuck"),
        Binding("i", "view('idle')", "Idle", id="dashboard.idle"),
        Binding("e", "view('error')", "Errors", show=False, id="dashboard.error"),
        Binding("slash", "filter", "Filter", id="dashboard.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="dashboard.clear_filter"),
        Binding("c", "costs", "Costs", id="dashboard.costs"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view_name = "all"

    def compose(self) -> ComposeResult:
        yield StoreList(id="stores")
        yield SummaryBar(id="summary")
        yield Input(placeholder="filter: name, key, channel, model — Enter to keep, Esc to clear", id="filter")
        yield SessionTable(id="sessions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(SessionTable).focus()
        self._title()
        latest = getattr(self.app, "latest", None)
        if latest is not None:
            self.apply_update(latest)

    def apply_update(self, update: FleetUpdate) -> None:
        self.query_one(StoreList).show(update.statuses, update.now)
        self.query_one(SummaryBar).update_summary(update.rows, update.now)
        self.query_one(SessionTable).set_rows(update.rows, update.now)
        self._title()

    def _title(self) -> None:
        table = self.query_one(SessionTable)
        self.sub_title = f"{self.view_name}: {table.row_count} of {table.total_count} sessions"
        table.border_title = self.sub_title

    def action_view(self, name: str) -> None:
        self.view_name = name
        self.query_one(SessionTable).set_state_filter(VIEWS[name])
        self._title()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.query_one(SessionTable).set_filter("")
        self.query_one(SessionTable).focus()
        self._title()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one(SessionTable).set_filter(event.value)
        self._title()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.display = False
        self.query_one(SessionTable).focus()

    def on_session_table_selected(self, event: SessionTable.Selected) -> None:
        from sessiontui.screens.detail import SessionDetailScreen

        self.app.push_screen(SessionDetailScreen(event.uid))

    def action_costs(self) -> None:
        from sessiontui.screens.costs import CostsScreen

        self.app.push_screen(CostsScreen())
