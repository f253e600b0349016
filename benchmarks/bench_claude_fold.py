"""The cold fold of Claude Code transcripts into summaries: the reference path (orjson parses
every line into a dict, `TranscriptSummary.add` folds it) against the fast fold (msgspec reads
only the fields a summary needs; running totals), on the same bytes in one run; with `--base`,
also another version of the fast fold (a claude_fold.py taken from an earlier commit), for an
A/B of a change in the same run.

CPU seconds (process time: the machine is shared) to fold every transcript of the 200 MB tree,
median of 3, alternating the paths; the price rates are resolved once before timing (all paths
share that cache). The summaries of the paths are compared for equality.
    python benchmarks/bench_claude_fold.py [--files N] [--runs 3] [--results claude_fold]
    git show 780261b:sessiontui/stores/claude_fold.py > /tmp/base_fold.py
    python benchmarks/bench_claude_fold.py --base /tmp/base_fold.py --results NAME_claude_fold
    git show 53dfed2:sessiontui/live/jsonl_tail.py > /tmp/base_tail.py  # the base's reader too:
    python benchmarks/bench_claude_fold.py --base /tmp/base_fold.py --base-tail /tmp/base_tail.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from _common import machine_header, table, write_results
from _datagen import make_claude_tree

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.stores import claude_fold
from sessiontui.stores.claude_fold import fold_reference
from sessiontui.stores.claude_transcript import TranscriptSummary


def folding(module: ModuleType, tail_type: type = JsonlTail) -> Callable[[Path], TranscriptSummary]:
    def fast(path: Path) -> TranscriptSummary:
        tail = tail_type(path)
        tail.start()
        fold = module.TranscriptFold(TranscriptSummary())
        for lines in tail.line_blocks():
            fold.lines(lines)
        fold.finish()
        summary: TranscriptSummary = fold.summary
        return summary

    return fast


def reference(path: Path) -> TranscriptSummary:
    tail = JsonlTail(path)
    tail.start()
    summary = TranscriptSummary()
    for lines in tail.line_blocks():
        fold_reference(summary, lines)
    return summary


def load_base(path: Path, name: str = "base_claude_fold") -> ModuleType:
    """Another claude_fold.py (or jsonl_tail.py), as a module of its own beside this checkout's."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its structs' annotations are resolved by module name
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--base", type=Path, help="an earlier claude_fold.py to compare")
    parser.add_argument("--base-tail", type=Path, help="an earlier jsonl_tail.py for the base path")
    parser.add_argument("--results", default="claude_fold", help="results file name")
    args = parser.parse_args()
    tree, _ = make_claude_tree("cc_tree_200mb", 100, 2700)
    files = sorted(tree.rglob("*.jsonl"))[: args.files]
    size = sum(f.stat().st_size for f in files) / 1e6
    load = os.getloadavg()[0]
    reference(files[0])  # imports genai-prices and resolves the rates for every path
    paths: list[tuple[str, Callable[[Path], TranscriptSummary]]] = [
        ("reference (orjson dict + add)", reference),
        ("fast fold (msgspec fields)", folding(claude_fold)),
    ]
    if args.base:
        tail_type = load_base(args.base_tail, "base_jsonl_tail").JsonlTail if args.base_tail else JsonlTail
        label = f"base fast fold ({args.base.name}{', ' + args.base_tail.name if args.base_tail else ''})"
        paths.insert(1, (label, folding(load_base(args.base), tail_type)))
    samples: dict[str, list[float]] = {name: [] for name, _ in paths}
    results: dict[str, list[TranscriptSummary]] = {}
    for _ in range(args.runs):
        for name, fold in paths:
            started = time.process_time()
            results[name] = [fold(f) for f in files]
            samples[name].append(time.process_time() - started)
    medians = {name: statistics.median(s) for name, s in samples.items()}
    fast_name = paths[-1][0]
    rows = [
        [name, f"{median:.2f}", f"{size / median:.0f}", f"{median / medians[fast_name]:.2f}x"]
        for name, median in medians.items()
    ]
    same = all(results[name] == results[fast_name] for name in results)
    lines = machine_header(
        "Claude Code cold fold: reference path against the fast fold",
        [
            f"{len(files)} transcripts, {size:.0f} MB, median of {args.runs}, alternated",
            f"load average at start {load:.1f}, at end {os.getloadavg()[0]:.1f} (2 shared cores)",
        ],
    )
    lines += table(["path", "CPU s", "MB per CPU-second", "time / fast fold"], rows)
    lines += [f"summaries identical: {same}", ""]
    write_results(args.results, lines)


if __name__ == "__main__":
    main()
