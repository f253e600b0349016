"""One session: its facts, usage and cost, and its transcript arriving live."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import humanize
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

from sessiontui.actions import Outcome, Verb
from sessiontui.app import log_failure
from sessiontui.live.fleet import Fleet, FleetUpdate
from sessiontui.live.process_links import current
from sessiontui.model import Message, MessagePage, Session, SessionProcesses, SessionRow
from sessiontui.money import dollars, dollars_per_hour, session_cost
from sessiontui.rules.burn import cost_series
from sessiontui.screens.actions_ui import SESSION_KEYS, ActionScreen, action_bindings
from sessiontui.stores.base import Store, StoreError
from sessiontui.text import one_line
from sessiontui.widgets.process_facts import process_facts
from sessiontui.widgets.state_style import state_classes, state_rules
from sessiontui.widgets.steady_footer import SteadyFooter
from sessiontui.widgets.transcript_view import TranscriptView

PAGE = 200
FOCUS_PAGES = 25  # older pages read at most to reach the message a search hit opens at
EVIDENCE_EVENTS = 5
EXTRA_ROWS = 16  # store-specific facts shown (Claude Code: version, turns, hooks, subagents ...)


class SessionDetailScreen(ActionScreen):
    COMPONENT_CLASSES: ClassVar[set[str]] = state_classes("detail")
    DEFAULT_CSS = "SessionDetailScreen {\n" + state_rules("detail") + "\n}"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back", id="detail.back"),
        Binding("E", "export_session", "Export", show=False, id="detail.export"),
        Binding("D", "show_disk", "Disk use of the store", show=False, id="detail.disk"),
        *action_bindings(SESSION_KEYS, "session"),
    ]

    def __init__(self, uid: str, focus: tuple[datetime | None, str] | None = None) -> None:
        """`focus`: a message to open at (its time, a text it holds), as a search hit gives."""
        super().__init__()
        self.uid = uid
        self._focus = focus
        self._focus_pages = 0  # older pages read looking for it
        self.row: SessionRow | None = None
        self._older: object | None = None
        self._newer: object | None = None
        self._loading = False

    def compose(self) -> ComposeResult:
        yield Static(id="meta")
        with Horizontal(id="burn-row"):
            yield Static(id="burn")
            yield Sparkline([], id="spark")
        yield Static(id="evidence")
        yield Static(id="process")
        yield Static(id="disk")
        yield TranscriptView(id="transcript")
        yield SteadyFooter(compact=True)

    def action_export_session(self) -> None:
        """Ask where to write the export (.md, .json or .jsonl by its name), then write it."""
        from sessiontui.screens.modals import TextScreen

        if self.row is None:
            return
        session = self.row.session
        default = Path.cwd() / (
            "".join(c if c.isalnum() or c in "-_." else "_" for c in session.id)[:80] + ".md"
        )

        def chosen(answer: str | None) -> None:
            if answer and answer.strip():
                self.export_session(session, Path(answer.strip()).expanduser())

        about = Text(
            "The transcript with its metadata, tokens and cost; the file is yours alone (0600). "
            "Markdown, or JSON / JSON lines for a name ending .json / .jsonl."
        )
        self.app.push_screen(TextScreen("Export to", about, value=str(default)), chosen)

    @work(group="export", exclusive=True, exit_on_error=False, description="exporting a session")
    async def export_session(self, session: Session, target: Path) -> None:
        from sessiontui.export_command import export_to

        store = self.tui.fleet.store_of(session)
        if store is None:
            return
        fmt = {".json": "json", ".jsonl": "jsonl"}.get(target.suffix, "md")
        try:
            count = await export_to(store, session, fmt, target)
        except (OSError, StoreError) as exc:
            self.notify(
                one_line(str(exc), 200), title="Export failed", severity="error", markup=False
            )
            return
        self.notify(
            one_line(f"{count} messages written to {target}", 200), title="Exported", markup=False
        )

    def on_mount(self) -> None:
        self.show_latest()
        self.query_one(TranscriptView).focus()
        self.load_latest()
        self.query_one("#disk", Static).display = False
        self.tui.mark_seen(self.uid)

    def on_unmount(self) -> None:
        self.tui.mark_seen(self.uid)  # what finished while it was open was seen too

    def action_show_disk(self) -> None:
        box = self.query_one("#disk", Static)
        if box.display:
            box.display = False
        elif self.row is not None:
            self.show_disk(self.row.session)

    @work(
        group="disk", exclusive=True, exit_on_error=False, description="measuring the store on disk"
    )
    async def show_disk(self, session: Session) -> None:
        """One line: what the session's store takes on disk, part by part (`sessiontui du`)."""
        from sessiontui.disk_usage import disk_line, store_parts

        parts = await asyncio.to_thread(store_parts, session.format, Path(session.store))
        box = self.query_one("#disk", Static)
        box.update(Text(disk_line(parts)))
        box.display = bool(parts)

    def apply_update(self, update: FleetUpdate) -> None:
        row = next((r for r in update.rows if r.key == self.uid), None)
        if row is None:
            self.query_one("#meta", Static).update(
                Text("This session is gone from its store.", style="bold red")
            )
            self.row = None
            self.update_bindings()
            return
        changed = self.row is None or self.row.session != row.session
        self.row = row
        self.update_bindings()
        look = self.get_component_rich_style(f"detail--{row.verdict.state}", partial=True)
        self.query_one("#meta", Static).update(_meta_table(row, update, look))
        self._show_burn(row, update)
        self._show_evidence()
        box = self.query_one("#process", Static)
        box.display = row.processes is not None
        if row.processes is not None:
            box.update(process_facts(current(row.processes, update.process_scan), update.now))
        if changed and self._newer is not None:
            self.load_new()

    def _show_burn(self, row: SessionRow, update: FleetUpdate) -> None:
        has_times = any(call.at for call in row.session.recent_calls)
        self.query_one("#burn-row").display = has_times
        if not has_times:
            return
        burn = row.burn
        text = Text()
        text.append("Cost, last 60 min  ", style="bold")
        if burn is None:
            text.append("no calls in the last 10 min", style="dim")
        else:
            rate = (
                "?"
                if burn.dollars_per_minute is None
                else dollars_per_hour(burn.dollars_per_minute)
            )
            text.append(f"{rate}  {burn.tokens_per_minute:,.0f} tokens/min")
            if burn.runaway:
                text.append("  RUNAWAY", style="bold red reverse")
        self.query_one("#burn", Static).update(text)
        self.query_one("#spark", Sparkline).data = cost_series(row.session, update.now)

    def _show_evidence(self) -> None:
        """For a stuck session: the verdict's evidence and the last events with their times."""
        box = self.query_one("#evidence", Static)
        row = self.row
        if row is None or row.verdict.reason is None:
            box.display = False
            return
        box.display = True
        text = Text()
        text.append(f"Why {row.verdict.state} ({row.verdict.reason}): ", style="bold red")
        text.append(one_line(row.verdict.evidence or ""))
        session = row.session
        if session.turn_started_at is not None:
            text.append(f"\n  turn started  {session.turn_started_at:%H:%M:%S} UTC", style="dim")
        if session.last_activity is not None:
            text.append(f"\n  last activity {session.last_activity:%H:%M:%S} UTC", style="dim")
        for message in self.query_one(TranscriptView).messages[-EVIDENCE_EVENTS:]:
            when = f"{message.at:%H:%M:%S}" if message.at else "--:--:--"
            what = message.tool_calls[0].name if message.tool_calls else one_line(message.text, 90)
            text.append(f"\n  {when}  {message.role!s:<9} {message.kind!s:<11} {what}")
        box.update(text)

    def action_session(self) -> Session | None:
        return self.row.session if self.row is not None else None

    def session_processes(self) -> SessionProcesses | None:
        return self.row.processes if self.row is not None else None

    def after_outcome(self, verb: Verb, outcome: Outcome) -> None:
        if verb is Verb.DELETE and outcome.ok and self.is_current:
            self.app.pop_screen()  # back to the table: this session is gone

    async def _read(self, reading: Awaitable[MessagePage]) -> MessagePage | None:
        """A page of the transcript, or None after telling the operator why not (any failure)."""
        try:
            return await reading
        except StoreError as exc:
            self.notify(one_line(str(exc), 300), severity="error", markup=False)
        except Exception as exc:  # noqa: BLE001 - a failed read is a message, never a dead worker
            logged = log_failure(exc)
            where = f" (traceback in {logged})" if logged else ""
            self.notify(
                one_line(f"reading the transcript failed: {type(exc).__name__}: {exc}{where}", 300),
                severity="error",
                markup=False,
            )
        return None

    def _store(self) -> Store | None:
        fleet: Fleet = self.tui.fleet
        return fleet.store_of(self.row.session) if self.row else None

    @work(group="transcript", exclusive=True, exit_on_error=False)
    async def load_latest(self) -> None:
        store = self._store()
        if store is None or self.row is None:
            return
        page = await self._read(store.read_messages(self.row.session, limit=PAGE))
        if page is None:
            return
        self._older, self._newer = page.older, page.newer
        self.query_one(TranscriptView).set_messages(page.messages, has_older=page.older is not None)
        self._show_evidence()
        self._seek_focus()

    @work(group="transcript-new", exclusive=True, exit_on_error=False)
    async def load_new(self) -> None:
        store = self._store()
        if store is None or self.row is None or self._newer is None:
            return
        page = await self._read(store.read_new_messages(self.row.session, self._newer))
        if page is None:
            return
        self._newer = page.newer
        if page.messages:
            self.query_one(TranscriptView).append_messages(page.messages)
            self._show_evidence()

    @work(group="transcript-old", exclusive=True, exit_on_error=False)
    async def load_older(self) -> None:
        store = self._store()
        if store is None or self.row is None or self._older is None:
            return
        page = await self._read(
            store.read_messages(self.row.session, before=self._older, limit=PAGE)
        )
        if page is None:
            return
        self._older = page.older
        self.query_one(TranscriptView).prepend_messages(
            page.messages, has_older=page.older is not None
        )
        self._seek_focus()

    def _seek_focus(self) -> None:
        """Bring the message the screen was opened at into view, reading older pages to reach it."""
        if self._focus is None:
            return
        at, text = self._focus
        needle = text.casefold()

        def holds(message: Message) -> bool:
            near = at is None or message.at is None or abs((message.at - at).total_seconds()) < 1
            return near and needle in message.text.casefold()

        view = self.query_one(TranscriptView)
        index = view.find(holds)
        if index is not None:
            self._focus = None
            view.show_message(index)
        elif self._older is not None and self._focus_pages < FOCUS_PAGES:
            self._focus_pages += 1
            self.load_older()
        else:
            self._focus = None
            self.notify("The matching message is no longer in this transcript", severity="warning")

    def on_transcript_view_need_older(self, _: TranscriptView.NeedOlder) -> None:
        self.load_older()

    def on_transcript_view_need_latest(self, _: TranscriptView.NeedLatest) -> None:
        self.load_latest()


