"""Codex rollouts at scale: a Codex home of many rollouts read by the `codex` store.

One rollout is written with Codex's record shapes by the demo writer (turns of shell calls with
large outputs, a token_count per call, a compaction), then copied under new thread ids. Each run
is a fresh process: the first `refresh()` (wall and CPU), unchanged refreshes, one turn appended
to one rollout then a refresh with the watcher's hint, and `sessiontui snapshot --json` end to end
(CPU of the child process). Nothing is asserted.

    python benchmarks/bench_codex.py [--quick] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (
    DATA,
    Summary,
    log,
    machine_header,
    peak_rss_mb,
    rss_mb,
    table,
    write_results,
)

from sessiontui.demo.codex import CodexWriter, rate_limits, token_usage
from sessiontui.stores.codex import CodexStore

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def make_home(home: Path, rollouts: int, turns: int, output_bytes: int) -> int:
    """A Codex home of `rollouts` copies of one rollout; returns its total size in bytes."""
    if (home / "done.json").exists():
        return int(json.loads((home / "done.json").read_text())["bytes"])
    shutil.rmtree(home, ignore_errors=True)
    template_home = home / "template"
    w = CodexWriter(template_home)
    tid = w.start("/home/dev/src/app", START)
    at = START
    output = ("x" * 99 + "\n") * (output_bytes // 100)
    for turn in range(turns):
        w.user_turn(tid, f"turn {turn}: make the build green", at)
        for _ in range(3):
            at += timedelta(seconds=5)
            call = w.tool_call(tid, ["bash", "-lc", "make test"], at)
            w.tool_output(tid, call, output, at)
            w.token_count(
                tid,
                token_usage(30_000 + turn * 100, 25_000, 700, 300),
                at,
                rate_limits(30.0, 10.0, resets=at + timedelta(hours=3)),
            )
        w.answer(tid, "Done.", at)
        w.turn_complete(tid, at)
        if turn == turns // 2:
            w.compacted(tid, "summary " * 200, at)
    template = w.path_of(tid)
    text = template.read_text()
    total = 0
    for n in range(rollouts):
        new_id = str(uuid.UUID(int=n + 1, version=4))
        day = START + timedelta(days=n % 28)
        target = (
            home
            / "sessions"
            / f"{day:%Y}"
            / f"{day:%m}"
            / f"{day:%d}"
            / f"rollout-{day:%Y-%m-%dT%H-%M-%S}-{new_id}.jsonl"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace(tid, new_id))
        total += target.stat().st_size
    shutil.rmtree(template_home)
    (home / "done.json").write_text(json.dumps({"rollouts": rollouts, "bytes": total}))
    return total


def child(home: Path) -> None:
    """One measured run, in its own process; prints one JSON line of figures."""
    work = home.parent / f"{home.name}-work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(home, work)
    figures: dict[str, object] = {}
    rss0 = rss_mb()
    store = CodexStore(work)
    wall, cpu = time.perf_counter(), time.process_time()
    report = asyncio.run(store.refresh())
    figures["first_wall_ms"] = (time.perf_counter() - wall) * 1000
    figures["first_cpu_ms"] = (time.process_time() - cpu) * 1000
    figures["sessions"] = len(report.sessions)
    figures["rss_added_mb"] = rss_mb() - rss0
    figures["peak_rss_mb"] = peak_rss_mb()

    async def ticks() -> tuple[list[float], list[float]]:
        """CPU ms of 20 unchanged refreshes, and of 10 refreshes each after one appended turn."""
        unchanged, appended = [], []
        for _ in range(20):
            cpu = time.process_time()
            await store.refresh()
            unchanged.append((time.process_time() - cpu) * 1000)
        path = min(work.rglob("rollout-*.jsonl"))
        for n in range(10):
            _append_turn(path, START + timedelta(days=30, seconds=n))
            cpu = time.process_time()
            result = await store.refresh({path})
            appended.append((time.process_time() - cpu) * 1000)
            assert result.changed
        return unchanged, appended

    unchanged, appended = asyncio.run(ticks())
    figures["unchanged_ms"] = unchanged
    figures["append_ms"] = appended
    print(json.dumps(figures))
    shutil.rmtree(work, ignore_errors=True)


def _append_turn(path: Path, at: datetime) -> None:
    """One turn appended to an existing rollout, in the shapes the writer uses."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    lines = [
        {"type": "event_msg", "payload": {"type": "turn_started", "turn_id": str(uuid.uuid4())}},
        {
            "type": "response_item",
            "payload": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "again"}],
            },
        },
        {
            "type": "event_msg",
            "payload": {"type": "user_message", "message": "again", "images": None},
        },
        {
            "type": "event_msg",
            "payload": {
                "type": "token_count",
                "info": {
                    "total_token_usage": token_usage(10**9, 0, at.second),
                    "last_token_usage": token_usage(1_000, 800, 50),
                    "model_context_window": 272_000,
                },
                "rate_limits": None,
            },
        },
        {"type": "event_msg", "payload": {"type": "turn_complete", "turn_id": None}},
    ]
    with open(path, "a") as handle:
        handle.writelines(json.dumps({"timestamp": stamp, **line}) + "\n" for line in lines)


