"""What the idle dashboard does, counted: per tick, per component, per thread (issue 12).

Run: python benchmarks/profile_idle.py PATH [--seconds 30] [--settle 5] [--profile] [--top 25]

Starts the real app headless (`App.run_test()`, 200x50) on the store at PATH, waits until every
session is listed and `--settle` seconds more, then watches `--seconds` with nothing written and
reports: fleet ticks, sessions reclassified (the dirty set of each `ClassifiedRows` update) and
rows that came out changed, process scans and whether they changed the links, table updates,
screen lines refreshed and rendered, toasts; the process's CPU seconds in the window, split by
thread (/proc/self/task/*/stat: the event loop, aiosqlite's thread, the executor). `--profile`
runs cProfile on the event loop over the window. The counters wrap methods of the running app's
objects: a measuring aid, not a test. Headless: the terminal's writes are left out (bench_host
measures from outside).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import print_profile

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable

TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each thread of this process, by `name (tid)`."""
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
            name = (task / "comm").read_text().strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[f"{name} ({task.name})"] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def count_calls(
    counts: Counter[str],
    key: str,
    owner: Any,
    name: str,
    measure: Callable[[tuple[Any, ...], Any], int] | None = None,
) -> None:
    """Wrap `owner.name` so each call adds 1 to counts[key] (and measure(args, result) to
    counts[key + ' n'])."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if counting[0]:
            counts[key] += 1
            if measure is not None:
                counts[key + " n"] += measure(args, result)
        return result

    setattr(owner, name, wrapper)


counting = [False]


async def run(path: Path, seconds: float, settle: float, profiled: bool, top: int) -> None:
    found, _ = find_stores([path])
    app = make_app(Config(paths=(path,)), found=found)
    counts: Counter[str] = Counter()
    async with app.run_test(size=(200, 50)) as pilot:
        while (
            not app.screen.query(SessionTable)
            or app.latest is None
            or any(s.loading for s in app.latest.statuses)
        ):
            await pilot.pause(0.2)
        await pilot.pause(settle)
        table = app.screen.query_one(SessionTable)
        fleet = app.fleet
        book = fleet._book
        count_calls(counts, "fleet ticks", fleet, "refresh")
        transitions: Counter[str] = Counter()

        def changed_rows(args: tuple[Any, ...], change: Any) -> int:
            for before, after in zip(change.before, change.changed, strict=False):
                was = "new" if before is None else str(before.verdict.state)
                why = "" if before is None or before.verdict == after.verdict else " (verdict)"
                transitions[f"{was} -> {after.verdict.state}{why}"] += 1
            return len(change.changed)

        count_calls(counts, "row book updates", book, "update", changed_rows)
        count_calls(counts, "sessions reclassified", book, "_classify", lambda a, r: len(a[0]))
        if fleet.processes is not None:
            watch = fleet.processes
            last: list[Any] = [watch._facts]

            def moved(args: tuple[Any, ...], result: Any) -> int:
                changed = result is not last[0]
                last[0] = result
                return int(changed)

            count_calls(counts, "process scans (links changed: n)", watch, "update", moved)
        count_calls(counts, "table set_rows", table, "set_rows")
        count_calls(counts, "table line checks", table, "_repaint_changed")
        count_calls(counts, "lines refreshed", table, "refresh_lines")
        count_calls(counts, "lines rendered", table, "render_line")
        count_calls(counts, "toasts", app, "notify")
        screen = app.screen
        count_calls(counts, "screen apply_update", screen, "apply_update")
        profile = cProfile.Profile()
        threads0, cpu0, wall0 = thread_cpu(), time.process_time(), time.perf_counter()
        counting[0] = True
        if profiled:
            profile.enable()
        await asyncio.sleep(seconds)
        if profiled:
            profile.disable()
        counting[0] = False
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        threads = thread_cpu()
    print(
        f"{path} ({table.total_count:,} sessions): {wall:.1f} s idle window, "
        f"CPU {cpu:.3f} s = {100 * cpu / wall:.2f} % of a core"
    )
    for name, value in sorted(threads.items(), key=lambda kv: -(kv[1] - threads0.get(kv[0], 0))):
        used = value - threads0.get(name, 0.0)
        if used > 0:
            print(f"  thread {name:28} {used:.2f} CPU s")
    for key in sorted(counts):
        print(f"  {key:38} {counts[key]:8}  ({counts[key] / wall:.2f}/s)")
    for key, value in transitions.most_common():
        print(f"  changed row {key:34} {value:8}")
    if profiled:
        print_profile(profile, top)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(run(args.path, args.seconds, args.settle, args.profile, args.top))


if __name__ == "__main__":
    main()
