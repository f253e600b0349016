"""What a warm `snapshot --json` imports, for two checkouts: `python -X importtime`, run by run.

Each checkout gets a cache of its own (filled by one untimed run) and is byte-compiled; then
each is run `--runs` times with `-X importtime`, alternated. Per module the least self time of
the runs is kept (importtime's own overhead and the machine's load only ever add): the number
of modules, their sum, and the modules that cost most in the after checkout, each beside the
same module in the before one. A profile, not a timing: wall and CPU are bench_warm_ab's.

    python benchmarks/profile_start.py BEFORE AFTER [--tree cc_tree_200mb] [--runs 6] [--top 25]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    DATA,
    compile_sessiontui,
    log,
    machine_header,
    table,
    tree_ab_parser,
    write_results,
)

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")


def self_times(checkout: str, tree: Path, cache: Path) -> dict[str, int]:
    """Microseconds of each module's own import (its children excluded), in one run."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": checkout}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sessiontui", "snapshot", "--json", str(tree)],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return {m[3]: int(m[1]) for m in map(LINE.match, result.stderr.splitlines()) if m}


def main() -> None:
    parser = tree_ab_parser(__doc__, runs=6)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default="profile_start")
    args = parser.parse_args()
    tree = DATA / args.tree
    names = ("before", "after")
    least: dict[str, dict[str, int]] = {name: {} for name in names}
    load = [os.getloadavg()[0]]
    caches = {name: Path(tempfile.mkdtemp(prefix=f"profile_start_{name}_")) for name in names}
    try:
        for name in names:
            checkout = getattr(args, name)
            compile_sessiontui(Path(checkout))
            self_times(checkout, tree, caches[name])  # fills the cache
        for run in range(args.runs):
            for name in names if run % 2 == 0 else names[::-1]:
                for module, micros in self_times(getattr(args, name), tree, caches[name]).items():
                    least[name][module] = min(micros, least[name].get(module, micros))
            log(f"run {run + 1}/{args.runs}")
        load.append(os.getloadavg()[0])
    finally:
        for cache in caches.values():
            shutil.rmtree(cache, ignore_errors=True)
    totals = [
        [name, str(len(least[name])), f"{sum(least[name].values()) / 1000:.1f}"] for name in names
    ]
    after = least["after"]
    top = sorted(after, key=lambda m: -after[m])[: args.top]
    rows = [[m, f"{after[m] / 1000:.2f}", f"{least['before'].get(m, 0) / 1000:.2f}"] for m in top]
    gone = sorted(set(least["before"]) - set(after), key=lambda m: -least["before"][m])
    lines = machine_header(
        "what a warm sessiontui snapshot --json imports (python -X importtime)",
        [
            f"before: {args.before}; after: {args.after}; tree: {args.tree}; runs: {args.runs}",
            "per module the least self time over the runs (importtime's overhead included)",
            f"load average at start / end: {load[0]:.1f} / {load[-1]:.1f} (2 cores shared)",
            f"command: python {' '.join(sys.argv)}",
        ],
    )
    lines += table(["code", "modules", "sum of self times ms"], totals)
    lines.append("")
    lines += table(["module (most costly after)", "after ms", "before ms"], rows)
    lines.append("")
    lines.append(f"imported before, not after ({len(gone)}): " + ", ".join(gone))
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
