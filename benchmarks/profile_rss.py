"""Where the dashboard's resident memory goes after a first load, in process (`App.run_test()`).

Run: python benchmarks/profile_rss.py [--stores zeroclaw,starpod] [--sizes 1000,100000]
                                      [--idle-seconds 15] [--out rss_parts]

Loads the data set bench_host uses into the real app (headless, 200x50), waits until every
session is in the table and --idle-seconds more (the idle work: haystacks, the next orders, the
collect-and-freeze), collects, and splits the process's RSS three ways:
  smaps        anonymous and file-backed resident pages (/proc/self/smaps_rollup)
  pymalloc     Python's small-object arenas: bytes in live blocks, free in them, unused pools
               (`sys._debugmallocstats`): every object up to 512 bytes lives here
  glibc        the C heap (`mallinfo2`): what is in use (big lists, dicts, SQLite) and what
               is free but not given back
The 1k row is the baseline (interpreter, Textual, sessiontui's modules): what a store of N
sessions adds is the difference. Nothing is asserted. Results go to results/OUT.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import os
import re
import subprocess
import sys
from pathlib import Path

from _common import log, machine_header, write_results
from bench_host import make

from sessiontui.app import make_app
from sessiontui.config import Config
from sessiontui.stores import find_stores
from sessiontui.widgets.session_table import SessionTable

MIB = 2**20


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _smaps_mib(field: str) -> float:
    text = Path("/proc/self/smaps_rollup").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def _pymalloc_stats() -> dict[str, float]:
    """`sys._debugmallocstats()` (it writes to the C stderr), the arena totals in MiB."""
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(write)
        os.close(saved)
    with os.fdopen(read, "rb") as pipe:
        text = pipe.read().decode()
    stats: dict[str, float] = {}
    for label, pattern in (
        ("arenas", r"# arenas allocated current\s*=\s*([\d,]+)"),
        ("live", r"# bytes in allocated blocks\s*=\s*([\d,]+)"),
        ("free", r"# bytes in available blocks\s*=\s*([\d,]+)"),
        ("unused pools", r"unused pools \* \d+ bytes\s*=\s*([\d,]+)"),
    ):
        found = re.search(pattern, text)
        value = int(found.group(1).replace(",", "")) if found else -1
        stats[label] = value if label == "arenas" else value / MIB
    return stats


def parts(label: str) -> list[str]:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    heap = libc.mallinfo2()
    rss, anonymous = _smaps_mib("Rss"), _smaps_mib("Anonymous")
    py = _pymalloc_stats()
    return [
        f"{label}",
        f"  RSS {rss:6.0f} MiB: anonymous {anonymous:.0f}, file-backed {rss - anonymous:.0f}",
        (
            f"  pymalloc: {py['arenas']:.0f} arenas; live blocks {py['live']:.0f} MiB, free in "
            f"them {py['free']:.0f}, unused pools {py['unused pools']:.0f}"
        ),
        (
            f"  glibc heap: in use {heap.uordblks / MIB:.0f} MiB, free {heap.fordblks / MIB:.0f}; "
            f"mmapped {heap.hblkhd / MIB:.0f} MiB in {heap.hblks} blocks"
        ),
    ]


async def measure(store: str, size: int, idle_seconds: float) -> list[str]:
    path = make(store, size)
    found, _ = find_stores([path])
    app = make_app(Config(paths=(path,)), found=found)
    async with app.run_test(size=(200, 50)) as pilot:
        while True:
            await pilot.pause(0.1)
            table = app.screen.query_one(SessionTable)
            if table.total_count + table.hidden_count >= size:
                break
        await pilot.pause(idle_seconds)
        gc.collect()
        return parts(f"{store} {size:,}: every session listed, {idle_seconds:.0f} s idle")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", default="zeroclaw,starpod")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--idle-seconds", type=float, default=15.0)
    parser.add_argument("--out", default="rss_parts")
    args = parser.parse_args()
    lines = machine_header("Where the dashboard's RSS goes after a first load (in process)")
    for store in args.stores.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            log(f"{store} {size}")
            lines += _in_child(store, size, args.idle_seconds)
    write_results(args.out, lines)


def _in_child(store: str, size: int, idle_seconds: float) -> list[str]:
    """One process per cell: memory a larger store left behind must not count in the next."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", f"{store}:{size}:{idle_seconds}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        store, size, idle = sys.argv[2].split(":")
        print("\n".join(asyncio.run(measure(store, int(size), float(idle)))))
    else:
        main()
