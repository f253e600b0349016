"""What sessiontui takes from the host it watches, measured from outside, in a real terminal.

Run: python benchmarks/bench_host.py [--quick] [--runs 3] [--sizes 1000,10000,100000]
                                     [--stores zeroclaw,starpod] [--idle-seconds 10] [--idle-only]
                                     [--settle-seconds 3]

For each store (ZeroClaw `sessions.db`, Starpod `core.db`, made with the bots' DDL by _datagen)
and size, each run starts the real `sessiontui PATH` in a fresh tmux session (200x50) and reads
only what an operator or `top` could see:
  first listed   start -> the first capture-pane whose title counts a session ("all: N of M");
                 also the process's CPU seconds (user+system, /proc/PID/stat) at that moment
  all listed     start -> the title counts every session of the store (and its CPU seconds)
  idle CPU       % of one core over --idle-seconds, from /proc/PID/stat utime+stime, after
                 --settle-seconds (3) of settling (nothing writes to the store meanwhile)
  RSS            /proc/PID/status VmRSS after the idle window
  keys           send-keys -> the next capture-pane that differs (polled continuously):
                 j and k (10 each), o (sort, 4), / (open the filter), each letter of a filter
                 text, Esc (clear it); median and p95 per key kind
  keys CPU s     the process's CPU seconds from the first key to the last (each key's work and
                 the idle work it set going)
  --escdelay MS  ESCDELAY for the app (Textual waits this long after an Esc byte before it
                 takes it as the Esc key: 100 ms by default, inside every Esc figure)
  --keys-only    no idle window, RSS or snapshot (the load, 3 s, then the keys)
  snapshot       `sessiontui snapshot --json PATH > /dev/null` in a child: wall time, CPU
                 seconds and peak RSS (wait4's rusage)
Medians (min-max) over --runs. The machine is shared and loaded: CPU time from /proc is
meaningful; wall-clock figures carry the load. Nothing is asserted. Results go to
results/host.txt (--quick: results/host_quick.txt, 1k and 10k, one run).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import Summary, compile_sessiontui, log, machine_header, percentile, table, write_results
import _datagen
from _datagen import make_starpod_db, make_zeroclaw_db

TICK = os.sysconf("SC_CLK_TCK")
TITLE = re.compile(r"(\w+): (\d+) of (\d+) sessions")
EXE = Path(sys.executable).with_name("sessiontui")


def make(store: str, size: int, aged_hours: float = 0.0) -> Path:
    aged = timedelta(hours=aged_hours)
    suffix = f"_aged{aged_hours:g}h" if aged_hours else ""
    if store == "zeroclaw":
        return make_zeroclaw_db(f"zeroclaw_{size}{suffix}.db", size, size * 10, aged=aged)[0]
    return make_starpod_db(f"starpod_{size}{suffix}.db", size, size * 10, size * 3, aged=aged)[0]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def capture(name: str) -> str:
    return tmux("capture-pane", "-e", "-p", "-t", name)  # -e: the cursor line differs only in colour


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def counts(screen: str) -> tuple[int, int] | None:
    match = TITLE.search(screen)
    return (int(match.group(2)), int(match.group(3))) if match else None


def wait_change(name: str, before: str, timeout: float = 5.0) -> tuple[float, str]:
    """Seconds until the pane differs from `before` (polled as fast as capture-pane allows)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        screen = capture(name)
        if screen != before:
            return time.perf_counter() - start, screen
    return float("nan"), before


def settle(name: str, quiet: float = 0.3, timeout: float = 5.0) -> str:
    """The pane once it stopped changing for `quiet` seconds."""
    screen, since, start = capture(name), time.perf_counter(), time.perf_counter()
    while time.perf_counter() - start < timeout:
        time.sleep(0.05)
        now = capture(name)
        if now != screen:
            screen, since = now, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            break
    return screen


def key_latency(name: str, key: str) -> float:
    before = settle(name)
    tmux("send-keys", "-t", name, key)
    return wait_change(name, before)[0] * 1000


def _pythonpath() -> str:
    """PYTHONPATH for the measured command: a tmux server started earlier has its own
    environment, and would otherwise run the installed sessiontui, not the one asked for."""
    value = os.environ.get("PYTHONPATH")
    return f"PYTHONPATH={shlex.quote(value)} " if value else ""


