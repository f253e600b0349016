"""Search every session's transcript (ctrl+f): matches arrive as they are found, newest sessions
first, with a count; Esc stops a running search, Enter opens the session, y copies its resume
command."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from sessiontui.live.fleet import FleetUpdate
from sessiontui.model import Session
from sessiontui.screens.base import FleetScreen
from sessiontui.search.hits import SearchHit
from sessiontui.stores.base import Store
from sessiontui.text import one_line, printable
from sessiontui.widgets.steady_footer import SteadyFooter

COLUMNS = ("when", "role", "session", "match", "resume")


def match_text(hit: SearchHit) -> Text:
    """The matching line with the match highlighted; its characters shown as they are (no markup,
    control characters made visible)."""
    flat = [
        printable(part).replace("\n", " ").replace("\t", " ")
        for part in (hit.line[: hit.start], hit.line[hit.start : hit.end], hit.line[hit.end :])
    ]
    text = Text(flat[0])
    text.append(flat[1], style="bold reverse")
    text.append(flat[2])
    return text


class SearchScreen(FleetScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop_or_back", "Stop / back", id="search.back"),
        Binding("ctrl+f", "focus_input", "New search", id="search.again"),
        Binding("y", "copy_resume", "Copy resume command", id="search.copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self._searching = False
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="search every transcript (literal text, any case) - Enter to search",
            id="search-input",
        )
        yield Static(Text("type a text and press Enter"), id="search-status")
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.query_one(Input).focus()

    def apply_update(self, update: FleetUpdate) -> None:
        """Results are not redrawn on every tick: a search reads what was there when it started."""

    def _sources(self) -> list[tuple[Store, list[Session]]]:
        fleet, latest = self.tui.fleet, self.tui.latest
        by_store: dict[int, tuple[Store, list[Session]]] = {id(s): (s, []) for s in fleet.stores}
        for row in latest.rows if latest is not None else ():
            store = fleet.store_of(row.session)
            if store is not None:
                by_store[id(store)][1].append(row.session)
        return list(by_store.values())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value:
            self.start_search(event.value)

    def start_search(self, text: str) -> None:
        self.hits = []
        table = self.query_one(DataTable)
        table.clear()
        table.focus()
        self._searching = True
        self._status(f"searching for {one_line(text, 80)!r}…")
        self._worker = self.search(text)

    @work(
        group="search", exclusive=True, exit_on_error=False, description="searching the transcripts"
    )
    async def search(self, text: str) -> None:
        from sessiontui.search.finder import find

        table = self.query_one(DataTable)
        async for hit in find(self._sources(), text):
            self.hits.append(hit)
            when = hit.at.astimezone().strftime("%Y-%m-%d %H:%M") if hit.at else "?"
            table.add_row(
                when,
                Text(one_line(hit.role, 10)),
                Text(one_line(hit.session.name, 30)),
                match_text(hit),
                Text(one_line(hit.resume or "", 60)),
                key=str(len(self.hits) - 1),
            )
            self._status(f"{self._count()} so far…")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            return  # an earlier search, cancelled by this one, or not over yet
        self._searching = False
        if event.state == WorkerState.CANCELLED:
            self._status(f"{self._count()} (stopped)")
        elif event.state == WorkerState.ERROR:
            self._status(f"{self._count()}; the search failed: {event.worker.error}")
        elif event.state == WorkerState.SUCCESS:
            self._status(self._count())

    def _count(self) -> str:
        return f"{len(self.hits)} match{'' if len(self.hits) == 1 else 'es'}"

    def _status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(Text(text))

    def action_stop_or_back(self) -> None:
        if self._searching:
            self.workers.cancel_group(self, "search")
        else:
            self.app.pop_screen()

    def action_focus_input(self) -> None:
        self.query_one(Input).focus()

    def _current(self) -> SearchHit | None:
        table = self.query_one(DataTable)
        if not self.hits or table.cursor_row < 0 or table.cursor_row >= len(self.hits):
            return None
        return self.hits[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from sessiontui.screens.detail import SessionDetailScreen

        hit = self.hits[int(str(event.row_key.value))]
        matched = hit.line[hit.start : hit.end] if hit.end > hit.start else hit.line
        self.app.push_screen(SessionDetailScreen(hit.session.uid, focus=(hit.at, matched)))

    def action_copy_resume(self) -> None:
        hit = self._current()
        if hit is None or hit.resume is None:
            self.notify("this session has no resume command", severity="warning")
            return
        self.app.copy_to_clipboard(hit.resume)
        self.notify(Text(hit.resume).plain, title="Copied", markup=False)
