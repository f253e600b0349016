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
            if status.skipped_lines:
                text.append(f"  {status.skipped_lines} corrupt lines skipped", style="yellow")
            if status.error:
                text.append("  STALE: " + one_line(status.error, 120), style="bold red")
            for note in status.notes[:2]:
                text.append("\n    " + one_line(note, 140), style="dim")
            for problem in status.problems[:2]:
                text.append("\n    " + one_line(problem, 140), style="yellow")
        self.update(text)
