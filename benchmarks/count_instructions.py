"""Instructions a warm `snapshot --json` executes, two checkouts: a figure the machine's load
does not move (valgrind's cachegrind, its cache simulation off: counting only).

Each checkout gets a cache of its own (filled by one uncounted run) and is byte-compiled; then
its warm run is counted `--runs` times (the counts vary by well under 1 %) and the outputs
compared. `python -c pass` is counted beside them: the interpreter's own start and exit.
Under valgrind a run takes about 50 times as long. Only the counted process is followed (a
warm run starts none).

    python benchmarks/count_instructions.py BEFORE AFTER [--tree cc_tree_200mb] [--runs 2]
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

VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def counted(command: list[str], env: dict[str, str], cwd: str) -> tuple[int, bytes]:
    """Instructions executed by `command` (valgrind's "I refs"), and what it printed."""
    result = subprocess.run(
        [*VALGRIND, *command], env=env, cwd=cwd, capture_output=True, check=True
    )
    found = re.search(rb"I\s+refs:\s+([\d,]+)", result.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind: {result.stderr[-500:]!r}")
    return int(found[1].replace(b",", b"")), result.stdout


def main() -> None:
    parser = tree_ab_parser(__doc__, runs=2)
    parser.add_argument("--out", default="count_instructions")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    tree = DATA / args.tree
    names = ("before", "after")
    counts: dict[str, list[int]] = {name: [] for name in names}
    outputs: dict[str, bytes] = {}
    caches = {name: Path(tempfile.mkdtemp(prefix=f"count_{name}_")) for name in names}
    command = [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(tree)]
    try:
        for name in names:
            checkout = getattr(args, name)
            compile_sessiontui(Path(checkout))
            env = {**os.environ, "XDG_CACHE_HOME": str(caches[name]), "PYTHONPATH": checkout}
            subprocess.run(command, env=env, cwd=checkout, capture_output=True, check=True)
            for run in range(args.runs):
                count, outputs[name] = counted(command, env, checkout)
                counts[name].append(count)
                log(f"{name} run {run + 1}: {count:,} instructions")
        bare, _ = counted([sys.executable, "-c", "pass"], dict(os.environ), os.getcwd())
    finally:
        for cache in caches.values():
            shutil.rmtree(cache, ignore_errors=True)
    rows = [
        [f"{args.tree} warm, {name}", f"{min(counts[name]):,}", f"{max(counts[name]):,}"]
        for name in names
    ]
    rows.append(["python -c pass", f"{bare:,}", ""])
    change = min(counts["after"]) / min(counts["before"]) - 1
    lines = machine_header(
        "instructions of a warm sessiontui snapshot --json (valgrind cachegrind, counting only)",
        [
            f"before: {args.before}; after: {args.after}; runs: {args.runs}",
            f"command: python {' '.join(sys.argv)}",
        ],
    )
    lines += table(["run", "instructions (least)", "(most)"], rows)
    lines.append(f"after vs before: {change:+.1%}")
    lines.append(f"outputs identical: {outputs['before'] == outputs['after']}")
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
