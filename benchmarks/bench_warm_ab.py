"""A warm `snapshot --json` of a Claude Code tree by two checkouts, alternated run by run.

Each checkout gets a cache directory of its own, filled by one untimed run (the cache is keyed
by the code that makes it, so two checkouts never share one); then the two are run in turn,
each a fresh process: wall time, CPU seconds (wait4) and peak RSS. Both are byte-compiled first
(PYTHONDONTWRITEBYTECODE may be set: an install has .pyc files). Medians (min-max); the outputs
of the two are compared line for line.

`--live`: the tree is copied, and before each pair of runs one turn (a prompt and a priced reply,
dated now) is appended to one of its transcripts, as a running session would: each run reads
those few appended bytes (and prices them) instead of nothing. Outputs are then compared by
their total cost (the appended session's state moves with the clock).

    python benchmarks/bench_warm_ab.py BEFORE AFTER [--tree cc_tree_200mb] [--runs 15] [--live]
                                       [--out NAME]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, Summary, log, machine_header, table, tree_ab_parser, write_results


def snapshot(checkout: str, tree: Path, cache: Path) -> tuple[float, float, float, bytes]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": checkout}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(tree)],
            stdout=out,
            env=env,
            cwd=checkout,  # `-m` puts the working directory first on the path: the checkout's
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{checkout}: snapshot exited {status}")
        out.seek(0)
        data = out.read()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, data


def append_turn(tree: Path, turn: int) -> None:
    """One prompt and its priced reply, dated now, at the end of the tree's first transcript."""
    from datetime import UTC, datetime

    from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict

    transcript = min(tree.glob("*/*.jsonl"))
    cwd = json.loads(transcript.open("rb").readline())["cwd"]
    writer, now = ClaudeCodeWriter(tree), datetime.now(UTC)
    writer.user(transcript.stem, cwd, f"live turn {turn}", now=now)
    writer.assistant(
        transcript.stem,
        cwd,
        [text_block(f"reply {turn}")],
        model="claude-sonnet-4-6",
        usage=usage_dict(12, 340, 20_000, 560),
        now=now,
    )


def total_cost(output: bytes) -> float:
    return round(sum(json.loads(line)["cost_usd"] or 0 for line in output.splitlines()), 6)


def main() -> None:
    parser = tree_ab_parser(__doc__, runs=15)
    parser.add_argument("--out", default="warm_ab")
    parser.add_argument("--live", action="store_true", help="append a turn before each pair")
    args = parser.parse_args()
    tree = DATA / args.tree
    copy = Path(tempfile.mkdtemp(prefix="warm_ab_tree_")) if args.live else None
    if copy is not None:
        shutil.copytree(tree, copy / args.tree)
        tree = copy / args.tree
    names = ("before", "after")
    caches = {name: Path(tempfile.mkdtemp(prefix=f"warm_ab_{name}_")) for name in names}
    got: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    outputs: dict[str, bytes] = {}
    load = [os.getloadavg()[0]]
    try:
        for name in names:
            checkout = getattr(args, name)
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", f"{checkout}/sessiontui"], check=True
            )
            snapshot(checkout, tree, caches[name])  # fills the cache
        for run in range(args.runs):
            if args.live:
                append_turn(tree, run)
            for name in names if run % 2 == 0 else names[::-1]:
                wall, cpu, rss, outputs[name] = snapshot(getattr(args, name), tree, caches[name])
                got[name].append((wall, cpu, rss))
            log(f"{args.tree} run {run + 1}/{args.runs}: " + ", ".join(
                f"{n} {got[n][-1][0]:.3f} s ({got[n][-1][1]:.2f} CPU-s)" for n in names
            ))
        load.append(os.getloadavg()[0])
    finally:
        for cache in caches.values():
            shutil.rmtree(cache, ignore_errors=True)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
    rows = [
        [f"{args.tree} warm, {name}", *(Summary([v[i] for v in values]).fmt(3 if i < 2 else 1)
                                       for i in range(3))]
        for name, values in got.items()
    ]
    if args.live:  # the appended session's state moves with the clock: compare the dollars
        same = total_cost(outputs["before"]) == total_cost(outputs["after"])
    else:
        same = outputs["before"] == outputs["after"]
    lines = machine_header(
        "sessiontui snapshot --json on a warm cache, two checkouts alternated",
        [
            f"before: {args.before}; after: {args.after}; runs: {args.runs}; median (min-max)"
            + ("; live: a turn appended before each pair of runs" if args.live else ""),
            f"load average at start / end: {load[0]:.1f} / {load[-1]:.1f} (2 cores shared)",
            f"command: python {' '.join(sys.argv)}",
        ],
    )
    lines += table(["tree, code", "wall s", "CPU s", "peak MiB"], rows)
    lines.append(f"{'total cost' if args.live else 'outputs'} identical: {same}")
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