def _meta_table(row: SessionRow, update: FleetUpdate, look: Style) -> Table:
    s, verdict, now = row.session, row.verdict, update.now
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="bold")
    table.add_column()
    state = Text()
    state.append(str(verdict.state).upper(), style=look)
    if verdict.reason:
        state.append(f"  {verdict.reason}: ", style="bold")
        state.append(one_line(verdict.evidence or ""))
    elif verdict.evidence:
        state.append(f"  ({one_line(verdict.evidence)})")

    def when(moment: datetime | None) -> str:
        if moment is None:
            return "-"
        return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({humanize.naturaltime(now - moment)})"

    usage = s.usage
    cost = session_cost(s, unknown="unknown (model not priced)")
    if s.counting is not None:  # a big transcript still being read: no partial figures
        cost = f"counting ({s.counting:.0%} of the transcript read)"
    rows: list[tuple[str | Text, Text, str, Text]] = [
        ("Session", Text(one_line(s.name, 70)), "State", state),
        ("Key", Text(one_line(s.id, 70)), "Store", Text(f"{s.format}  {one_line(s.store, 60)}")),
        (
            "Channel",
            Text(one_line(s.channel or "-", 40)),
            "User / agent",
            Text(one_line(f"{s.user or '-'} / {s.agent or '-'}", 40)),
        ),
        (
            "Model",
            Text(one_line(s.model or "-", 40)),
            "Messages / turns",
            Text(f"{s.message_count} / {s.turns if s.turns is not None else '-'}"),
        ),
        ("Created", Text(when(s.created_at)), "Last activity", Text(when(s.last_activity))),
        (
            "Tokens",
            Text(
                "-"
                if usage is None
                else f"in {usage.input_tokens:,}  out {usage.output_tokens:,}  cache read {usage.cache_read_tokens:,}  cache write {usage.cache_write_tokens:,}"
            ),
            "Cost",
            Text(f"{cost}" + (f"  ({s.cost_source})" if s.cost_source else "")),
        ),
    ]
    for spend in s.models:  # every call under the model that served it
        price = "unknown" if spend.cost is None else dollars(spend.cost)
        spent = f"{spend.model}  {spend.calls:,} calls  {spend.usage.total:,} tokens  {price}"
        rows.append(("By model", Text(one_line(spent, 100)), "", Text("")))
    for extra_key, extra_value in s.extra[:EXTRA_ROWS]:
        rows.append((Text(one_line(extra_key, 30)), Text(one_line(extra_value, 100)), "", Text("")))
    for a, b, c, d in rows:
        table.add_row(a, b, c, d)
    return table