def snapshot_run(home: Path) -> tuple[float, float]:
    """`sessiontui snapshot --json HOME` in a child process: (wall ms, child CPU ms)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(home)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(home.parent)},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (time.perf_counter() - wall) * 1000, cpu * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rollouts, turns, output = (20, 4, 2_000) if args.quick else (200, 20, 6_000)
    runs = 1 if args.quick else args.runs
    home = DATA / f"codex-{rollouts}x{turns}"
    log(f"making {home}")
    size = make_home(home, rollouts, turns, output)
    results: list[dict[str, object]] = []
    snapshots: list[tuple[float, float]] = []
    for run in range(runs):
        log(f"run {run + 1}/{runs}")
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(home)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.splitlines()[-1]))
        snapshots.append(snapshot_run(home))

    def summary(key: str) -> Summary:
        values: list[float] = []
        for result in results:
            value = result[key]
            values.extend(value if isinstance(value, list) else [float(value)])  # type: ignore[arg-type]
        return Summary(values)

    first_cpu = summary("first_cpu_ms")
    rows = [
        ["first refresh, wall", summary("first_wall_ms").fmt(), "ms", str(runs)],
        ["first refresh, CPU", first_cpu.fmt(), "ms", str(runs)],
        ["read rate (CPU)", f"{size / 1e6 / (first_cpu.median / 1000):.0f}", "MB/s", ""],
        ["sessions", summary("sessions").fmt(0), "", str(runs)],
        ["RSS added", summary("rss_added_mb").fmt(), "MB", str(runs)],
        ["peak RSS", summary("peak_rss_mb").fmt(), "MB", str(runs)],
        ["unchanged refresh, CPU", summary("unchanged_ms").fmt(2), "ms", str(20 * runs)],
        [
            "refresh after one appended turn (watcher hint), CPU",
            summary("append_ms").fmt(2),
            "ms",
            str(10 * runs),
        ],
        ["snapshot --json, wall", Summary([w for w, _ in snapshots]).fmt(), "ms", str(runs)],
        ["snapshot --json, CPU (child)", Summary([c for _, c in snapshots]).fmt(), "ms", str(runs)],
    ]
    lines = machine_header(
        f"Codex store ({'quick' if args.quick else 'full'} mode)",
        [
            f"{runs} fresh process(es); median (min-max); page cache warm; the machine was shared and loaded"
        ],
    )
    lines.append(
        f"== codex: {rollouts} rollouts x {turns} turns (3 shell calls each), {size / 1e6:.0f} MB"
    )
    lines += table(["", "median (min-max)", "unit", "n"], rows)
    write_results("codex_quick" if args.quick else "codex", lines)


if __name__ == "__main__":
    main()
