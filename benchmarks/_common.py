"""What the benchmark scripts share: the machine header, medians, RSS, event-loop lag, paths.

Not a test helper: nothing here asserts anything. Timings are reported as medians with
min/max because the benchmark machine (2 cores) is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"  # git-ignored; generated once, reused between runs
RESULTS = HERE / "results"

sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing, too


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def code_version() -> str:
    """The commit measured, and whether sessiontui/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sessiontui"], cwd=HERE.parent,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in sessiontui/" if dirty else "")


def compile_sessiontui(checkout: Path) -> str:
    """Byte-compile the sessiontui measured, as an install does: where PYTHONDONTWRITEBYTECODE is
    set, every run (and every pool worker) would otherwise compile ~100 modules (0.13 s each)."""
    package = checkout / "sessiontui"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return f"sessiontui byte-compiled first ({package})"


def machine_header(title: str, notes: Iterable[str] = ()) -> list[str]:
    try:
        import textual

        textual_version = textual.__version__
    except Exception:  # noqa: BLE001 - the header must not fail
        textual_version = "?"
    return [
        title,
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: nproc {os.cpu_count()}, {cpu_model()}, {platform.system()} {platform.release()}",
        f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, textual {textual_version}",
        f"code: {code_version()}",
        *notes,
        "",
    ]


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def _status_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class Summary:
    """Median, min and max of a list of numbers (a figure per run)."""

    def __init__(self, values: Sequence[float]) -> None:
        self.values = list(values)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        return max(self.values) if self.values else float("nan")

    def fmt(self, digits: int = 1) -> str:
        if not self.values:
            return "n/a"
        if len(self.values) == 1:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}-{self.high:.{digits}f})"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> float:
    return seconds * 1000


class LoopLag:
    """A ticker task on the running loop: sleeps 1 ms and records how late it wakes.

    `max_ms` is the longest the loop went without running it (minus the 1 ms asked for):
    the worst freeze a user would have seen during the window. `reset()` starts a window.
    """

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.max_late = 0.0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def reset(self) -> None:
        self.max_late = 0.0
        self.samples = 0

    @property
    def max_ms(self) -> float:
        return self.max_late * 1000

    async def flush(self) -> float:
        """The worst stall so far, including one that is just ending: a stall is only recorded
        when the ticker runs again, so yield to it before reading."""
        await asyncio.sleep(self.interval * 3)
        return self.max_ms

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = time.perf_counter() - start - self.interval
            self.samples += 1
            self.max_late = max(self.max_late, late)


class GcPauses:
    """Garbage-collector pauses (they stop every thread, the event loop's too), via gc.callbacks."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))

    def reset(self) -> None:
        self.pauses.clear()

    @property
    def max_ms(self) -> float:
        return max((p for _, p in self.pauses), default=0.0) * 1000

    @property
    def total_ms(self) -> float:
        return sum(p for _, p in self.pauses) * 1000


def write_results(name: str, lines: list[str]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.txt"
    text = "\n".join(lines).rstrip() + "\n"
    path.write_text(text)
    print(text)
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain fixed-width table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    out = []
    for index, row in enumerate([headers, *rows]):
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:], widths[1:])]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def tree_ab_parser(doc: str | None, runs: int) -> argparse.ArgumentParser:
    """The arguments of a script comparing two checkouts on a Claude Code tree: BEFORE AFTER
    [--tree NAME] [--runs N] (the script adds its own)."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--tree", default="cc_tree_200mb", help="a tree under benchmarks/data")
    parser.add_argument("--runs", type=int, default=runs)
    return parser


def print_profile(profile: object, top: int) -> None:
    """A cProfile's top functions, by cumulative and by own time."""
    import pstats

    stats = pstats.Stats(profile)  # type: ignore[arg-type]
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
