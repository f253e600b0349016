"""`Fleet.refresh()` over 100k sessions in four stores; results in results/fleet.txt.

Run: python benchmarks/bench_fleet.py [--quick] [--runs 3]

The fleet (bot-exact data under benchmarks/data/, generated once and reused):
  zeroclaw-sqlite 50,000 sessions (500k rows)   starpod 28,000 sessions (280k messages, 84k requests)
  zeroclaw-jsonl  20,000 files                   claude-code 2,000 transcripts
  = 100,000 sessions (--quick: 5,600, still above the 5,000 at which classification moves to a thread)

Each run is a fresh process. With a 1 ms ticker measuring event-loop lag, it times:
  first tick        refresh(full=True) of every store, then classify + burn rates
  idle tick         refresh() with nothing written: the SQLite stores answer from data_version, the
                    JSONL stores get an empty watcher hint; every session is still classified again
                    (the clock moves states along)
  tick after writes the bots write: 10 ZeroClaw appends, 10 Starpod requests, one line to one
                    ZeroClaw JSONL file and one Claude Code reply; the watcher's paths are noted
  full-rescan tick  refresh(full=True) with nothing written (the 30 s safety-net rescan)
For each tick: total time, the part spent in ClassifiedRows.update (classify + burns, run in a
thread at >= 5000 sessions), the loop lag, and the longest garbage-collector pause (a GC pause
stops every thread, the event loop's included). Then classify and burns_for alone (no loop).
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
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
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
from _datagen import (
    clear_work,
    make_claude_tree,
    make_starpod_db,
    make_zeroclaw_db,
    make_zeroclaw_jsonl,
    restore_size,
    work_copy,
)

FULL = {"zc": (50_000, 500_000), "sp": (28_000, 280_000, 84_000), "jl": (20_000, 10), "cc": (2_000, 100)}
QUICK = {"zc": (3_000, 30_000), "sp": (1_500, 15_000, 4_500), "jl": (1_000, 10), "cc": (100, 100)}
IDLE_TICKS = 10
WRITE_TICKS = 5
FULL_TICKS = 3


def data(sizes: dict[str, tuple[int, ...]]) -> dict[str, tuple[Path, dict[str, Any]]]:
    zc, sp, jl, cc = sizes["zc"], sizes["sp"], sizes["jl"], sizes["cc"]
    return {
        "zeroclaw-sqlite": make_zeroclaw_db(f"zeroclaw_{zc[0]}.db", *zc),
        "starpod": make_starpod_db(f"starpod_{sp[0]}.db", *sp),
        "zeroclaw-jsonl": make_zeroclaw_jsonl(f"zeroclaw_jsonl_{jl[0]}", *jl),
        "claude-code": make_claude_tree(f"claude_{cc[0]}", *cc),
    }


async def child(sizes: dict[str, tuple[int, ...]]) -> dict[str, list[float]]:
    from sessiontui.demo.bots import StarpodBot, ZeroClawJsonlBot, ZeroClawSqliteBot
    from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
    from sessiontui.live.fleet import Fleet
    from sessiontui.rules.burn import burns_for
    from sessiontui.rules.state import Thresholds, classify
    from sessiontui.stores import (
        ClaudeCodeStore,
        StarpodStore,
        ZeroClawJsonlStore,
        ZeroClawSqliteStore,
    )

    sets = data(sizes)
    zc_db = work_copy(sets["zeroclaw-sqlite"][0], "fleet_zeroclaw.db")
    sp_db = work_copy(sets["starpod"][0], "fleet_starpod.db")
    jl_root, jl_info = sets["zeroclaw-jsonl"]
    cc_root, cc_info = sets["claude-code"]
    jl_target, cc_target = jl_root / jl_info["append_target"], cc_root / cc_info["append_target"]
    restore_size(jl_target, jl_info["append_size"])
    restore_size(cc_target, cc_info["append_size"])

    # The data's own "now", moving with the real clock: states come out as they did when made.
    data_now = max(datetime.fromisoformat(info["now"]) for _, info in sets.values())
    started = time.monotonic()

    def clock() -> datetime:
        return data_now + timedelta(seconds=time.monotonic() - started)

    stores = [ZeroClawSqliteStore(zc_db), StarpodStore(sp_db), ZeroClawJsonlStore(jl_root), ClaudeCodeStore(cc_root)]
    fleet = Fleet(stores, clock=clock, thresholds=Thresholds(), refresh_seconds=1.0)
    classify_times: list[float] = []
    original = fleet._book.update

    def timed_classify(sessions: Any, now: datetime) -> Any:
        start = time.perf_counter()
        change = original(sessions, now)
        classify_times.append(ms(time.perf_counter() - start))
        return change

    fleet._book.update = timed_classify  # type: ignore[method-assign]
    out: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        out.setdefault(name, []).append(value)

    async with LoopLag() as lag:
        gcp = GcPauses().__enter__()

        async def tick(name: str, full: bool) -> Any:
            await asyncio.sleep(0.005)
            lag.reset()
            gcp.reset()
            classify_times.clear()
            start = time.perf_counter()
            update = await fleet.refresh(full=full)
            add(f"{name}: total", ms(time.perf_counter() - start))
            add(f"{name}: classify+burn", sum(classify_times))
            add(f"{name}: loop lag max", await lag.flush())
            add(f"{name}: longest GC pause", gcp.max_ms)
            return update

        base = rss_mb()
        update = await tick("first tick", True)
        add("RSS added by the first tick", rss_mb() - base)
        add("peak RSS added", peak_rss_mb() - base)
        add("sessions", len(update.rows))
        states = Counter(str(row.verdict.state) for row in update.rows)
        out["states"] = [float(states[s]) for s in sorted(states)]
        out["state names"] = sorted(states)  # type: ignore[assignment]
        fleet._last_full = time.monotonic()  # no 30 s rescan inside the idle and write ticks
        for _ in range(IDLE_TICKS):
            update = await tick("idle tick", False)
            add("idle tick said data changed", float(update.data_changed))

        zc_bot, sp_bot = ZeroClawSqliteBot(zc_db), StarpodBot(sp_db)
        jl_bot, cc_writer = ZeroClawJsonlBot(jl_root), ClaudeCodeWriter(cc_root)
        rng = random.Random(11)
        zc_keys, sp_ids = sets["zeroclaw-sqlite"][1]["keys_sample"], sets["starpod"][1]["ids_sample"]
        jl_key = jl_target.name[: -len(".jsonl")]
        for round_ in range(WRITE_TICKS):
            for key in rng.sample(zc_keys, 10):
                zc_bot.append(key, "user", f"bench round {round_}")
            for sid in rng.sample(sp_ids, 10):
                sp_bot.touch_session(sid)
                sp_bot.save_message(sid, "user", f"bench round {round_}")
                sp_bot.save_message(sid, "assistant", "ok")
                sp_bot.record_usage(sid, turn=1, input_tokens=10, output_tokens=200, cache_read=12_000,
                                    cache_write=500, model="claude-sonnet-4-6")
            paths = {jl_bot.append(jl_key, {"role": "user", "content": f"bench round {round_}"}),
                     cc_writer.assistant(cc_target.stem, "/home/dev/src/project00", [text_block("ok")],
                                         model="claude-sonnet-4-6", usage=usage_dict(10, 200, 20_000, 500))}
            fleet.note_changes(paths)
            update = await tick("tick after writes", False)
            add("write tick said data changed", float(update.data_changed))
        zc_bot.close()
        sp_bot.close()
        for _ in range(FULL_TICKS):
            await tick("full-rescan tick", True)
        gcp.__exit__()

    sessions = [row.session for row in fleet.rows]
    now = clock()
    thresholds = Thresholds()
    for _ in range(3):
        start = time.perf_counter()
        for session in sessions:
            classify(session, now, thresholds)
        add("classify() alone, all sessions", ms(time.perf_counter() - start))
        start = time.perf_counter()
        burns_for(sessions, now)
        add("burns_for() alone, all sessions", ms(time.perf_counter() - start))
    await fleet.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,600 sessions, 1 run (< 60 s)")
    parser.add_argument("--runs", type=int, default=None, help="fresh processes (default 3; quick 1)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.child:
        print(json.dumps(asyncio.run(child(sizes))))
        return
    runs = args.runs or (1 if args.quick else 3)
    sets = data(sizes)
    samples: dict[str, list[float]] = {}
    states: dict[str, list[float]] = {}
    for run in range(runs):
        log(f"fleet run {run + 1} of {runs}")
        done = subprocess.run([sys.executable, __file__, "--child"] + (["--quick"] if args.quick else []),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"child failed with {done.returncode}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        for name, count in zip(out.pop("state names"), out.pop("states"), strict=True):
            states.setdefault(name, []).append(count)
        for key, values in out.items():
            samples.setdefault(key, []).extend(values)
        log(f"  first tick {out['first tick: total'][0]:.0f} ms, idle tick "
            f"{Summary(out['idle tick: total']).median:.0f} ms")
    mix = ", ".join(f"{name} {info.get('params', {}).get('sessions') or info['params'].get('files')}"
                    for name, (_, info) in sets.items())
    lines = machine_header(
        f"Fleet.refresh() ({'quick' if args.quick else 'full'} mode)",
        [f"stores: {mix}",
         f"{runs} fresh process(es); median (min-max) over n samples; page cache warm",
         "loop lag = longest event-loop stall seen by a 1 ms ticker during the tick"],
    )
    rows = []
    for key, values in samples.items():
        if "said" in key:
            rows.append([key, f"{sum(values):.0f} of {len(values)}", "", ""])
            continue
        unit = "MB" if "RSS" in key else ("" if key == "sessions" else "ms")
        digits = 0 if key == "sessions" else (2 if min(values) < 10 else 1)
        rows.append([key, Summary(values).fmt(digits), unit, str(len(values))])
    lines += table(["", "median (min-max)", "unit", "n"], rows)
    lines += ["", "states after the first tick: " + ", ".join(
        f"{name} {Summary(v).median:.0f}" for name, v in sorted(states.items()))]
    write_results("fleet" + ("_quick" if args.quick else ""), lines)
    clear_work("fleet_")


if __name__ == "__main__":
    main()
