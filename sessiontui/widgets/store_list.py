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
    StoreList { height: auto; max-height: 12; overflow-y: auto; padding: 0 1; background: $panel; }
    """

    _shown: tuple[object, ...] | None = None
    _lines = -1  # newlines in the text shown

    def show(self, statuses: Sequence[StoreStatus], now: datetime) -> None:
        agos = [
            None if s.last_ok is None else humanize.naturaldelta(max(now - s.last_ok, now - now))
            for s in statuses
        ]
        shown = tuple(
            (
                s.format,
                s.path,
                ago,
                s.sessions,
                s.skipped_lines,
                s.error,
                s.problems,
                s.note,
                s.processes,
                s.process_gone,
                s.loading,
            )
            for s, ago in zip(statuses, agos, strict=True)
        )
        if shown == self._shown:  # an idle tick: the same lines, no re-layout
            return
        self._shown = shown
        text = Text()
        for index, status in enumerate(statuses):
            if index:
                text.append("\n")
            text.append(
                "✖ " if status.error else "● ", style="bold red" if status.error else "green"
            )
            text.append(f"{status.format:<16}", style="bold")
            text.append(one_line(status.path, 60) + "  ")
            if agos[index] is not None:
                text.append(f"read {agos[index]} ago  ", style="dim")
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
        lines = text.plain.count("\n")
        self.update(text, layout=lines != self._lines)  # a re-layout only when its height moves
        self._lines = lines


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
        text.append(
            f"  process {pid} GONE {humanize.naturaldelta(max(now - since, now - now))} ago",
            style="bold red",
        )