def one_run(store: str, size: int, path: Path, idle_seconds: float, filter_text: str,
            escdelay: int | None = None, keys: bool = True,
            settle_seconds: float = 3.0) -> dict[str, list[float]]:
    name = f"issue12-bench-{os.getpid()}"
    home = Path(tempfile.mkdtemp(prefix="issue12_home_"))
    out: dict[str, list[float]] = {}
    delay = "" if escdelay is None else f"ESCDELAY={escdelay} "
    command = f"exec env HOME={home} {delay}{_pythonpath()}{EXE} {path}"
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
    pid = None
    try:
        pid = int(tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        first = every = None
        first_cpu = every_cpu = float("nan")
        while time.perf_counter() - start < 120:
            seen = counts(capture(name))
            now = time.perf_counter() - start
            if seen and seen[1] > 0 and first is None:
                first, first_cpu = now, cpu_seconds(pid)
            if seen and seen[1] >= size:
                every, every_cpu = now, cpu_seconds(pid)
                break
        out["first listed s"] = [first if first is not None else float("nan")]
        out["all listed s"] = [every if every is not None else float("nan")]
        out["first listed CPU s"] = [first_cpu]
        out["all listed CPU s"] = [every_cpu]
        time.sleep(settle_seconds)
        if idle_seconds > 0:  # (--keys-only: 0)
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            time.sleep(idle_seconds)
            out["idle CPU %"] = [100 * (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)]
            out["RSS MB"] = [rss_mb(pid)]
        if not keys:
            return out
        cpu_keys = cpu_seconds(pid)
        for key, times in (("j", 10), ("k", 10), ("o", 4)):
            out[f"key {key} ms"] = [key_latency(name, key) for _ in range(times)]
        for _ in range(3):  # back to the state sort
            tmux("send-keys", "-t", name, "o")
        for _ in range(3):
            out.setdefault("key / ms", []).append(key_latency(name, "/"))
            for i, letter in enumerate(filter_text):
                out.setdefault("filter first letter ms" if i == 0 else "filter next letters ms", []).append(
                    key_latency(name, letter))
            out.setdefault("key Esc ms", []).append(key_latency(name, "Escape"))
            tmux("send-keys", "-t", name, "Escape")  # back to the table
        out["keys CPU s"] = [cpu_seconds(pid) - cpu_keys]  # every key and what it set going
    finally:
        tmux("kill-session", "-t", name)
        if pid is not None:  # what comes next (the snapshot) must not share the host with its exit
            wait_gone(pid)
        shutil.rmtree(home, ignore_errors=True)
    return out


def wait_gone(pid: int, most: float = 30.0) -> None:
    """Until process `pid` has exited (at most `most` seconds): a dashboard leaving at 100k takes a
    while, holding the store open meanwhile, which a snapshot started then takes for a bot."""
    deadline = time.monotonic() + most
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def snapshot_run(path: Path) -> dict[str, list[float]]:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="issue12_home_") as home:
        child = subprocess.Popen([str(EXE), "snapshot", "--json", str(path)], stdout=subprocess.DEVNULL,
                                 env={**os.environ, "HOME": home})
        _, _, usage = os.wait4(child.pid, 0)
    return {"snapshot s": [time.perf_counter() - start], "snapshot CPU s": [usage.ru_utime + usage.ru_stime],
            "snapshot peak MiB": [usage.ru_maxrss / 1024]}


