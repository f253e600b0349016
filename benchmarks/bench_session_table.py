"""Time the SessionTable at 10k, 100k and 1M rows; write the medians to results/session_table.txt.

Run: python benchmarks/bench_session_table.py [--runs 5] [--sizes 10000,100000,1000000]

For each size, in a headless Textual app (120x50):
  set_rows      set_rows() alone: keyed diff, filter, sort by the default column (state)
  first paint   set_rows() into an empty table, then the frame composed and written
  render        the 50 visible lines rendered by render_line() with a cold line cache
  refresh 10    set_rows() of the same rows with 10 on-screen rows changed, same `now`,
                then the screen repainted
  refresh+now   the same, with `now` a second later (what a live refresh does)
  sort          sort_by() another column (message count), reversed
  filter        set_filter() with a text matching about a tenth of the rows
Times are medians of --runs runs, in milliseconds. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.app import App, ComposeResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessiontui.model import (
    CostSource,
    Session,
    SessionState,
    StoreFormat,
    Usage,
    Verdict,
)
from sessiontui.model import SessionRow
from sessiontui.widgets.session_table import SessionTable

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
RESULTS = Path(__file__).resolve().parent / "results" / "session_table.txt"
STATES = list(SessionState)


def make_rows(count: int) -> list[SessionRow]:
    """`count` plausible rows; times, usages and verdicts are shared to keep 1M rows in RAM."""
    moments = [NOW - timedelta(seconds=s) for s in range(0, 86_400, 7)]
    usages = [Usage(i * 97, i * 13, i * 311) for i in range(1000)]
    verdicts = [Verdict(s, "tool_hang", "tool `shell` started 14 min ago") for s in STATES]
    formats = list(StoreFormat)
    rows = []
    for i in range(count):
        session = Session(
            formats[i % len(formats)],
            "/data/store.db",
            f"sess-{i:07d}",
            f"session {i * 7919 % count:07d}",
            created_at=moments[(i * 31) % len(moments)],
            last_activity=moments[(i * 17) % len(moments)],
            channel="slack",
            user=f"U{i % 5000:05d}",
            model="claude-sonnet-4",
            message_count=(i * 37) % 2000,
            turns=(i * 11) % 300,
            usage=usages[i % 1000],
            cost_usd=(i % 1000) / 997,
            cost_source=CostSource.COMPUTED,
        )
        rows.append(SessionRow(session, verdicts[i % len(verdicts)]))
    return rows


class BenchApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SessionTable()


async def median_ms(
    runs: int, setup: Callable[[], Awaitable[None]], body: Callable[[], Awaitable[None]]
) -> float:
    times = []
    for _ in range(runs):
        await setup()
        start = time.perf_counter()
        await body()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def bench_size(count: int, runs: int) -> dict[str, float]:
    rows = make_rows(count)
    app = BenchApp()
    results: dict[str, float] = {}
    async with app.run_test(size=(120, 50)) as pilot:
        table = app.query_one(SessionTable)
        await pilot.pause()

        async def paint() -> None:
            """Handle pending messages, then compose and write the frame, as the update timer does.

            (Pilot.pause() would add its idle detection, tens of ms, to every figure.)
            """
            await pilot._wait_for_screen()
            app.screen._on_timer_update()

        async def empty() -> None:
            table.set_rows([], NOW)
            await pilot.pause()

        async def fill() -> None:
            table.set_rows(rows, NOW)

        async def fill_and_paint() -> None:
            table.set_rows(rows, NOW)
            await paint()

        async def nothing() -> None:
            return None

        results["set_rows"] = await median_ms(runs, empty, fill)
        results["first paint"] = await median_ms(runs, empty, fill_and_paint)
        await fill_and_paint()

        async def render() -> None:
            table._strips.clear()
            for y in range(table.scrollable_content_region.height):
                table.render_line(y)

        results["render 50 lines"] = await median_ms(runs, nothing, render)

        on_screen = {r.key for r in table.rows_on_screen()[:10]}
        tick = [0]

        def changed() -> list[SessionRow]:
            tick[0] += 1
            return [
                replace(
                    r, session=replace(r.session, message_count=r.session.message_count + tick[0])
                )
                if r.key in on_screen
                else r
                for r in rows
            ]

        async def refresh_same_now() -> None:
            table.set_rows(prepared[0], NOW)
            await paint()

        async def refresh_new_now() -> None:
            table.set_rows(prepared[0], NOW + timedelta(seconds=tick[0]))
            await paint()

        prepared: list[list[SessionRow]] = [rows]

        async def prepare() -> None:
            prepared[0] = changed()  # built outside the timed part: the store's work, not ours

        results["refresh 10 changed"] = await median_ms(runs, prepare, refresh_same_now)
        results["refresh 10 changed + new now"] = await median_ms(runs, prepare, refresh_new_now)
        table.set_rows(rows, NOW)
        await pilot.pause()

        flip = [False]

        async def sort() -> None:
            flip[0] = not flip[0]
            table.sort_by("msgs", reverse=flip[0])
            await paint()

        results["sort by msgs + paint"] = await median_ms(runs, nothing, sort)

        async def unfilter() -> None:
            table.set_filter("")
            await pilot.pause()

        async def filter_() -> None:
            table.set_filter("U0001")  # users U00010..U00019 and U0001x: about 0.2-2 %
            await paint()

        table.sort_by("state")
        results["filter + paint"] = await median_ms(runs, unfilter, filter_)
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    lines = [
        f"SessionTable benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()} on {platform.machine()}, {platform.processor() or platform.system()}",
        f"median of {args.runs} runs, milliseconds; headless app 120x50",
        "",
    ]
    table: dict[int, dict[str, float]] = {}
    for size in sizes:
        print(f"{size:,} rows ...", file=sys.stderr, flush=True)
        table[size] = await bench_size(size, args.runs)
    names = list(next(iter(table.values())))
    lines.append(f"{'':32}" + "".join(f"{size:>12,}" for size in sizes))
    for name in names:
        lines.append(f"{name:32}" + "".join(f"{table[size][name]:>12.1f}" for size in sizes))
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
