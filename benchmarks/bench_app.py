"""The real app on a 100k-session ZeroClaw sessions.db, headless; results in results/app.txt.

Run: python benchmarks/bench_app.py [--quick] [--runs 3]

Each run is a fresh process: `sessiontui.app.make_app` with a Config whose paths name a copy of
the generated HEAD-schema sessions.db (100,000 sessions, 1M message rows; --quick: 5,000), the
stores found as the CLI finds them, under `App.run_test(size=(180, 50))`, refresh every 1 s.
Textual and sessiontui are imported before the clock starts. Measured:
  first frame        start -> the dashboard's first frame is composed (table still empty)
  rows in table      start -> DashboardScreen.apply_update() has given the table every row
  rows painted       start -> the next frame that rendered the table's lines
  loop lag max       the longest event-loop stall between the first frame and rows painted
  idle tick          ~5 s with no writes: each tick's Fleet.refresh(), its apply_update(),
                     and the loop lag over the window (the fleet re-posts every tick)
  10 appends         the bot (ZeroClawSqliteBot.append, in a thread) appends to 10 sessions at a
                     random moment; commit -> the frame showing it (includes waiting for the next
                     1 s tick), and tick start -> that frame; loop lag over the round
  longest GC pause   in each of those windows (a GC pause stops every thread, the loop's too)
  RSS                the process's VmRSS at the end, and its peak
Figures are median (min-max) over n samples. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from _common import (
    GcPauses,
    LoopLag,
    Summary,
    log,
    machine_header,
    ms,
    peak_rss_mb,
    rss_mb,
    table,
    write_results,
)
from _datagen import clear_work, make_zeroclaw_db, work_copy

FULL = (100_000, 1_000_000)
QUICK = (5_000, 50_000)
IDLE_SECONDS = 5.0
APPEND_ROUNDS = 5


async def child(sizes: tuple[int, int]) -> dict[str, list[float]]:
    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.demo.zeroclaw_bots import ZeroClawSqliteBot
    from sessiontui.screens.dashboard import DashboardScreen
    from sessiontui.stores import find_stores
    from sessiontui.widgets.session_table import SessionTable

    pristine, info = make_zeroclaw_db(f"zeroclaw_{sizes[0]}.db", *sizes)
    db = work_copy(pristine, "app_zeroclaw.db")
    expected = sizes[0]
    out: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        out.setdefault(name, []).append(value)

    # -- instrumentation: when updates are applied, when the table renders, when frames end --
    applied: list[tuple[float, float, bool, Any]] = []  # (start, end, data_changed, update)
    table_rendered = [0.0]  # last time SessionTable.render_line ran
    frames: list[float] = []  # times a frame finished (post_display_hook)
    original_apply = DashboardScreen.apply_update
    original_render = SessionTable.render_line

    def apply_update(self: Any, update: Any) -> None:
        start = time.perf_counter()
        original_apply(self, update)
        applied.append((start, time.perf_counter(), update.data_changed, update))

    def render_line(self: Any, y: int) -> Any:
        table_rendered[0] = time.perf_counter()
        return original_render(self, y)

    DashboardScreen.apply_update = apply_update  # type: ignore[method-assign]
    SessionTable.render_line = render_line  # type: ignore[method-assign]

    data_now = datetime.fromisoformat(info["now"])
    t0 = time.perf_counter()

    def clock() -> datetime:
        return data_now + timedelta(seconds=time.perf_counter() - t0)

    async def until(condition: Any, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the app did not get there in time")
            await asyncio.sleep(0.002)
        return time.perf_counter()

    def painted_after(moment: float) -> float | None:
        """The end of the first frame, after `moment`, that rendered table lines."""
        if table_rendered[0] < moment:
            return None
        return next((f for f in frames if f >= table_rendered[0]), None)

    gcp = GcPauses().__enter__()
    async with LoopLag() as lag:
        config = Config(paths=(db,), refresh_seconds=1.0)
        found, errors = find_stores(list(config.paths))
        app = make_app(config, found=found, clock=clock, notes=errors)
        original_hook = app.post_display_hook

        def post_display_hook() -> None:
            frames.append(time.perf_counter())
            original_hook()

        app.post_display_hook = post_display_hook  # type: ignore[method-assign]
        refreshes: list[tuple[float, float]] = []
        async with app.run_test(size=(180, 50)):
            fleet_refresh = app.fleet.refresh

            async def timed_refresh(full: bool = False) -> Any:
                start = time.perf_counter()
                try:
                    return await fleet_refresh(full=full)
                finally:
                    refreshes.append((start, time.perf_counter()))

            app.fleet.refresh = timed_refresh  # type: ignore[method-assign]
            await until(lambda: bool(frames))
            lag.reset()  # from here on the UI is up: any stall is a freeze the user sees
            gcp.reset()
            add("start -> first frame", ms(frames[0] - t0))
            await until(lambda: any(len(u.rows) >= expected for *_, u in applied))
            rows_at = next(end for _, end, _, u in applied if len(u.rows) >= expected)
            add("start -> rows in table", ms(rows_at - t0))
            await until(lambda: painted_after(rows_at) is not None)
            add("start -> rows painted", ms((painted_after(rows_at) or 0) - t0))
            add("loop lag max, first frame -> rows painted", await lag.flush())
            add("longest GC pause, first frame -> rows painted", gcp.max_ms)
            table = app.screen.query_one(SessionTable)
            add("rows in the table", table.total_count)

            # -- idle: no writes; every tick still re-classifies and re-applies ----------------
            await asyncio.sleep(0.3)
            lag.reset()
            gcp.reset()
            mark = time.perf_counter()
            await asyncio.sleep(IDLE_SECONDS)
            add("idle: loop lag max over the window", await lag.flush())
            add("idle: longest GC pause", gcp.max_ms)
            for start, end in refreshes:
                if start >= mark and end <= mark + IDLE_SECONDS:
                    add("idle tick: Fleet.refresh()", ms(end - start))
            for start, end, changed, _ in applied:
                if start >= mark and end <= mark + IDLE_SECONDS:
                    add("idle tick: apply_update()", ms(end - start))
                    add("idle tick said data changed", float(changed))

            # -- the bot appends to 10 sessions --------------------------------------------
            bot = ZeroClawSqliteBot(db)
            rng = random.Random(5)

            def append(keys: list[str], round_: int) -> float:
                for key in keys:
                    bot.append(key, "user", f"bench round {round_}: status?")
                return time.perf_counter()

            for round_ in range(APPEND_ROUNDS):
                await asyncio.sleep(rng.uniform(0.2, 1.2))
                keys = rng.sample(info["keys_sample"], 10)
                lag.reset()
                gcp.reset()
                committed = await asyncio.to_thread(append, keys, round_)
                await until(lambda at=committed: any(s >= at and c for s, _, c, _ in applied), 30)
                start, end, _, update = next(a for a in applied if a[0] >= committed and a[2])
                shown = await until(lambda at=end: painted_after(at) is not None, 30)
                shown = painted_after(end) or shown
                tick = max((s for s, e in refreshes if e <= start), default=None)
                add("10 appends: commit -> on screen", ms(shown - committed))
                if tick is not None:
                    add("10 appends: tick start -> on screen", ms(shown - tick))
                add("10 appends: apply_update()", ms(end - start))
                add("10 appends: loop lag max", await lag.flush())
                add("10 appends: longest GC pause", gcp.max_ms)
                counts = {r.session.id: r.session.message_count for r in update.rows if r.session.id in keys}
                add("10 appends: sessions updated", float(len(counts)))
            bot.close()
            add("RSS at the end", rss_mb())
            add("peak RSS", peak_rss_mb())
    gcp.__exit__()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 sessions, 1 run (< 60 s)")
    parser.add_argument("--runs", type=int, default=None, help="fresh processes (default 3; quick 1)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.child:
        print(json.dumps(asyncio.run(child(sizes))))
        return
    runs = args.runs or (1 if args.quick else 3)
    _, info = make_zeroclaw_db(f"zeroclaw_{sizes[0]}.db", *sizes)
    samples: dict[str, list[float]] = {}
    for run in range(runs):
        log(f"app run {run + 1} of {runs}")
        done = subprocess.run([sys.executable, __file__, "--child"] + (["--quick"] if args.quick else []),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-5000:])
            raise SystemExit(f"child failed with {done.returncode}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        for key, values in out.items():
            samples.setdefault(key, []).extend(values)
        log(f"  rows painted at {out['start -> rows painted'][0]:.0f} ms")
    lines = machine_header(
        f"The app, headless ({'quick' if args.quick else 'full'} mode)",
        [(f"store: ZeroClaw sessions.db, {sizes[0]:,} sessions, {sizes[1]:,} message rows, "
          f"{info['bytes'] / 1e6:.0f} MB; terminal 180x50; refresh 1 s"),
         f"{runs} fresh process(es); median (min-max) over n samples; page cache warm"],
    )
    rows = []
    for key, values in samples.items():
        if "said" in key:
            rows.append([key, f"{sum(values):.0f} of {len(values)}", "", ""])
            continue
        unit = "MB" if "RSS" in key else ("" if key in ("rows in the table", "10 appends: sessions updated") else "ms")
        digits = 0 if unit == "" else (2 if min(values) < 10 else 1)
        rows.append([key, Summary(values).fmt(digits), unit, str(len(values))])
    lines += table(["", "median (min-max)", "unit", "n"], rows)
    write_results("app" + ("_quick" if args.quick else ""), lines)
    clear_work("app_")


if __name__ == "__main__":
    main()
