"""Looking at the processes behind sessions: what one scan and one link cost; results in
results/processes.txt.

Run: python benchmarks/bench_processes.py [--agents 40] [--runs 15]

  scan        scan_processes() over the whole process table (every process's name, command line,
              parent, start time; the open files of every process we may inspect), with the
              stand-in agents running (each with a session id in argv; a quarter hold a file open)
  link        ProcessWatch.link() of that scan to 1k / 100k sessions (a few linked, the rest not)
  stop        stop_process() on a stand-in: SIGTERM to gone, wall time (includes the 1 s the store
              is watched to see it stopped growing when a session is given; none here)
CPU time from time.process_time() (user+system of this process) and wall time; median (min-max).
The machine is shared (2 cores, other engineers' test runs): expect noise. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import Summary, log, machine_header, ms, table, write_results

from sessiontui.actions.stop_process import StopRequest, stop_process
from sessiontui.demo.agent_processes import StandIn, start_standin
from sessiontui.live.process_links import ProcessWatch
from sessiontui.live.process_table import scan_processes
from sessiontui.live.processes import store_target
from sessiontui.model import Session, StoreFormat


def sessions(count: int, store: Path, linked: list[str]) -> list[Session]:
    made = [Session(StoreFormat.CLAUDE_CODE, str(store), session_id, session_id) for session_id in linked]
    made += [Session(StoreFormat.CLAUDE_CODE, str(store), f"s-{n}", f"s-{n}") for n in range(count - len(made))]
    return made


def timed(fn, runs: int) -> tuple[Summary, Summary]:  # type: ignore[no-untyped-def]
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(ms(time.process_time() - c))
        wall.append(ms(time.perf_counter() - w))
    return Summary(cpu), Summary(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-processes-"))
    store = workdir / "projects"
    store.mkdir()
    held = []
    for n in range(args.agents // 4):
        path = store / f"held-{n}.jsonl"
        path.write_text("{}\n")
        held.append(path)
    log(f"starting {args.agents} stand-in agents")
    running: list[StandIn] = []
    linked = [f"agent-{n}" for n in range(args.agents)]
    try:
        for n, session_id in enumerate(linked):
            hold = [held[n]] if n < len(held) else []
            running.append(start_standin("claude", ["--resume", session_id], hold=hold, mode="hung"))
        targets = [store_target(store)]
        processes = sum(name.isdigit() for name in os.listdir("/proc")) if sys.platform.startswith("linux") else 0
        rows = []
        scan_cpu, scan_wall = timed(lambda: scan_processes(targets), args.runs)
        rows.append(["scan", "-", scan_cpu.fmt(1), scan_wall.fmt(1)])
        scan = scan_processes(targets)
        for count in (1_000, 100_000):
            group = sessions(count, store, linked)
            watch = ProcessWatch()
            now = datetime.now(UTC)
            cpu, wall = timed(lambda group=group, watch=watch, now=now: watch.link(group, scan, now), max(3, args.runs // 3))
            rows.append([f"link {count:,} sessions", str(args.agents), cpu.fmt(1), wall.fmt(1)])
        stops = []
        for standin in running[-5:]:
            info = scan_processes([]).processes[standin.pid]
            start = time.perf_counter()
            result = stop_process(StopRequest(info, None), read_only=False, state_dir=workdir / "state")
            stops.append(ms(time.perf_counter() - start))
            assert result.gone, result.message
        rows.append(["stop (SIGTERM to gone)", "5", "-", Summary(stops).fmt(1)])
        lines = machine_header(
            "Processes behind sessions (benchmarks/bench_processes.py)",
            [(f"processes on the machine: {processes}; "
              f"{args.agents} stand-in agents; {len(scan.processes)} kept by the scan; "
              f"{scan.not_inspectable} not inspectable"), "machine shared with other test runs: noisy"],
        )
        lines += table(["work", "agents", "CPU ms", "wall ms"], rows)
        lines += ["", "The fleet scans every 5 s (SCAN_SECONDS) in a thread: at the scan's median CPU that is",
                  f"about {scan_cpu.median / 50:.2f} % of one core, plus the link at the fleet's session count."]
        write_results("processes", lines)
    finally:
        for standin in running:
            standin.stop()


if __name__ == "__main__":
    main()
