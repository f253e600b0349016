"""`sessiontui search` side by side with `rg` on the same files.

1. A 1 GB Claude Code tree (500 transcripts): `sessiontui search` scans (byte pre-filter, then
   the streaming reader on the files that hold the text); `rg -F -i -c` over the same tree.
2. A ZeroClaw sessions.db of 100,000 sessions and 1,000,000 messages: through the bot's own FTS5
   index, and with `--scan` (every session's messages read a page at a time); `rg -a -F -i -c`
   over the database file (bytes only: it cannot say which session or message).

Each is a fresh process; wall, CPU (user + system, from wait4) and peak RSS are taken from
outside. sessiontui's figures include listing the sessions (the Claude Code tree from a warm
transcript cache, filled by one run first). Needles: one found nowhere (the pre-filter's best
and most common case) and `invoice` (in about one prompt in twelve).
The machine is shared and loaded: compare CPU seconds, and read walls with care.
    python benchmarks/bench_search.py [--runs 3] [--skip-scan]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, log, machine_header, table, write_results
from _datagen import make_claude_tree, make_zeroclaw_db

NEEDLES = ("zebra quokka 4711", "invoice")


def measure(command: list[str], env: dict[str, str]) -> tuple[dict[str, float], bytes]:
    """Wall and CPU seconds and peak RSS (MiB) of one process run to its end, and its stdout."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # 1: no match (both tools)
            raise RuntimeError(f"{command[:4]} exited {code}")
        out.seek(0)
        data = out.read()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
    }, data


def sessiontui(needle: str, path: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "sessiontui", "search", needle, str(path), "--json", *flags]


def rg(needle: str, path: Path, *flags: str) -> list[str]:
    return ["rg", "-F", "-i", "-c", *flags, needle, str(path)]


def count_sessiontui(out: bytes) -> str:
    return f"{len(out.splitlines()):,} messages"


def count_rg(out: bytes) -> str:
    lines = out.splitlines()
    if len(lines) == 1 and b":" not in lines[0]:
        return f"{int(lines[0]):,} lines"
    return f"{sum(int(line.rsplit(b':', 1)[1]) for line in lines):,} lines in {len(lines)} files"


def side_by_side(
    label: str, runs: int, commands: list[tuple[str, list[str], object]], env: dict[str, str]
) -> list[list[str]]:
    rows = []
    for name, command, counter in commands:
        figures = []
        found = ""
        for _ in range(1 if "--scan" in command else runs):  # the 100k-session scan: once
            result, out = measure(command, env)
            figures.append(result)
            found = counter(out)  # type: ignore[operator]
        med = {k: statistics.median(f[k] for f in figures) for k in ("wall", "cpu", "rss")}
        rows.append(
            [
                f"{label}: {name}",
                f"{med['wall']:.2f}",
                f"{med['cpu']:.2f}",
                f"{med['rss']:.0f}",
                found,
            ]
        )
        log(f"  {rows[-1]}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--skip-scan", action="store_true", help="skip the 100k-session --scan (slow)"
    )
    args = parser.parse_args()
    if shutil.which("rg") is None:
        sys.exit("rg not found: apt-get install ripgrep")
    rg_version = subprocess.run(
        ["rg", "--version"], check=True, capture_output=True, text=True
    ).stdout.split("\n")[0]
    db, _ = make_zeroclaw_db("zeroclaw_100000.db", 100_000, 1_000_000)
    tree, tree_info = make_claude_tree("cc_tree_1gb", 500, 2700)
    cache = DATA / "search_cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "HOME": str(DATA / "search_home")}
    log("filling the transcript cache once")
    measure(sessiontui(NEEDLES[0], tree), env)
    rows: list[list[str]] = []
    tree_mb = tree_info["bytes"] / 1e6
    for needle in NEEDLES:
        log(f"Claude Code tree, {needle!r}")
        rows += side_by_side(
            f"CC {tree_mb:.0f} MB {needle!r}",
            args.runs,
            [
                ("sessiontui search (scan)", sessiontui(needle, tree), count_sessiontui),
                (rg_version, rg(needle, tree), count_rg),
            ],
            env,
        )
    db_mb = db.stat().st_size / 1e6
    for needle in NEEDLES:
        log(f"ZeroClaw 100k sessions, {needle!r}")
        commands = [("sessiontui search (FTS5 index)", sessiontui(needle, db), count_sessiontui)]
        if not args.skip_scan:
            commands.append(
                ("sessiontui search --scan", sessiontui(needle, db, "--scan"), count_sessiontui)
            )
        commands.append((rg_version + " -a", rg(needle, db, "-a"), count_rg))
        rows += side_by_side(f"ZC {db_mb:.0f} MB {needle!r}", args.runs, commands, env)
    notes = [
        (
            f"Claude Code tree: {tree_info['lines']:,} lines, {tree_mb:.0f} MB, 500 transcripts; "
            f"ZeroClaw: 100,000 sessions, 1,000,000 messages, {db_mb:.0f} MB"
        ),
        (
            f"medians of {args.runs} runs (the 100k-session --scan: 1 run); fresh process each; "
            "sessiontui lists the sessions first (warm transcript cache)"
        ),
        "rg counts matching lines (JSON lines / database pages), not messages: it cannot tell sessions apart",
        "machine shared with ~8 engineers' test runs: CPU seconds are the steadier figure",
    ]
    steps: list[list[str]] = []
    for label, path, mode in (
        ("CC tree, scan", tree, "scan"),
        ("ZC 100k, FTS5 index", db, "index"),
        *([] if args.skip_scan else [("ZC 100k, --scan", db, "scan")]),
    ):
        for needle in NEEDLES:
            figures = []
            for _ in range(1 if label.endswith("--scan") else args.runs):
                out = subprocess.run(
                    [
                        sys.executable,
                        str(Path(__file__).with_name("search_step.py")),
                        needle,
                        str(path),
                        mode,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                figures.append(json.loads(out))
            med = {k: statistics.median(f[k] for f in figures) for k in figures[0]}
            steps.append(
                [
                    f"{label} {needle!r}",
                    f"{med['list_cpu']:.2f}",
                    f"{med['search_cpu']:.2f}",
                    f"{med['search_wall']:.2f}",
                    f"{int(med['hits']):,}",
                ]
            )
            log(f"  {steps[-1]}")
    lines = machine_header("sessiontui search vs rg", notes)
    lines += table(["case", "wall s", "CPU s", "peak MiB", "found"], rows)
    lines += [
        "",
        "The two steps of sessiontui search, in one process (listing the sessions, then searching):",
        "",
    ]
    lines += table(["case", "list CPU s", "search CPU s", "search wall s", "messages"], steps)
    write_results("search", lines)


if __name__ == "__main__":
    main()
