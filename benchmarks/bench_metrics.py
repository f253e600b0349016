"""`sessiontui metrics` at 100k sessions: series count and the cost of a scrape; results in
results/metrics.txt.

Run: python benchmarks/bench_metrics.py [--quick] [--runs 20]

Measured, as CPU time of this process (time.process_time, all threads), medians over --runs:
  demo scene        the series count of `sessiontui demo`'s scene (20 idle sessions beside it)
  fold              FleetMetrics.take() after the rows changed: rows -> per-store totals, the
                    counters' high-water marks advanced and saved (once per changed fleet update)
  fold, unchanged   take() when the fleet handed back the same rows (every idle tick)
  scrape            generate_latest() over the collector: what one GET /metrics costs
  textfile run      one `sessiontui metrics --textfile` process, start to exit (the timer's
                    cost each minute): CPU of the child (user + system) and wall time
  --listen-only     instead: one `sessiontui metrics --listen` process (--refresh 5) left idle for
                    --listen-seconds and scraped every 15 s, as Prometheus would: time to serving,
                    its CPU over the idle window (from /proc), and each GET /metrics's wall time;
                    results in results/metrics_listen.txt
The fleet is bench_fleet.py's: 50k ZeroClaw SQLite, 28k Starpod, 20k ZeroClaw JSONL, 2k Claude
Code sessions = 100,000 (--quick: 5,600). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import Summary, log, machine_header, table, write_results
from _datagen import make_claude_tree, make_starpod_db, make_zeroclaw_db, make_zeroclaw_jsonl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prometheus_client import generate_latest

from sessiontui.config import Config
from sessiontui.demo import populate
from sessiontui.metrics.exporter import FleetMetrics, read_once, registry_for
from sessiontui.model import StoreFormat
from sessiontui.stores import Found, find_stores, open_stores

FULL = {
    "zc": (50_000, 500_000),
    "sp": (28_000, 280_000, 84_000),
    "jl": (20_000, 10),
    "cc": (2_000, 100),
}
QUICK = {"zc": (3_000, 30_000), "sp": (1_500, 15_000, 4_500), "jl": (1_000, 10), "cc": (100, 100)}


def series_count(text: bytes) -> int:
    return sum(1 for line in text.splitlines() if line and not line.startswith(b"#"))


def cpu_ms(fn: object, runs: int) -> Summary:
    values = []
    for _ in range(runs):
        start = time.process_time()
        fn()  # type: ignore[operator]
        values.append((time.process_time() - start) * 1000)
    return Summary(values)


def fleet_paths(sizes: dict[str, tuple[int, ...]]) -> list[Path]:
    zc, sp, jl, cc = sizes["zc"], sizes["sp"], sizes["jl"], sizes["cc"]
    return [
        make_zeroclaw_db(f"zeroclaw_{zc[0]}.db", *zc)[0],
        make_starpod_db(f"starpod_{sp[0]}.db", *sp)[0],
        make_zeroclaw_jsonl(f"zeroclaw_jsonl_{jl[0]}", *jl)[0],
        make_claude_tree(f"claude_{cc[0]}", *cc)[0],
    ]


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listen_idle(paths: list[Path], state: Path, seconds: float) -> list[str]:
    import re
    import urllib.request

    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessiontui",
            "metrics",
            "--listen",
            "127.0.0.1:0",
            "--refresh",
            "5",
            *map(str, paths),
        ],
        cwd=ROOT,
        env={**os.environ, "XDG_STATE_HOME": str(state / "listen")},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"http://\S+", line)
        assert match, line
        url, ready = match.group(), time.perf_counter() - started
        log(f"serving after {ready:.1f} s; idle for {seconds:.0f} s")
        cpu0, t0, scrapes = proc_cpu_seconds(process.pid), time.perf_counter(), []
        while time.perf_counter() - t0 < seconds:
            begin = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
            scrapes.append((time.perf_counter() - begin) * 1000)
            time.sleep(15)
        busy = (proc_cpu_seconds(process.pid) - cpu0) / (time.perf_counter() - t0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return [
        f"start to serving: {ready:.1f} s (wall)",
        (
            f"idle CPU with --refresh 5, scraped every 15 s: {busy * 100:.1f} % of a core "
            f"over {seconds:.0f} s"
        ),
        (
            f"GET /metrics: {Summary(scrapes).fmt(1)} ms wall over {len(scrapes)} scrapes, "
            f"{series_count(body):,} series"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--listen-only", action="store_true")
    parser.add_argument("--listen-seconds", type=float, default=120)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    runs = 3 if args.quick else args.runs
    state = Path(tempfile.mkdtemp(prefix="sessiontui-bench-metrics-"))

    if args.listen_only:
        paths = fleet_paths(sizes)
        stores = len(find_stores(paths)[0])
        lines = machine_header(
            f"sessiontui metrics --listen at {sum(v[0] for v in sizes.values()):,} sessions, "
            f"{stores} stores (the Claude Code tree as one store per project)",
            ["the machine was loaded by other jobs (2 cores shared by ~8 engineers)."],
        )
        lines += ["", *listen_idle(paths, state, args.listen_seconds)]
        write_results("metrics_listen_quick" if args.quick else "metrics_listen", lines)
        return
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as scene:
        populate(Path(scene), now=datetime.now(UTC), seed=1, sessions=20)
        metrics = FleetMetrics(state / "demo")
        found, _ = find_stores([Path(scene)])
        stores = open_stores(found)
        asyncio.run(read_once(stores, Config(), metrics))
        demo_text = generate_latest(registry_for(metrics))
        demo_sessions = sum(sum(s.totals.states.values()) for s in metrics._moment.stores)  # type: ignore[union-attr]
        rows.append(
            [
                "demo scene",
                f"{demo_sessions:,}",
                f"{series_count(demo_text):,}",
                f"{len(demo_text):,}",
            ]
        )

    paths = fleet_paths(sizes)
    # One Claude Code store for the whole tree, as ~/.claude/projects is (and as bench_fleet.py
    # opens it); given as a path, a tree not named `projects` is one store per project directory.
    found = [Found(StoreFormat.CLAUDE_CODE, paths[3]), *find_stores(paths[:3])[0]]
    stores = open_stores(found)
    metrics = FleetMetrics(state / "fleet")
    log("reading the fleet once")
    update = asyncio.run(read_once(stores, Config(), metrics))
    sessions = len(update.rows)
    registry = registry_for(metrics)
    text = generate_latest(registry)
    rows.append(
        [
            f"fleet ({len(found)} stores)",
            f"{sessions:,}",
            f"{series_count(text):,}",
            f"{len(text):,}",
        ]
    )

    def fold() -> None:
        metrics._rows = None  # as after a change: fold every row again
        metrics.take(update, stores)

    timings = [
        ("fold (rows changed)", cpu_ms(fold, runs)),
        ("fold (rows unchanged)", cpu_ms(lambda: metrics.take(update, stores), runs)),
        ("scrape (generate_latest)", cpu_ms(lambda: generate_latest(registry), runs)),
    ]
    child_stores = len(find_stores(paths)[0])  # the Claude Code tree as one store per project
    child_cpu, child_wall = [], []
    for _ in range(max(1, runs // 4)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sessiontui",
                "metrics",
                "--textfile",
                str(state / "bench.prom"),
                *map(str, paths),
            ],
            check=True,
            cwd=ROOT,
            env={**os.environ, "XDG_STATE_HOME": str(state / "child")},
        )
        child_wall.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu.append(
            (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
        )
    lines = machine_header(
        "sessiontui metrics: series and scrape cost",
        [
            "CPU times are time.process_time() of this process (ms), median (min-max);",
            "the machine was loaded by other jobs (2 cores shared by ~8 engineers).",
        ],
    )
    lines += ["", *table(["exposition", "sessions", "series", "bytes"], rows), ""]
    lines += table(
        ["at " + f"{sessions:,} sessions", "CPU ms", "runs"],
        [[name, s.fmt(2), str(len(s.values))] for name, s in timings],
    )
    lines += [
        "",
        *table(
            [f"textfile run (one process, {child_stores} stores)", "median ms", "min-max"],
            [
                [
                    "CPU (user+system)",
                    f"{Summary(child_cpu).median:,.0f}",
                    f"{Summary(child_cpu).low:,.0f}-{Summary(child_cpu).high:,.0f}",
                ],
                [
                    "wall",
                    f"{Summary(child_wall).median:,.0f}",
                    f"{Summary(child_wall).low:,.0f}-{Summary(child_wall).high:,.0f}",
                ],
            ],
        ),
    ]
    write_results("metrics_quick" if args.quick else "metrics", lines)


if __name__ == "__main__":
    main()
