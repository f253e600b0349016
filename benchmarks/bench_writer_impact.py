"""The bot's side: does sessiontui reading a live sessions.db slow or break the bot writing it?

Run: python benchmarks/bench_writer_impact.py [--quick] [--repeats 2] [--seconds 20]

A writer process is the bot: ZeroClawSqliteBot.append() (its exact SQL: the message INSERT, whose
trigger feeds the FTS index, then the session_metadata upsert; two autocommit statements, no
busy_timeout, the daemon's PRAGMAs) into a copy of the generated 100k-session HEAD-schema
sessions.db (--quick: 5,000 sessions), spread over 1,000 sessions, for --seconds:
  at ~50 appends/s (paced), and at max speed (back to back).
Each with no reader, and with sessiontui's store (ZeroClawSqliteStore, read-only, as the app
polls it: refresh(), then sleep the interval) polling from another process every 1 s and 0.25 s.
The reader's first full read happens before the writer starts.

Writer: appends/s, append latency p50/p99/max (both statements), SQLITE_BUSY/locked errors (the
bot would have failed that write), WAL file size at the end (both still connected) and the
largest seen (sampled every 0.25 s). Reader: polls, poll time median/max, CPU used.
Medians (min-max) over --repeats fresh copies. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _common import Summary, cpu_seconds, log, machine_header, ms, percentile, table, write_results
from _datagen import clear_work, make_zeroclaw_db, work_copy

FULL = (100_000, 1_000_000)
QUICK = (5_000, 50_000)
RATES = (50.0, 0.0)  # appends per second; 0 = as fast as possible
READERS = (None, 1.0, 0.25)  # poll interval in seconds; None = no reader


def wal_size(db: Path) -> int:
    try:
        return os.path.getsize(str(db) + "-wal")
    except OSError:
        return 0


def writer(db: Path, rate: float, seconds: float, keys: list[str]) -> dict[str, float]:
    from sessiontui.demo.zeroclaw_bots import ZeroClawSqliteBot

    bot = ZeroClawSqliteBot(db)  # as the daemon: no busy_timeout
    rng = random.Random(3)
    active = rng.sample(keys, min(1000, len(keys)))
    latencies: list[float] = []
    busy = 0
    wal_max = 0
    next_sample = 0.0
    start = time.perf_counter()
    end = start + seconds
    n = 0
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        if rate:
            due = start + n / rate
            if due > now:
                time.sleep(due - now)
        key = active[n % len(active)]
        role = "user" if n % 2 == 0 else "assistant"
        t = time.perf_counter()
        try:
            bot.append(key, role, f"message {n}: the quick brown fox jumps over the lazy dog")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                busy += 1
            else:
                raise
        latencies.append(time.perf_counter() - t)
        n += 1
        if t >= next_sample:
            wal_max = max(wal_max, wal_size(db))
            next_sample = t + 0.25
    elapsed = time.perf_counter() - start
    wal_end = wal_size(db)
    bot.close()
    return {
        "appends": n, "appends/s": n / elapsed, "p50 ms": ms(percentile(latencies, 50)),
        "p99 ms": ms(percentile(latencies, 99)), "max ms": ms(max(latencies)), "busy": busy,
        "wal end MB": wal_end / 1e6, "wal max MB": max(wal_max, wal_end) / 1e6,
    }


async def reader(db: Path, interval: float, seconds: float) -> dict[str, float]:
    from sessiontui.stores.zeroclaw_sqlite import ZeroClawSqliteStore

    store = ZeroClawSqliteStore(db)
    await store.refresh()
    print("READY", flush=True)
    polls: list[float] = []
    changed = 0
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        report = await store.refresh()
        polls.append(time.perf_counter() - start)
        changed += report.changed
        await asyncio.sleep(interval)
    cpu = cpu_seconds() - cpu0
    wall = time.perf_counter() - t0
    await store.close()
    return {"polls": len(polls), "changed polls": changed, "poll median ms": ms(percentile(polls, 50)),
            "poll max ms": ms(max(polls)), "reader CPU %": 100 * cpu / wall}


def one(db: Path, rate: float, interval: float | None, seconds: float, quick: bool) -> dict[str, float]:
    base = [sys.executable, __file__, "--db", str(db)] + (["--quick"] if quick else [])
    read_proc = None
    if interval is not None:
        command = base + ["--role", "reader", "--interval", str(interval), "--seconds", str(seconds + 1.5)]
        read_proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert read_proc.stdout is not None
        line = read_proc.stdout.readline()
        if line.strip() != "READY":
            raise SystemExit(f"reader did not start: {line!r}")
    command = base + ["--role", "writer", "--rate", str(rate), "--seconds", str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit("writer failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if read_proc is not None:
        out, _ = read_proc.communicate(timeout=300)
        result.update(json.loads(out.strip().splitlines()[-1]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 sessions, 5 s per case, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="fresh copies per case (default 2; quick 1)")
    parser.add_argument("--seconds", type=float, default=None, help="writer duration (default 20; quick 5)")
    parser.add_argument("--role", choices=("writer", "reader"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    pristine, info = make_zeroclaw_db(f"zeroclaw_{sizes[0]}.db", *sizes)
    if args.role == "writer":
        print(json.dumps(writer(Path(args.db), args.rate, seconds, info["keys_sample"])))
        return
    if args.role == "reader":
        print(json.dumps(asyncio.run(reader(Path(args.db), args.interval, seconds))))
        return
    repeats = args.repeats or (1 if args.quick else 2)
    results: dict[tuple[float, float | None], list[dict[str, float]]] = {}
    for repeat in range(repeats):
        for rate in RATES:
            for interval in READERS:
                db = work_copy(pristine, "writer_zeroclaw.db")
                label = f"rate {'max' if not rate else int(rate)}/s, reader {interval or 'none'}"
                log(f"repeat {repeat + 1}: {label}")
                result = one(db, rate, interval, seconds, args.quick)
                results.setdefault((rate, interval), []).append(result)
                log(f"  {result['appends/s']:.0f} appends/s, p99 {result['p99 ms']:.2f} ms, "
                    f"busy {result['busy']}, WAL {result['wal end MB']:.1f} MB")
    lines = machine_header(
        f"Writer impact ({'quick' if args.quick else 'full'} mode)",
        [(f"db: ZeroClaw sessions.db, {sizes[0]:,} sessions, {sizes[1]:,} message rows, "
          f"{info['bytes'] / 1e6:.0f} MB (a fresh copy per case); writer {seconds:.0f} s per case"),
         f"{repeats} repeat(s) per case; median (min-max) over repeats",
         ("append = ZeroClawSqliteBot.append(): message INSERT (+FTS trigger) and metadata upsert, "
          "two autocommits"),
         ("WAL: the -wal file while both are connected (SQLite's auto-checkpoint restarts it at ~4 MB "
          "when no reader pins it)")],
    )
    headers = ["writer / reader poll", "appends/s", "p50 ms", "p99 ms", "max ms", "BUSY", "WAL end MB",
               "WAL max MB", "polls", "poll med ms", "poll max ms", "reader CPU %"]
    keys = ["appends/s", "p50 ms", "p99 ms", "max ms", "busy", "wal end MB", "wal max MB", "polls",
            "poll median ms", "poll max ms", "reader CPU %"]
    rows = []
    for (rate, interval), runs in results.items():
        label = f"{'max' if not rate else f'{rate:.0f}/s'} / {f'{interval:g} s' if interval else 'none'}"
        cells = [label]
        for key in keys:
            values = [r[key] for r in runs if key in r]
            digits = 0 if key in ("appends/s", "busy", "polls") else (1 if key.startswith("reader") else 2)
            cells.append(Summary(values).fmt(digits) if values else "-")
        rows.append(cells)
    lines += table(headers, rows)
    write_results("writer_impact" + ("_quick" if args.quick else ""), lines)
    clear_work("writer_")


if __name__ == "__main__":
    main()
