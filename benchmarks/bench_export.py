"""`sessiontui export` of one 500 MB Claude Code transcript: wall, CPU and peak RSS of the export
(as JSON lines and as Markdown) beside `snapshot --json` on the same directory (listing the
session alone), each a fresh process with an empty transcript cache. The export holds one page
of 500 messages at a time; the listing is what the store already does.
    python benchmarks/bench_export.py [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import log, machine_header, table, write_results
from _datagen import make_claude_big


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:4]} failed")
    return {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    root, info = make_claude_big("cc_big_500mb", 500)
    sid = Path(info["file"]).stem
    rows = []
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        cases = [
            (
                "snapshot --json (listing only)",
                [sys.executable, "-m", "sessiontui", "snapshot", "--json", str(root)],
                None,
            ),
            (
                "export --format jsonl",
                [
                    sys.executable,
                    "-m",
                    "sessiontui",
                    "export",
                    sid,
                    str(root),
                    "--format",
                    "jsonl",
                    "-o",
                    str(out / "x.jsonl"),
                ],
                out / "x.jsonl",
            ),
            (
                "export --format md",
                [
                    sys.executable,
                    "-m",
                    "sessiontui",
                    "export",
                    sid,
                    str(root),
                    "-o",
                    str(out / "x.md"),
                ],
                out / "x.md",
            ),
        ]
        for name, command, target in cases:
            figures = []
            for _ in range(args.runs):
                env = {**os.environ, "XDG_CACHE_HOME": str(out / "cache"), "HOME": str(out)}
                figures.append(measure(command + ["--no-cache"], env))
            med = {k: statistics.median(f[k] for f in figures) for k in ("wall", "cpu", "rss")}
            size = f"{target.stat().st_size / 1e6:.0f} MB" if target else "-"
            rows.append(
                [name, f"{med['wall']:.1f}", f"{med['cpu']:.1f}", f"{med['rss']:.0f}", size]
            )
            log(f"  {rows[-1]}")
    lines = machine_header(
        "sessiontui export of one big transcript",
        [
            f"one Claude Code transcript, {info['bytes'] / 1e6:.0f} MB, {info['lines']:,} lines; --no-cache",
            "fresh process each; machine shared and loaded: CPU and peak RSS are the steadier figures",
        ],
    )
    lines += table(["case", "wall s", "CPU s", "peak MiB", "written"], rows)
    write_results("export", lines)


if __name__ == "__main__":
    main()
