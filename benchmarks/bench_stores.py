"""Each store adapter at scale, on bot-exact data; results in results/stores.txt.

Run: python benchmarks/bench_stores.py [--quick] [--runs 3] [--only zeroclaw-sqlite,starpod,claude-code,zeroclaw-jsonl]

Data (generated once under benchmarks/data/, reused; --quick uses small sizes):
  zeroclaw-sqlite  HEAD-schema sessions.db: 100k sessions (session_metadata), 1M rows (sessions)
  starpod          core.db: 100k sessions, ~1M session_messages, 300k usage_stats
  claude-code      projects tree: 2,000 transcripts of ~100 lines, plus one 100 MB transcript
  zeroclaw-jsonl   sessions directory: 20,000 <key>.jsonl files of ~10 lines

Each run is a fresh process (so RSS is the store's own) doing, with a 1 ms loop-lag ticker:
  first refresh        `await store.refresh()` on a new store (everything read)
  unchanged            refresh again with nothing written (SQLite: PRAGMA data_version says so;
                       JSONL: `refresh(None)`, a full rescan: list + stat every file)
  after 10 appends     the bot writes (below), then refresh (JSONL: the watcher's hint
                       `refresh({path})` naming the one appended file; also a full rescan after it)
      zeroclaw-sqlite: ZeroClawSqliteBot.append() to 10 sessions (its two autocommit statements)
      starpod:         10 chat requests: touch_session, user + assistant message, usage row
      claude-code / zeroclaw-jsonl: one reply appended to one file by the bot's writer
  ... full reconcile   (SQLite stores that have reconcile_next()) the same, with the periodic
                       full read of session_metadata forced
  read_messages        (claude-code) the 100 MB transcript opened at its end, 200 lines
  RSS added            VmRSS after the first refresh minus before it; peak: VmHWM minus before
  loop lag             the longest the event loop went without running the ticker
  longest GC pause     (first refreshes) the longest garbage-collector pause: it stops every
                       thread, so it stalls the loop even when the work runs in a thread

Figures are median (min-max); "n" is how many samples (runs x repeats). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
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
    make_claude_big,
    make_claude_tree,
    make_starpod_db,
    make_zeroclaw_db,
    make_zeroclaw_jsonl,
    restore_size,
    work_copy,
)

FULL = {
    "zc_sessions": 100_000, "zc_messages": 1_000_000,
    "sp_sessions": 100_000, "sp_messages": 1_000_000, "sp_requests": 300_000,
    "cc_files": 2_000, "cc_lines": 100, "big_mb": 100,
    "jl_files": 20_000, "jl_lines": 10,
}
QUICK = {
    "zc_sessions": 5_000, "zc_messages": 50_000,
    "sp_sessions": 5_000, "sp_messages": 50_000, "sp_requests": 15_000,
    "cc_files": 100, "cc_lines": 100, "big_mb": 10,
    "jl_files": 1_000, "jl_lines": 10,
}
STORES = ("zeroclaw-sqlite", "starpod", "claude-code", "zeroclaw-jsonl")
UNCHANGED_REPEATS = 20
APPEND_REPEATS = 5


def zeroclaw_data(s: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    return make_zeroclaw_db(f"zeroclaw_{s['zc_sessions']}.db", s["zc_sessions"], s["zc_messages"])


def starpod_data(s: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    return make_starpod_db(f"starpod_{s['sp_sessions']}.db", s["sp_sessions"], s["sp_messages"], s["sp_requests"])


def claude_data(s: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    return make_claude_tree(f"claude_{s['cc_files']}", s["cc_files"], s["cc_lines"])


def claude_big_data(s: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    return make_claude_big(f"claude_big_{s['big_mb']}mb", s["big_mb"])


def jsonl_data(s: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    return make_zeroclaw_jsonl(f"zeroclaw_jsonl_{s['jl_files']}", s["jl_files"], s["jl_lines"])


# ---------------------------------------------------------------------------------------------
# One run, in a child process


class Recorder:
    def __init__(self, lag: LoopLag) -> None:
        self.lag = lag
        self.out: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.out.setdefault(name, []).append(value)

    async def settle(self) -> None:
        """Let the ticker finish the iteration a blocking write may have delayed, then reset."""
        await asyncio.sleep(0.005)
        self.lag.reset()

    async def timed(self, name: str, body: Callable[[], Awaitable[Any]], gc: bool = False) -> Any:
        await self.settle()
        with GcPauses() as pauses:
            start = time.perf_counter()
            result = await body()
            self.add(name, ms(time.perf_counter() - start))
            self.add(name + " lag", await self.lag.flush())
        if gc:
            self.add(name + " longest GC pause", pauses.max_ms)
        return result


async def first_refresh(rec: Recorder, store: Any) -> Any:
    base = rss_mb()
    report = await rec.timed("first refresh", store.refresh, gc=True)
    rec.add("RSS added", rss_mb() - base)
    rec.add("peak RSS added", peak_rss_mb() - base)
    rec.add("sessions", len(report.sessions))
    return report


async def run_zeroclaw(rec: Recorder, sizes: dict[str, int]) -> None:
    from sessiontui.demo.zeroclaw_bots import ZeroClawSqliteBot
    from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

    pristine, info = zeroclaw_data(sizes)
    db = work_copy(pristine, "stores_zeroclaw.db")
    store = ZeroClawSqliteStore(db)
    await first_refresh(rec, store)
    for _ in range(UNCHANGED_REPEATS):
        report = await rec.timed("unchanged refresh", lambda: store.refresh())
        rec.add("unchanged said changed", float(report.changed))
    bot = ZeroClawSqliteBot(db)
    rng = random.Random(7)
    for round_ in range(APPEND_REPEATS):
        keys = rng.sample(info["keys_sample"], 10)
        for key in keys:
            bot.append(key, "user", f"bench round {round_}: any news?")
        report = await rec.timed("refresh after 10 appends", lambda: store.refresh())
        rec.add("appends seen", float(report.changed))
    if hasattr(store, "reconcile_next"):  # the periodic full read of session_metadata
        for round_ in range(3):
            for key in rng.sample(info["keys_sample"], 10):
                bot.append(key, "user", f"bench reconcile {round_}")
            store.reconcile_next()
            await rec.timed("refresh after 10 appends, full reconcile", lambda: store.refresh())
    bot.close()
    await store.close()


async def run_starpod(rec: Recorder, sizes: dict[str, int]) -> None:
    from sessiontui.demo.bots import StarpodBot
    from sessiontui.stores.starpod import StarpodStore

    pristine, info = starpod_data(sizes)
    db = work_copy(pristine, "stores_starpod.db")
    store = StarpodStore(db)
    await first_refresh(rec, store)
    for _ in range(UNCHANGED_REPEATS):
        report = await rec.timed("unchanged refresh", lambda: store.refresh())
        rec.add("unchanged said changed", float(report.changed))
    bot = StarpodBot(db)
    rng = random.Random(7)
    for round_ in range(APPEND_REPEATS):
        for sid in rng.sample(info["ids_sample"], 10):
            bot.touch_session(sid)
            bot.save_message(sid, "user", f"bench round {round_}: any news?")
            bot.save_message(sid, "assistant", "Nothing new since this morning.")
            bot.record_usage(sid, turn=1, input_tokens=12, output_tokens=240, cache_read=12_000,
                             cache_write=800, model="claude-sonnet-4-6")
        report = await rec.timed("refresh after 10 requests", lambda: store.refresh())
        rec.add("appends seen", float(report.changed))
    if hasattr(store, "reconcile_next"):  # the periodic full read of session_metadata
        for round_ in range(3):
            for sid in rng.sample(info["ids_sample"], 10):
                bot.touch_session(sid)
                bot.save_message(sid, "user", f"bench reconcile {round_}")
            store.reconcile_next()
            await rec.timed("refresh after 10 requests, full reconcile", lambda: store.refresh())
    bot.close()
    await store.close()


async def run_claude(rec: Recorder, sizes: dict[str, int]) -> None:
    from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
    from sessiontui.model import Session, StoreFormat
    from sessiontui.stores.claude_code import ClaudeCodeStore

    root, info = claude_data(sizes)
    target = root / info["append_target"]
    restore_size(target, info["append_size"])
    store = ClaudeCodeStore(root)
    await first_refresh(rec, store)
    for _ in range(UNCHANGED_REPEATS // 2):
        report = await rec.timed("unchanged full rescan", lambda: store.refresh(None))
        rec.add("unchanged said changed", float(report.changed))
    writer = ClaudeCodeWriter(root)
    sid, cwd = target.stem, "/home/dev/src/project00"
    assert writer.transcript_path(cwd, sid) == target

    def append() -> Path:
        usage = usage_dict(12, 300, 20_000, 900)
        return writer.assistant(sid, cwd, [text_block("Done, the tests pass.")],
                                model="claude-sonnet-4-6", usage=usage)

    for _ in range(APPEND_REPEATS):
        path = append()
        report = await rec.timed("hinted refresh, 1 appended file",
                                 lambda path=path: store.refresh({path}))
        rec.add("appends seen", float(report.changed))
    for _ in range(3):
        append()
        await rec.timed("full rescan, 1 appended file", lambda: store.refresh(None))
    await store.close()

    big_root, big_info = claude_big_data(sizes)
    big_file = big_root / big_info["file"]
    session = Session(StoreFormat.CLAUDE_CODE, str(big_root), big_file.stem, big_file.stem,
                      source_path=str(big_file))
    big_store = ClaudeCodeStore(big_root)
    for _ in range(10):
        page = await rec.timed(f"read_messages(limit=200), {sizes['big_mb']} MB file",
                               lambda: big_store.read_messages(session, limit=200))
        rec.add("messages on first page", len(page.messages))
    base = rss_mb()
    await rec.timed(f"first refresh of the {sizes['big_mb']} MB file alone", big_store.refresh, gc=True)
    rec.add(f"RSS added by the {sizes['big_mb']} MB file", rss_mb() - base)


async def run_jsonl(rec: Recorder, sizes: dict[str, int]) -> None:
    from sessiontui.demo.zeroclaw_bots import ZeroClawJsonlBot
    from sessiontui.stores.zeroclaw_jsonl import ZeroClawJsonlStore

    root, info = jsonl_data(sizes)
    target = root / info["append_target"]
    restore_size(target, info["append_size"])
    store = ZeroClawJsonlStore(root)
    await first_refresh(rec, store)
    for _ in range(UNCHANGED_REPEATS // 2):
        report = await rec.timed("unchanged full rescan", lambda: store.refresh(None))
        rec.add("unchanged said changed", float(report.changed))
    bot = ZeroClawJsonlBot(root)
    key = target.name[: -len(".jsonl")]
    for round_ in range(APPEND_REPEATS):
        path = bot.append(key, {"role": "user", "content": f"bench round {round_}: any news?"})
        report = await rec.timed("hinted refresh, 1 appended file",
                                 lambda path=path: store.refresh({path}))
        rec.add("appends seen", float(report.changed))
    for round_ in range(3):
        bot.append(key, {"role": "assistant", "content": f"answer {round_}"})
        await rec.timed("full rescan, 1 appended file", lambda: store.refresh(None))
    await store.close()


RUNNERS = {"zeroclaw-sqlite": run_zeroclaw, "starpod": run_starpod, "claude-code": run_claude,
           "zeroclaw-jsonl": run_jsonl}


async def child(name: str, sizes: dict[str, int]) -> dict[str, list[float]]:
    async with LoopLag() as lag:
        rec = Recorder(lag)
        await RUNNERS[name](rec, sizes)
    return rec.out


# ---------------------------------------------------------------------------------------------
# The parent: data once, then one child process per run, then the table


def prepare(names: list[str], sizes: dict[str, int]) -> dict[str, str]:
    described = {}
    if "zeroclaw-sqlite" in names:
        _, info = zeroclaw_data(sizes)
        described["zeroclaw-sqlite"] = (f"{sizes['zc_sessions']:,} sessions, {sizes['zc_messages']:,} "
                                        f"message rows, {info['bytes'] / 1e6:.0f} MB")
    if "starpod" in names:
        _, info = starpod_data(sizes)
        described["starpod"] = (f"{sizes['sp_sessions']:,} sessions, {info['messages']:,} messages, "
                                f"{info['requests']:,} usage rows, {info['bytes'] / 1e6:.0f} MB")
    if "claude-code" in names:
        _, info = claude_data(sizes)
        _, big = claude_big_data(sizes)
        described["claude-code"] = (f"{sizes['cc_files']:,} transcripts, {info['lines']:,} lines, "
                                    f"{info['bytes'] / 1e6:.0f} MB; big file {big['bytes'] / 1e6:.0f} MB, "
                                    f"{big['lines']:,} lines")
    if "zeroclaw-jsonl" in names:
        _, info = jsonl_data(sizes)
        described["zeroclaw-jsonl"] = f"{sizes['jl_files']:,} files, {info['lines']:,} lines"
    return described


def run_child(name: str, quick: bool) -> dict[str, list[float]]:
    command = [sys.executable, __file__, "--child", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {name} failed with {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def unit(name: str) -> str:
    if "RSS" in name:
        return "MB"
    if name in ("sessions", "messages on first page") or "seen" in name or "said" in name:
        return ""
    return "ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, 1 run (< 60 s)")
    parser.add_argument("--runs", type=int, default=None, help="processes per store (default 3; quick 1)")
    parser.add_argument("--only", default=",".join(STORES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, sizes))))
        return
    names = [n for n in args.only.split(",") if n]
    runs = args.runs or (1 if args.quick else 3)
    described = prepare(names, sizes)
    lines = machine_header(
        f"Store adapters at scale ({'quick' if args.quick else 'full'} mode)",
        [f"{runs} fresh process(es) per store; median (min-max) over n samples; page cache warm",
         "loop lag = longest event-loop stall seen by a 1 ms ticker during that operation"],
    )
    for name in names:
        log(f"{name}: {runs} run(s)")
        samples: dict[str, list[float]] = {}
        for run in range(runs):
            out = run_child(name, args.quick)
            for key, values in out.items():
                samples.setdefault(key, []).extend(values)
            log(f"  run {run + 1}: first refresh {out['first refresh'][0]:.0f} ms")
        lines.append(f"== {name}: {described[name]}")
        rows = []
        for key, values in samples.items():
            digits = 0 if key in ("sessions", "messages on first page") else (2 if min(values, default=0) < 10 else 1)
            if "seen" in key or "said" in key:
                rows.append([key, f"{sum(values):.0f} of {len(values)}", "", ""])
                continue
            rows.append([key, Summary(values).fmt(digits), unit(key), str(len(values))])
        lines += table(["", "median (min-max)", "unit", "n"], rows)
        lines.append("")
    write_results("stores" + ("_quick" if args.quick else ""), lines)
    clear_work("stores_")


if __name__ == "__main__":
    main()
