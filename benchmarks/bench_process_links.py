"""What linking Hermes Agent sessions to processes adds to a scan and a link; results in
results/process_links.txt.

Run: python benchmarks/bench_process_links.py [--agents 20] [--runs 15]

  scan, no env        scan_processes() with N `claude --resume` stand-ins (their environment is
                      read too, for HERMES_SESSION_ID: every agent's is)
  scan, env + wanted  the same with N `hermes` stand-ins carrying HERMES_SESSION_ID, and N PIDs the
                      stores record (kept whatever their name)
  link 100k           ProcessWatch.link() of 100k Hermes Agent sessions, none / 1% with recorded PIDs
  wanted_pids 100k    collecting the recorded PIDs of 100k sessions (done once per scan)
CPU time from time.process_time() (user+system of this process); median (min-max). The machine is
shared (2 cores, other engineers' test runs): expect noise. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from _common import Summary, log, machine_header, ms, table, write_results

from sessiontui.demo.agent_processes import StandIn, start_standin
from sessiontui.live.process_links import ProcessWatch
from sessiontui.live.process_table import scan_processes
from sessiontui.live.recorded_pids import wanted_pids
from sessiontui.model import RecordedPid, Session, StoreFormat

STORE = "/nonexistent/state.db"


def timed(fn: Callable[[], object], runs: int) -> Summary:
    cpu = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        cpu.append(ms(time.process_time() - start))
    return Summary(cpu)


def sessions(count: int, recorded: dict[str, int]) -> list[Session]:
    now = time.time()
    return [
        Session(StoreFormat.HERMES_AGENT, STORE, f"s-{n}", f"s-{n}",
                agent_pids=(RecordedPid(recorded[f"s-{n}"], now),) if f"s-{n}" in recorded else ())
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    running: list[StandIn] = []
    rows = []
    try:
        log(f"starting {args.agents} claude stand-ins")
        claude = [start_standin("claude", ["--resume", f"c-{n}"], mode="hung") for n in range(args.agents)]
        running += claude
        rows.append(["scan, claude agents", str(args.agents), timed(lambda: scan_processes([]), args.runs).fmt(1)])
        for standin in claude:
            standin.stop()
        running.clear()
        log(f"starting {args.agents} hermes stand-ins with HERMES_SESSION_ID")
        for n in range(args.agents):
            os.environ["HERMES_SESSION_ID"] = f"s-{n}"
            running.append(start_standin("hermes", ["chat"], mode="hung"))
        os.environ.pop("HERMES_SESSION_ID")
        wanted = frozenset(s.pid for s in running)
        rows.append(["scan, hermes agents (env) + recorded PIDs", str(args.agents),
                     timed(lambda: scan_processes([], wanted), args.runs).fmt(1)])
        scan = scan_processes([], wanted)
        assert all(scan.by_session_id.get(f"s-{n}") == (s.pid,) for n, s in enumerate(running))
        recorded = {f"s-{n * 100}": s.pid for n, s in enumerate(running)}
        for label, group in (("link 100k, none recorded", sessions(100_000, {})),
                             (f"link 100k, {len(recorded)} recorded", sessions(100_000, recorded))):
            watch = ProcessWatch()
            now = datetime.now(UTC)
            rows.append([label, str(args.agents), timed(lambda g=group, w=watch, t=now: w.link(g, scan, t),
                                                        max(3, args.runs // 3)).fmt(1)])
        group = sessions(100_000, recorded)
        rows.append(["wanted_pids 100k sessions", "-",
                     timed(lambda: wanted_pids([s.agent_pids for s in group if s.agent_pids]), args.runs).fmt(1)])
        processes = sum(name.isdigit() for name in os.listdir("/proc"))
        lines = machine_header(
            "Processes linked to Hermes Agent sessions (benchmarks/bench_process_links.py)",
            [f"processes on the machine: {processes}; {args.agents} stand-ins",
             "machine shared with other engineers' test runs: noisy"],
        )
        lines += table(["work", "agents", "CPU ms"], rows)
        write_results("process_links", lines)
    finally:
        for standin in running:
            standin.stop()


if __name__ == "__main__":
    main()
