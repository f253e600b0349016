"""Where the dashboard's first full read goes, in-process: time, memory, and a profile.

Run: python benchmarks/profile_load.py {zeroclaw,starpod} [--size 100000]
                                       [--mode time|cprofile|tracemalloc] [--top 25]

Does what the dashboard does before every session is listed (`Fleet.first_pages`, then
`Fleet.refresh(full=True, processes=False)`) on the data set bench_host uses, without a UI:
  time         wall and CPU seconds of each step, RSS after, objects the GC tracks
  cprofile     the same under cProfile (every thread, merged), the top functions by
               cumulative and by own time
  tracemalloc  the same under tracemalloc: live memory after the load, by file and by line
The Textual part (painting rows) is not included: bench_host measures the whole from outside.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from _common import cpu_seconds, rss_mb
from bench_host import make

from sessiontui.live.fleet import Fleet
from sessiontui.live.process_links import ProcessWatch
from sessiontui.rules.state import Thresholds
from sessiontui.stores import open_paths


async def load(path: Path) -> tuple[Fleet, list[tuple[str, float, float]]]:
    opened = open_paths([path], lambda line: print(line, file=sys.stderr))
    assert opened is not None
    stores, _ = opened
    fleet = Fleet(stores, clock=lambda: datetime.now(UTC), thresholds=Thresholds(),
                  processes=ProcessWatch())
    steps: list[tuple[str, float, float]] = []
    for name, step in (("first page", fleet.first_pages), ("full read", lambda: fleet.refresh(full=True, processes=False))):
        wall, cpu = time.perf_counter(), cpu_seconds()
        await step()
        steps.append((name, time.perf_counter() - wall, cpu_seconds() - cpu))
    await fleet.close()  # ends the database threads (their profiles are then complete)
    return fleet, steps


def profile_threads(profiles: list[cProfile.Profile]) -> None:
    """cProfile sees one thread: give every thread started from now on (aiosqlite's, the
    executor's) a profile of its own, merged into the report."""
    run = threading.Thread.run

    def profiled(self: threading.Thread) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()
        try:
            run(self)
        finally:
            profile.disable()

    threading.Thread.run = profiled  # type: ignore[method-assign]


def by_place(snapshot: tracemalloc.Snapshot, key: str, top: int) -> list[str]:
    stats = snapshot.statistics(key)
    total = sum(s.size for s in stats)
    lines = [f"live memory by {key}: {total / 2**20:.1f} MiB in all"]
    for stat in stats[:top]:
        frame = stat.traceback[0]
        name = frame.filename.split("site-packages/")[-1].split("/wt/")[-1]
        where = f"{name}:{frame.lineno}" if key == "lineno" else name
        lines.append(f"  {stat.size / 2**20:8.1f} MiB  {stat.count:>9,}  {where}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", choices=("zeroclaw", "starpod"))
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--mode", choices=("time", "cprofile", "tracemalloc"), default="time")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    path = make(args.store, args.size)
    profile = cProfile.Profile() if args.mode == "cprofile" else None
    threads: list[cProfile.Profile] = []
    if profile:
        profile_threads(threads)
    if args.mode == "tracemalloc":
        tracemalloc.start()
    if profile:
        profile.enable()
    fleet, steps = asyncio.run(load(path))
    if profile:
        profile.disable()
    print(f"{args.store} {args.size:,}: {len(fleet.rows):,} rows")
    for name, wall, cpu in steps:
        print(f"  {name:<11} {wall:6.2f} s wall  {cpu:6.2f} CPU-s")
    gc.collect()
    print(f"  RSS after {rss_mb():.0f} MB; objects tracked by the GC {len(gc.get_objects()):,}")
    pauses = []
    for _ in range(3):
        started = time.perf_counter()
        gc.collect()
        pauses.append(time.perf_counter() - started)
    gc.freeze()
    started = time.perf_counter()
    gc.collect()
    frozen = time.perf_counter() - started
    print(f"  a full GC pass {1000 * min(pauses):.0f} ms; after gc.freeze() {1000 * frozen:.1f} ms")
    if args.mode == "tracemalloc":
        snapshot = tracemalloc.take_snapshot()
        print("\n".join(by_place(snapshot, "filename", args.top)))
        print("\n".join(by_place(snapshot, "lineno", args.top)))
    if profile:
        stats = pstats.Stats(profile, *threads)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
