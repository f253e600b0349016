"""The real app (make_app, run_test) on one 500 MB Claude Code transcript, no cache: how soon its
row is listed, how long the background count takes, the longest event-loop stall while it counts
(what a key press could wait; a key is pressed on every look while it counts), the longest
garbage-collector pause, and the same stall with the app idle afterwards as the machine's
baseline. Peak RSS of the process.

    python benchmarks/bench_big_transcript_app.py [--runs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

from _common import (
    GcPauses,
    LoopLag,
    Summary,
    log,
    machine_header,
    peak_rss_mb,
    table,
    write_results,
)
from _datagen import make_claude_big


async def one_run(big: os.PathLike[str]) -> dict[str, float]:
    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.stores import find_stores
    from sessiontui.stores.transcript_cache import set_enabled

    set_enabled(False)
    found, _ = find_stores([big])  # type: ignore[list-item]
    started = time.perf_counter()
    app = make_app(Config(), found=found)
    figures: dict[str, float] = {}
    keys: list[float] = []
    with GcPauses() as gc_pauses:
        async with app.run_test(size=(200, 50)) as pilot, LoopLag() as lag:
            await _drive(app, pilot, lag, gc_pauses, started, figures, keys)
    figures["keys"] = len(keys)
    return figures


async def _drive(
    app: Any,
    pilot: Any,
    lag: LoopLag,
    gc_pauses: GcPauses,
    started: float,
    figures: dict[str, float],
    keys: list[float],
) -> None:
    """Watch the row until it is counted, pressing a key on every look while it counts."""
    from sessiontui.widgets.session_table import SessionTable

    while True:
        rows = (
            app.screen_stack[1].query_one(SessionTable).visible_rows()
            if len(app.screen_stack) > 1
            else []
        )
        if rows and "listed" not in figures:
            figures["listed"] = time.perf_counter() - started
            lag.reset()
            gc_pauses.reset()
        if rows and rows[0].session.counting is not None:
            pressed = time.perf_counter()
            await pilot.press("o")  # sort by the next column: a key handled while counting
            keys.append(time.perf_counter() - pressed)
        if rows and rows[0].session.counting is None and "listed" in figures:
            figures["counted"] = time.perf_counter() - started
            break
        if time.perf_counter() - started > 600:
            break
        await pilot.pause(0.05)
    figures["stall"] = await lag.flush()
    figures["gc_max"] = gc_pauses.max_ms
    lag.reset()  # the same app, counted and idle, on the same machine: the baseline stall
    await pilot.pause(5)
    figures["idle_stall"] = await lag.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    big, info = make_claude_big("cc_big_500mb", 500)
    runs = []
    for run in range(args.runs):
        figures = asyncio.run(one_run(big))
        log(f"run {run + 1}: {figures}")
        runs.append(figures)
    rows = [
        ["row listed after start (s)", Summary([r["listed"] for r in runs]).fmt(2)],
        ["counted after start (s)", Summary([r["counted"] for r in runs if "counted" in r]).fmt(1)],
        [
            "longest event-loop stall while counting (ms)",
            Summary([r["stall"] for r in runs]).fmt(0),
        ],
        [
            "longest stall in the 5 s after, the app idle (ms)",
            Summary([r["idle_stall"] for r in runs]).fmt(0),
        ],
        ["longest GC pause while counting (ms)", Summary([r["gc_max"] for r in runs]).fmt(0)],
        ["key presses while counting", Summary([r["keys"] for r in runs]).fmt(0)],
        ["peak RSS of the process, all runs (MiB)", f"{peak_rss_mb():.0f}"],
    ]
    lines = machine_header(
        f"The app on one {info['bytes'] / 1e6:.0f} MB transcript, no cache",
        [
            f"{args.runs} run(s) in one process; median (min-max); load average {os.getloadavg()[0]:.1f}"
        ],
    )
    write_results("big_transcript_app", lines + table(["figure", "value"], rows))


if __name__ == "__main__":
    main()
