"""`Esc` (clearing a typed filter) and the filter letters, many times, from outside in tmux.

Run: python benchmarks/bench_esc.py CHECKOUT [CHECKOUT ...] [--store zeroclaw] [--size 100000]
                                    [--rounds 20] [--runs 2] [--data DIR] [--out NAME]
                                    [--escdelay MS]

bench_host measures 3 `Esc` per run, so its p95 is the slowest of a few. This starts the real
`sessiontui PATH` (PYTHONPATH=CHECKOUT) in tmux 200x50 as bench_host does, waits until every
session is listed and 3 s more, then `--rounds` times: `/`, the four letters bench_host types,
then `Esc`, each key timed as send-keys -> the next capture-pane that differs (after the pane
settled). Checkouts are alternated run by run in one window. Median, p95 and max per key kind
and checkout; the process's CPU seconds over the keys. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _datagen
from _common import compile_sessiontui, log, machine_header, percentile, table, write_results
from bench_host import EXE, capture, counts, cpu_seconds, filter_text_for, key_latency, make, tmux


def one_run(
    checkout: Path, path: Path, size: int, rounds: int, text: str, escdelay: int | None = None
) -> dict[str, list[float]]:
    name = f"ui12-esc-{os.getpid()}"
    home = Path(tempfile.mkdtemp(prefix="ui12_esc_home_"))
    delay = "" if escdelay is None else f"ESCDELAY={escdelay} "
    command = f"exec env HOME={home} {delay}PYTHONPATH={checkout} {EXE} {path}"
    out: dict[str, list[float]] = {}
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
    try:
        pid = int(tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        while time.perf_counter() - start < 120:
            seen = counts(capture(name))
            if seen and seen[1] >= size:
                break
            time.sleep(0.05)
        time.sleep(3.0)
        cpu = cpu_seconds(pid)
        for _ in range(rounds):
            out.setdefault("/", []).append(key_latency(name, "/"))
            for i, letter in enumerate(text):
                kind = "first letter" if i == 0 else "next letters"
                out.setdefault(kind, []).append(key_latency(name, letter))
            out.setdefault("Esc", []).append(key_latency(name, "Escape"))
            tmux("send-keys", "-t", name, "Escape")  # back to the table
        out["keys CPU s"] = [cpu_seconds(pid) - cpu]
    finally:
        tmux("kill-session", "-t", name)
        shutil.rmtree(home, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--store", choices=("zeroclaw", "starpod"), default="zeroclaw")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--data", type=Path, default=None, help="data sets in DIR (bench_host --data)"
    )
    parser.add_argument("--out", default="esc")
    parser.add_argument(
        "--escdelay", type=int, default=None, help="ESCDELAY (ms) for the app (default: not set)"
    )
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    checkouts = [c.resolve() for c in args.checkouts]
    notes = [compile_sessiontui(c) for c in checkouts]
    path = make(args.store, args.size)
    text = filter_text_for(path)
    results: dict[Path, dict[str, list[float]]] = {c: {} for c in checkouts}
    loads = []
    for run in range(args.runs):
        for checkout in checkouts:
            loads.append(os.getloadavg()[0])
            log(f"{checkout}: run {run + 1}/{args.runs} (load {loads[-1]:.2f})")
            for key, values in one_run(
                checkout, path, args.size, args.rounds, text, args.escdelay
            ).items():
                results[checkout].setdefault(key, []).extend(values)
    lines = machine_header(
        f"Esc and filter letters from outside: tmux 200x50, {args.store} {args.size:,}, "
        f"ESCDELAY {'not set (25 ms)' if args.escdelay is None else f'{args.escdelay} ms'}",
        [
            (
                f"{args.runs} runs x {args.rounds} rounds per checkout, alternated; filter "
                f"{text!r}; load average (1 min) at each run's start "
                f"{min(loads):.2f}-{max(loads):.2f}"
            ),
            *notes,
        ],
    )
    rows = []
    for checkout, figures in results.items():
        for kind in ("/", "first letter", "next letters", "Esc"):
            values = figures[kind]
            rows.append(
                [
                    str(checkout),
                    kind,
                    f"{statistics.median(values):.0f}",
                    f"{percentile(values, 95):.0f}",
                    f"{max(values):.0f}",
                    str(len(values)),
                ]
            )
        rows.append(
            [
                str(checkout),
                "keys CPU s",
                f"{statistics.median(figures['keys CPU s']):.2f}",
                "",
                "",
                str(len(figures["keys CPU s"])),
            ]
        )
    lines += table(["checkout", "key", "median ms", "p95 ms", "max ms", "n"], rows)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
