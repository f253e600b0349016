"""One line per open store: format, path, when it was last read, and what went wrong if it did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import humanize
from rich.text import Text
from textual.widgets import Static

from sessiontui.live.fleet import StoreStatus
from sessiontui.text import one_line


class StoreList(Static):
    DEFAULT_CSS = """
    StoreList { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    """

    def show(self, statuses: Sequence[StoreStatus], now: datetime) -> None:
        text = Text()
        for index, status in enumerate(statuses):
            if index:
                text.append("\n")
            text.append("✖ " if status.error else "● ", style="bold red" if status.error else "green")
            text.append(f"{status.format:<16}", style="bold")
            text.append(one_line(status.path, 60) + "  ")
            if status.last_ok is not None:
                ago = humanize.naturaldelta(max(now - status.last_ok, now - now))
                text.append(f"read {ago} ago  ", style="dim")
            text.append(f"{status.sessions} sessions", style="dim")
            if status.note:
                text.append("  " + one_line(status.note, 100))
            _processes(text, status, now)
            if status.skipped_lines:
                text.append(f"  {status.skipped_lines} corrupt lines skipped", style="yellow")
            if status.error:
                text.append("  STALE: " + one_line(status.error, 120), style="bold red")
            for problem in status.problems[:2]:
                text.append("\n    " + one_line(problem, 140), style="yellow")
        self.update(text)


def _processes(text: Text, status: StoreStatus, now: datetime) -> None:
    """The processes holding the store open (its bot), or the one that vanished."""
    if status.processes is None:
        return
    if status.processes:
        names = ", ".join(f"{one_line(p.name, 20)} {p.pid}" for p in status.processes[:3])
        more = f" +{len(status.processes) - 3}" if len(status.processes) > 3 else ""
        text.append(f"  process: {names}{more} running", style="green")
    elif status.process_gone is not None:
        pid, since = status.process_gone
        text.append(f"  process {pid} GONE {humanize.naturaldelta(max(now - since, now - now))} ago",
                    style="bold red")
