"""Where each dashboard key's time goes at 100k sessions, in process (`App.run_test()`, 200x50).

Run: python benchmarks/profile_keys.py {zeroclaw,starpod} [--size 100000] [--repeat 3]
                                       [--profile KEY] [--top 30]

Loads the data set bench_host uses into the real app (headless), waits until every session is
listed and the idle work is done, then presses the keys bench_host presses (j, k, o, /, four
filter letters, Esc) and prints the wall milliseconds of each press until Pilot finds the app
idle, and the process's CPU milliseconds from the press to 0.25 s after it (the frame is painted
by a timer after the key is handled; for `o`, some of the idle work it sets going is in it). `--profile KEY` runs cProfile around that key's presses
(`/`, `o`, `letter`, `Esc`) and prints the top functions by cumulative and by own time. In process
and headless: the terminal's part is left out (bench_host measures the whole from outside).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import statistics
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from _common import print_profile
from bench_host import filter_text_for, make

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable


async def run(path: Path, size: int, repeat: int, profiled: str | None, top: int) -> None:
    found, _ = find_stores([path])
    app = make_app(Config(paths=(path,)), found=found)
    letters = filter_text_for(path)
    times: dict[str, list[tuple[float, float]]] = {}
    profile = cProfile.Profile()
    pauses: list[tuple[int, float]] = []  # (generation, ms) of each collection during a key
    started: list[float] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started and collecting:
            pauses.append((info["generation"], 1000 * (time.perf_counter() - started[0])))

    collecting = False
    gc.callbacks.append(collected)
    async with app.run_test(size=(200, 50)) as pilot:
        while (
            not app.screen.query(SessionTable)
            or app.screen.query_one(SessionTable).total_count < size
        ):
            await pilot.pause(0.2)
        await pilot.pause(8.0)  # the idle work (haystacks, the next order)

        async def press(kind: str, key: str) -> None:
            nonlocal collecting
            on = profiled == kind
            collecting = True
            wall, cpu = time.perf_counter(), time.process_time()
            if on:
                profile.enable()
            await pilot.press(key)
            await pilot.pause()
            press_wall = 1000 * (time.perf_counter() - wall)
            await pilot.pause(0.25)  # the frame is painted by a timer after the key is handled
            if on:
                profile.disable()
            collecting = False
            times.setdefault(kind, []).append((press_wall, 1000 * (time.process_time() - cpu)))
            await pilot.pause(0.3)

        for _ in range(repeat):
            for key in ("j", "k"):
                for _ in range(3):
                    await press(key, key)
            await press("o", "o")
            await press("/", "slash")
            for i, letter in enumerate(letters):
                await press("first letter" if i == 0 else "letter", letter)
            await press("Esc", "escape")
            await pilot.press("escape")
            await pilot.pause(2.0)  # the next order made again in idle slices
    for kind, values in times.items():
        walls, cpus = [v[0] for v in values], [v[1] for v in values]
        print(
            f"{kind:14} press wall median {statistics.median(walls):6.1f} max {max(walls):6.1f}"
            f"   CPU (press + 0.25 s) median {statistics.median(cpus):6.1f} ms"
        )
    for generation in (0, 1, 2):
        ms = [p for g, p in pauses if g == generation]
        if ms:
            print(
                f"GC gen {generation} during keys: {len(ms)}, {sum(ms):.0f} ms, max {max(ms):.1f} ms"
            )
    if profiled:
        print_profile(profile, top)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", choices=("zeroclaw", "starpod"))
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default=None, help="/, o, first letter, letter, Esc, j, k")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    main_run: Callable[[], Coroutine[Any, Any, None]] = lambda: run(
        make(args.store, args.size), args.size, args.repeat, args.profile, args.top
    )
    asyncio.run(main_run())


if __name__ == "__main__":
    main()
