"""The main screen: stores, a summary of states, and every session in one live table."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches

from sessiontui.actions.base import READ_ONLY
from sessiontui.live.fleet import FleetUpdate
from sessiontui.model import Session, SessionProcesses, SessionRow, SessionState
from sessiontui.screens.actions_ui import SESSION_KEYS, ActionScreen, action_bindings
from sessiontui.seen import UnseenRows
from sessiontui.widgets.filter_query import FILTER_HELP
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.steady_footer import SteadyFooter
from sessiontui.widgets.store_list import StoreList
from sessiontui.widgets.summary_bar import SummaryBar

VIEWS: dict[str, frozenset[SessionState] | None] = {
    "all": None,
    "waiting": frozenset({SessionState.WAITING}),
    "running": frozenset({SessionState.RUNNING}),
    "stuck": frozenset({SessionState.STUCK}),
    "idle": frozenset({SessionState.IDLE, SessionState.WAITING}),
    "error": frozenset({SessionState.ERROR}),
}


BULK_KEYS = (("space", "toggle_mark", "Mark for bulk", False), ("B", "bulk", "Bulk", True))


class DashboardScreen(ActionScreen):
    HELP = FILTER_HELP
    GUARDED = ActionScreen.GUARDED | {key[1] for key in BULK_KEYS}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "view('all')", "All", id="dashboard.all"),
        Binding("w", "view('waiting')", "Waiting for you", show=False, id="dashboard.waiting"),
        Binding("r", "view('running')", "Running", id="dashboard.running"),
        Binding("s", "view('stuck')", "Stuck", id="dashboard.stuck"),
        Binding("i", "view('idle')", "Idle", id="dashboard.idle"),
        Binding("e", "view('error')", "Errors", show=False, id="dashboard.error"),
        Binding("slash", "filter", "Filter", id="dashboard.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="dashboard.clear_filter"),
        Binding("c", "costs", "Costs", id="dashboard.costs"),
        Binding("ctrl+f", "search", "Search transcripts", show=False, id="dashboard.search"),
        Binding("H", "toggle_hidden", "Show hidden", show=False, id="dashboard.hidden"),
        Binding("p", "show_processes", "Processes", show=False, id="dashboard.processes"),
        # The table's footer keeps room for q and ?: the store-specific verbs are in ? and ctrl+p.
        *action_bindings(
            SESSION_KEYS,
            "session",
            footer={"close_session", "rename_session", "delete_session", "undo_delete"},
        ),
        *action_bindings(BULK_KEYS, "dashboard"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view_name = "all"
        self.show_hidden = False
        self._summary_key: tuple[tuple[SessionRow, ...], object] | None = None
        self._loading = 0  # sessions the stores hold beyond the first pages shown so far
        self._unseen: UnseenRows | None = None  # made on mount: the app's marks
        # the table, for what every key asks of it: each guarded action's availability looks at
        # the cursor's row (a query walked the screen's widgets for each, before every frame)
        self._table: SessionTable | None = None

    def compose(self) -> ComposeResult:
        yield StoreList(id="stores")
        yield SummaryBar(id="summary")
        self._table = SessionTable(id="sessions")
        yield self._table
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(SessionTable).focus()
        self._title()
        self.show_latest()

    def apply_update(self, update: FleetUpdate) -> None:
        self._loading = sum(s.loading - s.sessions for s in update.statuses if s.loading)
        self.query_one(StoreList).show(update.statuses, update.now)
        table = self.query_one(SessionTable)
        table.show_column("pid", update.processes_linked)
        same = update.rows is table.rows_given
        table.set_rows(update.rows, update.now, update.change, update.since)
        if _sweeping(update):
            # most rows are new (a store's full read): the table's frame goes out first, the
            # summary and the unseen marks count every row after it (0.15-0.2 s at 100k). Were
            # that callback lost with its frame (another screen on top), the next update counts
            # them: neither has counted these rows.
            self.call_after_refresh(self._show_counts)
        else:
            self._show_summary(update)
            self._show_unseen(update)
        if not same:  # an idle tick changes neither the counts nor what the cursor's session allows
            self._title()
            self.update_bindings()

    def _show_counts(self) -> None:
        """The summary and the unseen marks of the latest rows, counted in full."""
        latest = self.tui.latest
        if latest is not None:
            self._show_summary(latest, counted=False)
            self._show_unseen()

    def _show_summary(self, update: FleetUpdate, counted: bool = True) -> None:
        """The summary bar, counted again only when the rows or the day moved (from `update`'s
        change when `counted`: the bar last counted the rows it came from)."""
        summary_key = (update.rows, update.now.date())
        if (
            self._summary_key is None
            or summary_key[0] is not self._summary_key[0]
            or summary_key[1] != self._summary_key[1]
        ):
            self._summary_key = summary_key
            change, since = (update.change, update.since) if counted else (None, None)
            self.query_one(SummaryBar).update_summary(update.rows, update.now, change, since)

    def _show_unseen(self, update: FleetUpdate | None = None) -> None:
        """Mark the sessions finished since the operator last opened them (looking only at the
        rows that changed, or at every row when the operator's looks moved)."""
        latest = update or self.tui.latest
        if latest is None:
            return
        if self._unseen is None:
            self._unseen = UnseenRows(self.tui.seen)
        change, since = (update.change, update.since) if update is not None else (None, None)
        self.query_one(SessionTable).set_unseen(self._unseen.update(latest.rows, change, since))

    def on_screen_resume(self) -> None:
        self._show_unseen()  # a session opened in the detail view is seen now

    def _title(self) -> None:
        """The counts in the table's top border. Also kept as the screen's `sub_title`, set
        without its repaint: no header shows it here, and setting it repainted the whole
        screen at every filter letter and every tick that moved a count."""
        table = self.query_one(SessionTable)
        title = f"{self.view_name}: {table.row_count} of {table.total_count} sessions"
        if table.counting:
            title += ", counting…"
        if self.show_hidden:
            title += " (hidden ones shown)"
        elif table.hidden_count:
            title += f" ({table.hidden_count} hidden: H shows them)"
        if table.marked:
            title += f", {len(table.marked)} marked (B: bulk action)"
        if self._loading:
            title += f", loading {self._loading:,} more…"
        if title != self.sub_title:
            self.set_reactive(DashboardScreen.sub_title, title)
            table.border_title = title

    def action_view(self, name: str) -> None:
        self.view_name = name
        self.query_one(SessionTable).set_state_filter(VIEWS[name])
        self._title()

    def action_toggle_hidden(self) -> None:
        """Show the sessions the bots' own pickers hide (Hermes Agent subagent and tool runs)."""
        self.show_hidden = not self.show_hidden
        self.query_one(SessionTable).set_show_hidden(self.show_hidden)
        self._title()

    def action_filter(self) -> None:
        """Type a filter: the table takes the keys (see `SessionTable.start_filter`)."""
        table = self.query_one(SessionTable)
        if self.focused is not table:
            table.focus()
        table.start_filter()

    def action_clear_filter(self) -> None:
        table = self.query_one(SessionTable)
        if table.filter_text:
            table.clear_filter()

    def on_session_table_filtered(self, _: SessionTable.Filtered) -> None:
        self._title()

    def on_session_table_highlighted(self, _: SessionTable.Highlighted) -> None:
        self.update_bindings()

    def on_session_table_selected(self, event: SessionTable.Selected) -> None:
        from sessiontui.screens.detail import SessionDetailScreen

        self.app.push_screen(SessionDetailScreen(event.uid))

    def action_search(self) -> None:
        from sessiontui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_costs(self) -> None:
        from sessiontui.screens.costs import CostsScreen

        self.app.push_screen(CostsScreen())

    def action_show_processes(self) -> None:
        from sessiontui.screens.processes import ProcessesScreen

        self.app.push_screen(ProcessesScreen())

    # ----------------------------------------------------------------- actions on sessions

    def action_session(self) -> Session | None:
        row = self._cursor_row()
        return row.session if row is not None else None

    def session_processes(self) -> SessionProcesses | None:
        row = self._cursor_row()
        return row.processes if row is not None else None

    def _cursor_row(self) -> SessionRow | None:
        table = self._table
        if table is None:  # asked for the footer before the table is made
            return None
        rows, index = table.visible_rows(), table.cursor_row
        if 0 <= index < len(rows) and rows[index].key == table.cursor_uid:
            return rows[index]
        return None

    def unavailable_reason(self, action: str) -> str | None:
        if action == "toggle_mark":
            return NO_ROWS if self.action_session() is None else None
        if action == "bulk":
            if self.read_only:
                return READ_ONLY
            table = self._table
            return None if table is not None and (table.marked or table.row_count) else NO_ROWS
        return super().unavailable_reason(action)

    def action_toggle_mark(self) -> None:
        table = self.query_one(SessionTable)
        if table.cursor_uid is not None:
            table.toggle_mark(table.cursor_uid)
            self._title()

    def _bulk_targets(self) -> tuple[list[Session], str]:
        """The marked sessions still in the stores, or else every session the filters show."""
        try:
            table = self.query_one(SessionTable)
        except NoMatches:
            return [], ""
        if table.marked:
            latest = self.tui.latest
            rows = latest.rows if latest is not None else ()
            return [r.session for r in rows if r.key in table.marked], "marked sessions"
        return [r.session for r in table.every_match()], f"sessions shown ({self.view_name} view)"

    def action_bulk(self) -> None:
        sessions, what = self._bulk_targets()
        if sessions:
            self.open_bulk(sessions, what, self._after_bulk)

    def _after_bulk(self) -> None:
        self.query_one(SessionTable).clear_marks()
        self._title()


NO_ROWS = "no session is shown"
SWEEP_ROWS = 5000  # an update changing more rows than this shows the table before the counts


def _sweeping(update: FleetUpdate) -> bool:
    """Whether `update` changed most of its rows (and more than `SWEEP_ROWS`)."""
    change = update.change
    if change is None:
        return False
    return len(change.changed) + len(change.removed) > max(SWEEP_ROWS, len(update.rows) // 2)
