"""The cold fold of Claude Code transcripts into summaries: the reference path (orjson parses
every line into a dict, `TranscriptSummary.add` folds it) against the fast fold (msgspec reads
only the fields a summary needs; running totals), on the same bytes in one run.

CPU seconds (process time: the machine is shared) to fold every transcript of the 200 MB tree,
median of 3, alternating the two; the price rates are resolved once before timing (both paths
share that cache). The summaries of the two paths are compared for equality.
    python benchmarks/bench_claude_fold.py [--files N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine_header, table, write_results
from _datagen import make_claude_tree

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.stores.claude_fold import TranscriptFold, fold_reference
from sessiontui.stores.claude_transcript import TranscriptSummary


def fast(path: Path) -> TranscriptSummary:
    tail = JsonlTail(path)
    tail.start()
    fold = TranscriptFold(TranscriptSummary())
    for lines in tail.line_blocks():
        fold.lines(lines)
    fold.finish()
    return fold.summary


def reference(path: Path) -> TranscriptSummary:
    tail = JsonlTail(path)
    tail.start()
    summary = TranscriptSummary()
    for lines in tail.line_blocks():
        fold_reference(summary, lines)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    tree, _ = make_claude_tree("cc_tree_200mb", 100, 2700)
    files = sorted(tree.rglob("*.jsonl"))[: args.files]
    size = sum(f.stat().st_size for f in files) / 1e6
    reference(files[0])  # imports genai-prices and resolves the rates for both paths
    paths: list[tuple[str, Callable[[Path], TranscriptSummary]]] = [
        ("reference (orjson dict + add)", reference),
        ("fast fold (msgspec fields)", fast),
    ]
    samples: dict[str, list[float]] = {name: [] for name, _ in paths}
    results: dict[str, list[TranscriptSummary]] = {}
    for _ in range(3):
        for name, fold in paths:
            started = time.process_time()
            results[name] = [fold(f) for f in files]
            samples[name].append(time.process_time() - started)
    before, after = (statistics.median(samples[name]) for name, _ in paths)
    rows = [
        [name, f"{statistics.median(s):.2f}", f"{size / statistics.median(s):.0f}"]
        for name, s in samples.items()
    ]
    same = results[paths[0][0]] == results[paths[1][0]]
    lines = machine_header(
        "Claude Code cold fold: reference path against the fast fold",
        [f"{len(files)} transcripts, {size:.0f} MB, median of 3, alternated"],
    )
    lines += table(["path", "CPU s", "MB per CPU-second"], rows)
    lines += [f"speed-up {before / after:.1f}x; summaries identical: {same}", ""]
    write_results("claude_fold", lines)


if __name__ == "__main__":
    main()
