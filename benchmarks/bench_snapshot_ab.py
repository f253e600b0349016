"""`snapshot --json` of two checkouts, alternated run by run on the same data (a shared machine's
load then falls on both alike): wall time, CPU seconds and peak RSS of the child (wait4).

Run: python benchmarks/bench_snapshot_ab.py BEFORE_CHECKOUT AFTER_CHECKOUT [--runs 3]
                                            [--stores zeroclaw,starpod] [--size 100000] [--out NAME]
                                            [--path benchmarks/data/cc_tree_200mb ...] [--data DIR]
--path: snapshot these existing stores (e.g. a generated Claude Code tree) instead of --stores.
--data: the stores made (or reused) in DIR, not benchmarks/data: a private copy no other process
holds open (a process holding a store is taken for its bot, and every session is linked to it).
Each run has a HOME of its own: the transcript cache is cold.
Each checkout's sessiontui is run as `python -m sessiontui` from the checkout. Medians (min-max); nothing asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _datagen
from _common import Summary, log, machine_header, table, write_results
from bench_host import EXE, make


def snapshot(checkout: str, path: Path) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(prefix="snapshot_ab_") as home:
        env = {**os.environ, "HOME": home, "PYTHONPATH": checkout}
        start = time.perf_counter()
        # `-m` from the checkout itself (the working directory comes first on the path): both
        # checkouts run their own entry point (the script's moved to `cli.run` in round five)
        child = subprocess.Popen([str(EXE.with_name("python")), "-m", "sessiontui", "snapshot", "--json", str(path)],
                                 stdout=subprocess.DEVNULL, env=env, cwd=checkout)
        _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="zeroclaw,starpod")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--out", default="snapshot_ab")
    parser.add_argument("--path", type=Path, action="append", help="an existing store to snapshot")
    parser.add_argument("--data", type=Path, default=None, help="make and reuse the stores in DIR")
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    rows = []
    targets = [(p.name, p) for p in args.path] if args.path else [
        (f"{store} {args.size:,}", make(store, args.size)) for store in args.stores.split(",")]
    for store, path in targets:
        got: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
        for run in range(args.runs):
            for name in ("before", "after"):
                log(f"{store} {name} {run + 1}/{args.runs} (load {os.getloadavg()[0]:.1f})")
                got[name].append(snapshot(getattr(args, name), path))
        for name, values in got.items():
            rows.append([f"{store} {name}", *(Summary([v[i] for v in values]).fmt(2 if i < 2 else 1)
                                                         for i in range(3))])
    lines = machine_header("sessiontui snapshot --json, two checkouts alternated",
                           [f"before: {args.before}; after: {args.after}; runs: {args.runs}; median (min-max)",
                            f"load average at end {os.getloadavg()[0]:.1f} (2 shared cores: read CPU seconds)",
                            f"data: {_datagen.DATA}",
                            f"command: python {' '.join(sys.argv)}"])
    lines += table(["store, code", "wall s", "CPU s", "peak MiB"], rows)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
