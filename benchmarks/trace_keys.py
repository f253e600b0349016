"""Where a key's time goes between tmux and the screen: a timeline per key, from outside and in.

Run: python benchmarks/trace_keys.py CHECKOUT [--store zeroclaw] [--size 100000] [--rounds 10]
                                     [--data DIR]

Starts the real app of CHECKOUT in tmux 200x50 as bench_host does, with hooks that stamp (on
CLOCK_MONOTONIC, which this process reads too): the terminal driver handing a key to the app,
the table's key handler, each compositor pass (the frame made), each write of the output thread,
and each garbage collection. Then `--rounds` times `/`, the four letters bench_host types and
`Esc`, each sent after the pane settled. For each key kind, medians from send-keys to: the key
reaching the app, the handler done, the first frame made, its bytes written, the pane seen
changed (capture-pane); and the frames and collections between send and change.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _datagen
from _common import machine_header, write_results
from bench_host import EXE, capture, counts, filter_text_for, make, settle, tmux, wait_change

HOOKS = """
import gc, os, sys, time, threading
if os.environ.get("UI12_SWITCH"):
    sys.setswitchinterval(float(os.environ["UI12_SWITCH"]))
_log = open(os.environ["UI12_TRACE"], "a", buffering=1)
def stamp(what):
    _log.write(f"{time.perf_counter():.6f} {what}\\n")
def _gc(phase, info):
    stamp(f"gc-{phase} {info['generation']}")
gc.callbacks.append(_gc)
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
            stamp(f"written {len(text)}")
    flush()
_writer_thread.WriterThread.run = run
from textual.screen import Screen
_refresh = Screen._compositor_refresh
def _compositor_refresh(self):
    stamp("frame-start")
    _refresh(self)
    stamp("frame-end")
Screen._compositor_refresh = _compositor_refresh
from textual.app import App
_on_event = App.on_event
async def on_event(self, event):
    from textual import events
    if isinstance(event, events.Key) and not event.is_forwarded:
        stamp(f"key {event.key}")
    await _on_event(self, event)
App.on_event = on_event
from sessiontui.widgets.session_table import SessionTable
_on_key = SessionTable._on_key
async def table_key(self, event):
    await _on_key(self, event)
    stamp(f"handled {event.key}")
SessionTable._on_key = table_key
from sessiontui.cli import run as _run
sys.exit(_run())
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--store", choices=("zeroclaw", "starpod"), default="zeroclaw")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--data", type=Path, default=None, help="data sets in DIR (bench_host --data)"
    )
    parser.add_argument("--out", default=None, help="also write the report to results/OUT.txt")
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    path = make(args.store, args.size)
    text = filter_text_for(path)
    work = Path(tempfile.mkdtemp(prefix="ui12_trace_"))
    (work / "hooks.py").write_text(HOOKS)
    trace = work / "trace.txt"
    python = EXE.with_name("python")
    name = f"ui12-trace-{os.getpid()}"
    switch = os.environ.get("UI12_SWITCH", "")
    command = (
        f"exec env HOME={work} UI12_TRACE={trace} UI12_SWITCH={switch} PYTHONPATH={args.checkout.resolve()} "
        f"{python} {work / 'hooks.py'} {path}"
    )
    sent: list[tuple[str, float, float]] = []  # (kind, sent, seen changed)
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < 120:
            seen = counts(capture(name))
            if seen and seen[1] >= args.size:
                break
            time.sleep(0.05)
        time.sleep(3.0)
        keys = [("/", "/")] + [
            (("first letter" if i == 0 else "letter"), c) for i, c in enumerate(text)
        ]
        for _ in range(args.rounds):
            for kind, key in [*keys, ("Esc", "Escape")]:
                before = settle(name)
                at = time.perf_counter()
                tmux("send-keys", "-t", name, key)
                took, _ = wait_change(name, before)
                sent.append((kind, at, at + took))
            tmux("send-keys", "-t", name, "Escape")
            settle(name)
    finally:
        tmux("kill-session", "-t", name)
    events = [
        (float(t), what)
        for t, what in (line.split(" ", 1) for line in trace.read_text().splitlines())
    ]
    shutil.rmtree(work, ignore_errors=True)
    lines = report(sent, events)
    if args.out:
        header = machine_header(
            f"key timelines from outside and in: tmux 200x50, {args.store} {args.size:,}",
            [
                (
                    f"checkout {args.checkout}; {args.rounds} rounds; load average at the end "
                    f"{os.getloadavg()[0]:.2f}; ms from send-keys, median and max"
                )
            ],
        )
        write_results(args.out, header + lines)
    else:
        print("\n".join(lines))


def report(sent: list[tuple[str, float, float]], events: list[tuple[float, str]]) -> list[str]:
    figures: dict[str, dict[str, list[float]]] = {}
    for kind, at, changed in sent:
        window = [(t, what) for t, what in events if at <= t <= changed + 0.05]

        def first(
            prefix: str, after: float = at, window: list[tuple[float, str]] = window
        ) -> float | None:
            return next((t for t, what in window if what.startswith(prefix) and t >= after), None)

        key = first("key ")
        handled = first("handled ", key or at)
        frame_start = first("frame-start", handled or key or at)
        frame = first("frame-end", handled or key or at)
        written = first("written", frame or at)
        row = figures.setdefault(kind, {})
        for label, moment in (
            ("key in app", key),
            ("handled", handled),
            ("frame started", frame_start),
            ("frame made", frame),
            ("written", written),
            ("pane changed", changed),
        ):
            if moment is not None:
                row.setdefault(label, []).append(1000 * (moment - at))
        inside = [w for t, w in window if t <= changed]
        row.setdefault("frames before change", []).append(sum(w == "frame-end" for w in inside))
        row.setdefault("collections before change", []).append(
            sum(w.startswith("gc-stop") for w in inside)
        )
    lines = []
    for kind, row in figures.items():
        lines.append(f"{kind}:")
        for label, values in row.items():
            lines.append(
                f"  {label:28} median {statistics.median(values):7.1f}  max {max(values):7.1f}"
                f"  (n {len(values)})"
            )
    return lines


if __name__ == "__main__":
    sys.exit(main())
