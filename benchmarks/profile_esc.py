"""What the app does between a key and its frame reaching the terminal, in CPU: `Esc` and the filter keys.

Run: python benchmarks/profile_esc.py CHECKOUT [CHECKOUT ...] [--store zeroclaw] [--size 100000]
                                       [--rounds 20] [--runs 2] [--data DIR] [--out NAME]

Starts the real `sessiontui PATH` of each CHECKOUT in tmux 200x50 as bench_host does, with hooks
that stamp (CLOCK_MONOTONIC and the main thread's CPU clock): the driver handing a key to the
app, each compositor pass, each write of the output thread, and every event-loop callback run
between a frame being made and its bytes written (work that holds the interpreter while the
writer thread waits for it). Then `--rounds` times `/`, the four letters bench_host types and
`Esc`, each 0.4 s after the last, with no capture-pane polling (so the app is not measured
beside the tmux processes polling it; bench_esc.py measures what an operator sees). For each key
kind and checkout, median and p95 of: the main thread's CPU from the key to its frame made, the
main thread's CPU between the frame made and written, and the wall time from the key reaching
the app to the frame written. Checkouts alternated run by run. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _datagen
from _common import compile_sessiontui, log, machine_header, percentile, table, write_results
from bench_host import EXE, capture, counts, filter_text_for, make, tmux

HOOKS = """
import asyncio.events, os, sys, threading, time
_after = [False]  # a frame was made and its bytes are not written yet
_log = open(os.environ["ESC_TRACE"], "a", buffering=1)
_cpu = time.thread_time
def stamp(what, cpu=None):
    _log.write(f"{time.perf_counter():.6f} {'-' if cpu is None else f'{cpu:.6f}'} {what}\\n")
from textual.drivers import _writer_thread
def run(self):
    write, flush, get, qsize = self._file.write, self._file.flush, self._queue.get, self._queue.qsize
    while True:
        text = get()
        if text is None:
            break
        write(text)
        if qsize() == 0:
            flush()
            _after[0] = False
            stamp("written")
    flush()
_writer_thread.WriterThread.run = run
_after = [False]
from textual.screen import Screen
_refresh = Screen._compositor_refresh
def _compositor_refresh(self):
    _refresh(self)
    stamp("frame", _cpu())
    _after[0] = True
Screen._compositor_refresh = _compositor_refresh
_run = asyncio.events.Handle._run
def handle_run(self):
    if not _after[0]:
        return _run(self)
    before = _cpu()
    try:
        return _run(self)
    finally:
        stamp(f"after-frame {1000 * (_cpu() - before):.3f}")
asyncio.events.Handle._run = handle_run
from textual.app import App
_on_event = App.on_event
async def on_event(self, event):
    from textual import events
    if isinstance(event, events.Key) and not event.is_forwarded:
        _after[0] = False
        stamp(f"key {event.key}", _cpu())
    await _on_event(self, event)
App.on_event = on_event
from sessiontui.cli import run as _main
sys.exit(_main())
"""


def one_run(checkout: Path, path: Path, size: int, rounds: int, text: str) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="esc12b_profile_"))
    (work / "hooks.py").write_text(HOOKS)
    trace = work / "trace.txt"
    name = f"esc-profile-{os.getpid()}"
    command = (
        f"exec env HOME={work} ESC_TRACE={trace} PYTHONPATH={checkout} "
        f"{EXE.with_name('python')} {work / 'hooks.py'} {path}"
    )
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < 120:
            seen = counts(capture(name))
            if seen and seen[1] >= size:
                break
            time.sleep(0.05)
        time.sleep(3.0)
        keys = [("/", "/")] + [
            ("first letter" if i == 0 else "next letters", c) for i, c in enumerate(text)
        ]
        for _ in range(rounds):
            for _kind, key in [*keys, ("Esc", "Escape")]:
                tmux("send-keys", "-t", name, key)
                time.sleep(0.4)
        time.sleep(0.5)
    finally:
        tmux("kill-session", "-t", name)
    lines = [line.split(" ", 2) for line in trace.read_text().splitlines()]
    shutil.rmtree(work, ignore_errors=True)
    return figures(lines, keys + [("Esc", "escape")])


def figures(lines: list[list[str]], keys: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Per key kind: CPU ms to the frame, CPU ms after it until written, wall ms to written."""
    kinds = {"slash": "/", "escape": "Esc"}
    letters = {key: kind for kind, key in keys if len(key) == 1 and key != "/"}
    out: dict[str, list[float]] = {}
    current: dict[str, float] | None = None
    kind = ""
    for moment, cpu, what in lines:
        if what.startswith("key "):
            key = what[4:]
            kind = kinds.get(key) or letters.get(key, "")
            current = {"at": float(moment), "cpu": float(cpu)} if kind else None
        elif current is None:
            continue
        elif what == "frame" and "frame" not in current:
            current["frame"] = float(cpu) - current["cpu"]
            current["after"] = 0.0
        elif what.startswith("after-frame ") and "frame" in current:
            current["after"] += float(what.split()[1]) / 1000
        elif what == "written" and "frame" in current:
            out.setdefault(f"{kind}: CPU to frame", []).append(1000 * current["frame"])
            out.setdefault(f"{kind}: CPU before written", []).append(1000 * current["after"])
            out.setdefault(f"{kind}: wall to written", []).append(
                1000 * (float(moment) - current["at"])
            )
            current = None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--store", choices=("zeroclaw", "starpod"), default="zeroclaw")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--data", type=Path, default=None, help="data sets in DIR (bench_host --data)"
    )
    parser.add_argument("--out", default="esc_profile")
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    checkouts = [c.resolve() for c in args.checkouts]
    notes = [compile_sessiontui(c) for c in checkouts]
    path = make(args.store, args.size)
    text = filter_text_for(path)
    results: dict[Path, dict[str, list[float]]] = {c: {} for c in checkouts}
    loads = []
    for run in range(args.runs):
        for checkout in checkouts:
            loads.append(os.getloadavg()[0])
            log(f"{checkout}: run {run + 1}/{args.runs} (load {loads[-1]:.2f})")
            for key, values in one_run(checkout, path, args.size, args.rounds, text).items():
                results[checkout].setdefault(key, []).extend(values)
    lines = machine_header(
        f"the app's part of each key, from the key to its frame written: tmux 200x50, "
        f"{args.store} {args.size:,}, no pane polling",
        [
            (
                f"{args.runs} runs x {args.rounds} rounds per checkout, alternated; filter "
                f"{text!r}; load average (1 min) at each run's start "
                f"{min(loads):.2f}-{max(loads):.2f}"
            ),
            *notes,
        ],
    )
    rows = []
    for checkout, measured in results.items():
        for key, values in measured.items():
            rows.append(
                [
                    str(checkout),
                    key,
                    f"{statistics.median(values):.2f}",
                    f"{percentile(values, 95):.2f}",
                    f"{max(values):.2f}",
                    str(len(values)),
                ]
            )
    lines += table(["checkout", "figure (ms)", "median", "p95", "max", "n"], rows)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
