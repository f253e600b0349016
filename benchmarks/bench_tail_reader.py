"""JsonlTail's reader, two checkouts alternated in fresh processes (a process's heap decides
whether a read's buffer is page-faulted in afresh, so each measurement has a process of its own).

Run: python benchmarks/bench_tail_reader.py BEFORE_CHECKOUT AFTER_CHECKOUT [--runs 4] [--out NAME]

Per process, CPU seconds (process time) of: `line_blocks` over the 200 MB Claude Code tree
(reading and splitting only), in a process that imported only the reader and in one that also
imported the fold (its heap laid out otherwise); the fast fold of that tree (prices resolved first); and one file of
five 7.9 MB lines and a 200 MB line (over LONG_LINE: passed over), folded, with the process's peak
RSS (VmHWM). Medians (min-max); nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import Summary, machine_header, table, write_results
from _datagen import make_claude_tree

CHILD = r"""
import json, sys, time
from pathlib import Path
from sessiontui.live.jsonl_tail import JsonlTail
what, paths = sys.argv[1], [Path(p) for p in sys.argv[2:]]
if what != "read":  # "read": a lean process, nothing but the reader imported
    from sessiontui.stores.claude_follower import TranscriptFollower
if what == "fold":
    for p in paths[:3]:
        TranscriptFollower(p).poll()  # imports, price rates
started = time.process_time()
for path in paths:
    if what != "fold":
        tail = JsonlTail(path)
        tail.start()
        for lines in tail.line_blocks():
            pass
    else:
        TranscriptFollower(path).poll()
cpu = time.process_time() - started
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps([cpu, peak / 1024]))
"""


def long_lines_file(directory: Path) -> Path:
    path = directory / "long_lines.jsonl"
    with open(path, "wb") as out:
        for _ in range(5):
            out.write(json.dumps({"type": "user", "message": {"content": "x" * 8_283_750}}).encode() + b"\n")
            out.write(b'{"type":"user","message":{"content":"hi"}}\n')
        out.write(b'{"type":"user","pad":"' + b"y" * (200 << 20) + b'"}\n')
    return path


def measure(checkout: str, what: str, paths: list[Path]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": checkout}
    out = subprocess.run([sys.executable, "-c", CHILD, what, *map(str, paths)], env=env,
                         capture_output=True, text=True, check=True).stdout
    cpu, peak = json.loads(out)
    return cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--out", default="tail_reader")
    args = parser.parse_args()
    tree, _ = make_claude_tree("cc_tree_200mb", 100, 2700)
    files = sorted(tree.rglob("*.jsonl"))
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="tail_reader_") as directory:
        long_file = long_lines_file(Path(directory))
        for label, what, paths in (("read 200 MB tree, lean process", "read", files),
                                   ("read 200 MB tree, fold imported", "read-beside-fold", files),
                                   ("fold 200 MB tree", "fold", files),
                                   ("fold long lines", "fold", [long_file])):
            got: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
            for _ in range(args.runs):
                for name in ("before", "after"):
                    got[name].append(measure(getattr(args, name), what, paths))
            for name, values in got.items():
                rows.append([f"{label}, {name}", Summary([v[0] for v in values]).fmt(3),
                             Summary([v[1] for v in values]).fmt(0)])
    lines = machine_header("JsonlTail reader: two checkouts alternated, a fresh process per measurement",
                           [f"before: {args.before}; after: {args.after}; runs: {args.runs}; median (min-max)",
                            f"load average at start {load:.1f}, at end {os.getloadavg()[0]:.1f} (2 shared cores)",
                            f"command: python {' '.join(sys.argv)}"])
    lines += table(["what, code", "CPU s", "peak RSS MiB"], rows)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
