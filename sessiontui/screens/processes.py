"""`p`: every agent process and store holder sessiontui sees, orphans first; `K` stops one."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sessiontui.live.fleet import FleetUpdate
from sessiontui.live.process_list import ListedProcess, listed_processes
from sessiontui.screens.base import FleetScreen
from sessiontui.text import one_line
from sessiontui.widgets.process_facts import process_line
from sessiontui.widgets.steady_footer import SteadyFooter


class ProcessesScreen(FleetScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back", id="processes.back"),
        Binding("K", "stop_process", "Stop process", id="processes.stop"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.listed: list[ListedProcess] = []

    def compose(self) -> ComposeResult:
        yield Static(id="processes-title")
        yield OptionList(id="processes")
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        self.show_latest()
        self.query_one(OptionList).focus()

    def apply_update(self, update: FleetUpdate) -> None:
        listed = listed_processes(update)
        if [(p.info, p.why_orphan, len(p.sessions)) for p in listed] == [
            (p.info, p.why_orphan, len(p.sessions)) for p in self.listed
        ]:
            return
        options = self.query_one(OptionList)
        keep = options.highlighted
        kept_pid = (
            self.listed[keep].info.pid if keep is not None and keep < len(self.listed) else None
        )
        self.listed = listed
        options.clear_options()
        options.add_options(
            [Option(_entry(p, update.now), id=str(i)) for i, p in enumerate(listed)]
        )
        pids = [p.info.pid for p in listed]
        if pids:
            options.highlighted = pids.index(kept_pid) if kept_pid in pids else 0
        orphans = sum(p.why_orphan is not None for p in listed)
        scan = update.process_scan
        title = Text(
            f"Processes: {len(listed)} agents and store holders, {orphans} orphaned", style="bold"
        )
        if scan is not None and scan.not_inspectable:
            title.append(
                f"  ({scan.not_inspectable} processes of other users cannot be inspected)",
                style="dim",
            )
        if scan is not None and scan.unavailable:
            title.append(f"  not available: {one_line(scan.unavailable, 100)}", style="yellow")
        self.query_one("#processes-title", Static).update(title)

    def action_stop_process(self) -> None:
        from sessiontui.screens.stop_process import ask_and_stop

        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.listed):
            return
        chosen = self.listed[index]
        read_only = self.tui.config.read_only
        if read_only:
            self.app.notify(
                "sessiontui runs with --read-only", title="Not available", severity="warning"
            )
            return
        ask_and_stop(
            self.tui, chosen.info, chosen.session, max(1, len(chosen.sessions)), read_only=read_only
        )


def _entry(listed: ListedProcess, now: datetime) -> Text:
    text = Text()
    if listed.why_orphan is not None:
        text.append(f"ORPHAN ({listed.why_orphan})  ", style="bold yellow")
    text.append_text(process_line(listed.info, now, orphan_note=False))
    text.append("\n    " + one_line(" ".join(listed.info.cmdline), 140), style="dim")
    if listed.sessions:
        names = ", ".join(one_line(r.session.name or r.session.id, 30) for r in listed.sessions[:3])
        more = f" and {len(listed.sessions) - 3} more" if len(listed.sessions) > 3 else ""
        text.append(f"\n    serves {names}{more}")
    return text
