"""The processes behind a session, as the detail screen and the process list show them."""

from __future__ import annotations

from datetime import UTC, datetime

import humanize
from rich.text import Text

from sessiontui.model import ProcessInfo, SessionProcesses
from sessiontui.text import one_line


def process_line(info: ProcessInfo, now: datetime, *, orphan_note: bool = True) -> Text:
    """PID, name, user, start time, CPU, RSS, children: one line of plain, safe text."""
    text = Text()
    text.append(f"PID {info.pid}", style="bold")
    text.append(f"  {one_line(info.name, 24)}")
    if not info.inspectable:
        text.append("  another user's process: sessiontui cannot inspect it", style="yellow")
        return text
    started = datetime.fromtimestamp(info.started, UTC)
    text.append(f"  user {one_line(info.user or '?', 16)}")
    text.append(
        f"  started {started:%Y-%m-%d %H:%M:%S} UTC ({humanize.naturaltime(now - started)})",
        style="dim",
    )
    cpu = "-" if info.cpu_percent is None else f"{info.cpu_percent:.1f}%"
    rss = "-" if info.rss is None else humanize.naturalsize(info.rss, binary=True)
    text.append(f"  CPU {cpu}  RSS {rss}  children {len(info.children)}")
    if info.orphaned and orphan_note:
        text.append("  ORPHANED (parent is init)", style="bold yellow")
    return text


def process_facts(facts: SessionProcesses, now: datetime, limit: int = 3) -> Text:
    """Every process of a session with its command line and open store files, or what vanished."""
    text = Text()
    if facts.processes:
        how = f"linked by {facts.via}" + (
            "; it serves every session of the store" if facts.shared else ""
        )
        text.append(f"Process ({how})", style="bold")
    for info in facts.processes[:limit]:
        text.append("\n  ")
        text.append_text(process_line(info, now))
        if info.cmdline:
            text.append("\n    cmd  " + one_line(" ".join(info.cmdline), 150), style="dim")
        for path in info.open_store_files[:3]:
            text.append("\n    open " + one_line(path, 150), style="dim")
    if len(facts.processes) > limit:
        text.append(f"\n  and {len(facts.processes) - limit} more")
    if not facts.processes and facts.gone_pid is not None and facts.gone_at is not None:
        text.append(
            f"Process {facts.gone_pid} that served this session vanished ", style="bold red"
        )
        text.append(
            f"{facts.gone_at:%H:%M:%S} UTC ({humanize.naturaltime(now - facts.gone_at)})",
            style="red",
        )
    elif facts.idle_seconds is not None and facts.idle_seconds >= 30:
        text.append(
            f"\n  no CPU used for {humanize.naturaldelta(facts.idle_seconds)}", style="yellow"
        )
    return text
