"""Which JSON parser reads Claude Code transcripts fastest: stdlib json, orjson, msgspec.

CPU seconds (process time, not wall: the machine is shared) to parse every line of 30
transcripts of the 200 MB tree, median of 3, each parser on the same bytes. The choice
(orjson, with stdlib json as the fallback for the few lines orjson refuses) is recorded
in sessiontui/live/jsonl_tail.py.
    python benchmarks/bench_json_parsers.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from _common import log, machine_header, table, write_results
from _datagen import make_claude_tree


def main() -> None:
    tree, _ = make_claude_tree("cc_tree_200mb", 100, 2700)
    files = sorted(tree.rglob("*.jsonl"))[:30]
    lines = [line for f in files for line in f.read_bytes().split(b"\n") if line]
    size = sum(map(len, lines))
    parsers: list[tuple[str, Callable[[bytes], Any]]] = [
        ("stdlib json", json.loads),
        ("orjson", orjson.loads),
    ]
    try:
        import msgspec

        parsers.append(("msgspec (untyped)", msgspec.json.Decoder().decode))
    except ImportError:
        log("msgspec not installed: skipped")
    rows = []
    for name, parse in parsers:
        samples = []
        for _ in range(3):
            started = time.process_time()
            for line in lines:
                parse(line)
            samples.append(time.process_time() - started)
        cpu = statistics.median(samples)
        rows.append([name, f"{cpu:.2f}", f"{size / 1e6 / cpu:.0f}"])
    header = machine_header(
        "JSON parsers on Claude Code lines",
        [f"{len(lines):,} lines, {size / 1e6:.0f} MB, median of 3"],
    )
    write_results("json_parsers", header + table(["parser", "CPU s", "MB per CPU-second"], rows))


if __name__ == "__main__":
    main()
