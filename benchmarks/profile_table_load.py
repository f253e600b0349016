"""The dashboard's side of the first load at 100k sessions, in process (`App.run_test()`, 200x50).

Run: python benchmarks/profile_table_load.py {zeroclaw,starpod} [--size 100000]
                                             [--mode time|cprofile|tracemalloc] [--top 30]
                                             [--data DIR]

Loads the data set bench_host uses into the real app (headless) and times, on the event loop's
thread, each fleet update the dashboard shows (`DashboardScreen.show_update`: the table's rows,
sort and title) and the CPU the main thread spends from the first update with every session to
the first frame after it (the "every session listed" that bench_host sees, less the terminal).
  time         the figures above, and the first and every-session updates' own figures
  cprofile     cProfile of the main thread around every update shown, top functions
  tracemalloc  live memory after the load and the idle work, by file: what the table holds
It measures the checkout it lives in (`_common` puts that first on sys.path): to measure another
checkout, copy the script into that checkout's benchmarks/ and run it from there.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import time
import tracemalloc
from pathlib import Path
from typing import Any

import _datagen
from _common import print_profile, rss_mb
from bench_host import make

import sessiontui.app
from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.screens.dashboard import DashboardScreen
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable
from sessiontui.widgets.summary_bar import SummaryBar


def thread_cpu() -> float:
    return time.thread_time()


async def run(path: Path, size: int, mode: str, top: int) -> None:
    if mode == "tracemalloc":
        tracemalloc.start(1)
    found, _ = find_stores([path])
    app = make_app(Config(paths=(path,)), found=found)
    profile = cProfile.Profile()
    shown: list[tuple[int, bool, float, float]] = []  # (rows, loading, wall ms, thread CPU ms)
    changes: list[str] = []
    original = DashboardScreen.apply_update

    def apply_update(self: DashboardScreen, update: Any) -> None:
        loading = any(status.loading for status in update.statuses)
        given = self.query_one(SessionTable).rows_given
        wall, cpu = time.perf_counter(), thread_cpu()
        if mode == "cprofile":
            profile.enable()
        original(self, update)
        change = update.change
        changes.append(
            "no change object"
            if change is None
            else f"{len(change.changed)} changed, {len(change.removed)} removed, "
            f"versioned {change.versioned}, since the rows shown "
            f"{update.since is not None and update.since is given}"
        )
        if mode == "cprofile":
            profile.disable()
        shown.append(
            (
                len(update.rows),
                loading,
                1000 * (time.perf_counter() - wall),
                1000 * (thread_cpu() - cpu),
            )
        )

    DashboardScreen.apply_update = apply_update  # type: ignore[method-assign]
    parts: dict[str, list[float]] = {}  # what the steps of the updates cost, thread CPU ms

    def timed(owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cpu = thread_cpu()
            try:
                return inner(*args, **kwargs)
            finally:
                parts.setdefault(label, []).append(1000 * (thread_cpu() - cpu))

        setattr(owner, name, wrapper)

    timed(SummaryBar, "update_summary", "summary bar")
    timed(DashboardScreen, "_show_unseen", "unseen marks")
    timed(SessionTable, "set_rows", "table set_rows")
    timed(sessiontui.app, "_freeze_long_lived_objects", "collect + freeze + trim")
    start_wall = time.perf_counter()
    async with app.run_test(size=(200, 50)) as pilot:
        while not shown or shown[-1][1] or shown[-1][0] < size:
            await pilot.pause(0.05)
        listed_wall = time.perf_counter() - start_wall
        await pilot.pause(10.0)  # idle work: haystacks, the next orders
        table = app.screen.query_one(SessionTable)
        assert table.total_count >= size - table.hidden_count
        print(f"start -> every session shown (in process, headless): {listed_wall:.2f} s")
        for (rows, loading, wall, cpu), change in list(zip(shown, changes, strict=True))[:6]:
            print(
                f"  update of {rows:7} rows{' (loading)' if loading else ''}: "
                f"{wall:7.1f} ms wall, {cpu:7.1f} ms CPU (main thread); {change}"
            )
        full = [s for s in shown if not s[1]]
        print(f"first update with every session: {full[0][2]:.1f} ms wall, {full[0][3]:.1f} ms CPU")
        for label, values in parts.items():
            print(
                f"  {label}: calls, in order: " + ", ".join(f"{v:.1f}" for v in values) + " ms CPU"
            )
        gc.collect()
        print(f"RSS after load and 10 s idle: {rss_mb():.0f} MB")
        if mode == "tracemalloc":
            snapshot = tracemalloc.take_snapshot()
            stats = snapshot.statistics("filename")
            total = sum(s.size for s in stats)
            print(f"live traced memory: {total / 2**20:.1f} MiB; by file:")
            for stat in stats[:top]:
                print(
                    f"  {stat.size / 2**20:7.1f} MiB {stat.count:9} blocks  {stat.traceback[0].filename}"
                )
            print("widgets/ and screens/ by line:")
            for stat in snapshot.statistics("lineno"):
                name = stat.traceback[0].filename
                if ("widgets" in name or "screens" in name) and stat.size > 2**18:
                    print(
                        f"  {stat.size / 2**20:7.1f} MiB  {name.split('sessiontui/')[-1]}:"
                        f"{stat.traceback[0].lineno}"
                    )
    if mode == "cprofile":
        print_profile(profile, top)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", choices=("zeroclaw", "starpod"))
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--mode", choices=("time", "cprofile", "tracemalloc"), default="time")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--data", type=Path, default=None, help="data sets in DIR (bench_host --data)"
    )
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    asyncio.run(run(make(args.store, args.size), args.size, args.mode, args.top))


if __name__ == "__main__":
    main()