def filter_text_for(path: Path) -> str:
    """Four letters of a real session name, so every letter narrows a real result."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for sql in ("SELECT COALESCE(name, session_key) FROM session_metadata LIMIT 1",
                    "SELECT COALESCE(title, id) FROM session_metadata LIMIT 1"):
            try:
                value = conn.execute(sql).fetchone()[0]
                return "".join(c for c in value.lower() if c.isalpha())[:4] or "a"
            except sqlite3.Error:
                continue
    finally:
        conn.close()
    return "a"


FIGURES = ("first listed s", "first listed CPU s", "all listed s", "all listed CPU s", "idle CPU %", "RSS MB",
           "snapshot s", "snapshot CPU s", "snapshot peak MiB", "keys CPU s")
KEYS = ("key j ms", "key k ms", "key o ms", "key / ms", "filter first letter ms", "filter next letters ms", "key Esc ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k, one run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stores", default="zeroclaw,starpod")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--out", default=None, help="results/<OUT>.txt (default: host, host_quick)")
    parser.add_argument("--no-snapshot", action="store_true", help="leave out `snapshot --json`")
    parser.add_argument("--escdelay", type=int, default=None,
                        help="ESCDELAY (ms) for the app: how long Textual waits after an Esc byte for "
                             "the rest of an escape sequence (Textual's default 100 ms is in every Esc)")
    parser.add_argument("--keys-only", action="store_true",
                        help="no idle window, RSS or snapshot: load, 3 s, then the keys")
    parser.add_argument("--idle-only", action="store_true", help="no keys: start, idle CPU and RSS only")
    parser.add_argument("--settle-seconds", type=float, default=3.0,
                        help="wait after every session is listed before the idle window")
    parser.add_argument("--exe", type=Path, default=None,
                        help="the sessiontui command measured (default: the venv's script, whose entry "
                             "point moved to cli.run; an older checkout needs a script calling cli.main)")
    parser.add_argument("--data", type=Path, default=None,
                        help="make and reuse the data sets in DIR, not benchmarks/data (a private copy "
                             "no other process holds open, with timestamps as fresh as its making)")
    parser.add_argument("--aged-hours", type=float, default=0.0,
                        help="data sets written as if H hours ago (every session past the short state "
                             "thresholds): named *_agedHh")
    args = parser.parse_args()
    if args.data is not None:
        _datagen.set_data_dir(args.data.resolve())
    if args.exe is not None:
        global EXE
        EXE = args.exe.resolve()
    if args.keys_only:
        args.idle_seconds, args.no_snapshot = 0.0, True
    measured = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or Path(__file__).resolve().parent.parent
    compiled = compile_sessiontui(Path(measured))  # as an install would be: no compiling at start
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    for store in args.stores.split(","):
        for size in sizes:
            path = make(store, size, args.aged_hours)
            merged: dict[str, list[float]] = {}
            text = filter_text_for(path)
            for run in range(runs):
                log(f"{store} {size:,}: run {run + 1}/{runs}")
                parts = [one_run(store, size, path, args.idle_seconds, text, args.escdelay,
                                 keys=not args.idle_only, settle_seconds=args.settle_seconds)]
                if not args.no_snapshot:
                    parts.append(snapshot_run(path))
                for part in parts:
                    for key, values in part.items():
                        merged.setdefault(key, []).extend(values)
            results[store, size] = merged
    lines = machine_header("sessiontui from outside: tmux 200x50, /proc/PID/stat, capture-pane",
                           [f"runs: {runs}; idle window {args.idle_seconds:.0f} s, {args.settle_seconds:.0f} s after every"
                            " session is listed; figures: median (min-max)",
                            f"sessiontui run from: PYTHONPATH={os.environ.get('PYTHONPATH', '(installed)')}",
                            f"data: {_datagen.DATA}"
                            + (f", written as if {args.aged_hours:g} h ago" if args.aged_hours else ""),
                            f"ESCDELAY: {'not set (sessiontui: 25 ms; Textual alone: 100 ms)' if args.escdelay is None else f'{args.escdelay} ms'}",
                            compiled])
    columns = [f"{store} {size:,}" for store, size in results]
    rows = [[figure, *(Summary(r.get(figure, [])).fmt(2 if figure.endswith(" s") else 1) for r in results.values())]
            for figure in FIGURES]
    for key in KEYS:
        rows.append([f"{key} median", *(f"{statistics.median(r[key]):.0f}" if r.get(key) else "n/a" for r in results.values())])
        rows.append([f"{key} p95", *(f"{percentile(r[key], 95):.0f}" if r.get(key) else "n/a" for r in results.values())])
    lines += table(["figure", *columns], rows)
    write_results(args.out or ("host_quick" if args.quick else "host"), lines)


if __name__ == "__main__":
    main()
