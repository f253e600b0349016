"""One 200 MB JSONL line appended while the dashboard runs: does it keep answering keys?

Run: python benchmarks/bench_long_line.py [--mb 200] [--seconds 30] [--runs 2]

For a ZeroClaw JSONL directory and a Claude Code tree (20 sessions each, written by the bot
impersonators of sessiontui.demo), each run starts the real `sessiontui PATH` in tmux (200x50),
waits until every session is listed, then appends one line of --mb megabytes to a session (a
ZeroClaw assistant message; a Claude Code tool result), written by a child process in 4 MB
writes as a bot would. For --seconds from the start of the append it presses j and k in turn and
times each key to the next differing capture-pane (a key with no answer in 2 s counts as 2000 ms).
Then it opens that session (Enter) and times until its transcript shows the long line's note.
Peak RSS is /proc/PID/status VmHWM. `snapshot --json` on the same store after the append: wall
time and peak RSS (wait4). Figures go to results/long_line.txt. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Summary, log, machine_header, percentile, table, write_results
from bench_host import EXE, capture, counts, rss_mb, settle, tmux, wait_change

from sessiontui.demo.claude_code import ClaudeCodeWriter, text_block, usage_dict
from sessiontui.demo.zeroclaw_bots import ZeroClawJsonlBot

SESSIONS = 20
CWD = "/srv/agent"
NOTE = "too long to read whole"


def zeroclaw(root: Path) -> tuple[Path, Path, bytes, bytes]:
    """(store, the file to grow, the line's head, its tail)."""
    bot = ZeroClawJsonlBot(root / "sessions")
    for n in range(SESSIONS):
        bot.append(f"telegram_{n}", {"role": "user", "content": f"question {n}"})
        bot.append(f"telegram_{n}", {"role": "assistant", "content": f"answer {n}"})
    return bot.directory, bot.path_for("telegram_0"), b'{"role":"assistant","content":"', b'"}\n'


def claude(root: Path) -> tuple[Path, Path, bytes, bytes]:
    writer = ClaudeCodeWriter(root / "projects")
    at = datetime.now(UTC) - timedelta(minutes=30)
    for n in range(SESSIONS):
        sid = f"00000000-0000-4000-8000-{n:012d}"
        writer.user(sid, CWD, f"task {n}", now=at)
        writer.assistant(
            sid, CWD, [text_block(f"on it {n}")], model="claude-sonnet-4-5",
            usage=usage_dict(10, 100, 1_000, 50), now=at + timedelta(seconds=5),
        )
    path = writer.transcript_path(CWD, "00000000-0000-4000-8000-000000000000")
    head = (
        b'{"type":"user","sessionId":"00000000-0000-4000-8000-000000000000","cwd":"' + CWD.encode()
        + b'","timestamp":"' + datetime.now(UTC).isoformat().encode() + b'","message":{"role":"user",'
        b'"content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"'
    )
    return root / "projects", path, head, b'"}]}}\n'


def append_long_line(path: Path, head: bytes, tail: bytes, size: int) -> subprocess.Popen[bytes]:
    """A child process appends one line of `size` bytes in 4 MB writes, as a bot writing it."""
    code = (
        "import sys\n"
        f"f = open({str(path)!r}, 'ab', buffering=0)\n"
        f"f.write({head!r})\n"
        f"left = {size - len(head) - len(tail)}\n"
        "chunk = b'y' * (4 << 20)\n"
        "while left > 0:\n"
        "    f.write(chunk[:left]); left -= min(left, len(chunk))\n"
        f"f.write({tail!r}); f.close()\n"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_run(kind: str, size: int, seconds: float) -> dict[str, list[float]]:
    root = Path(tempfile.mkdtemp(prefix="long_line_"))
    store, grown, head, tail = (zeroclaw if kind == "zeroclaw-jsonl" else claude)(root)
    name = f"long-line-{os.getpid()}"
    home = root / "home"
    home.mkdir()
    out: dict[str, list[float]] = {}
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", f"exec env HOME={home} {EXE} {store}")
    try:
        pid = int(tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        start = time.perf_counter()
        while (seen := counts(capture(name))) is None or seen[1] < SESSIONS:
            if time.perf_counter() - start > 60:
                raise RuntimeError(f"{kind}: the sessions were never listed")
            time.sleep(0.05)
        writer = append_long_line(grown, head, tail, size)
        began, keys = time.perf_counter(), []
        while time.perf_counter() - began < seconds:
            before = settle(name, quiet=0.1, timeout=1.0)
            tmux("send-keys", "-t", name, "j" if len(keys) % 2 == 0 else "k")
            waited = wait_change(name, before, timeout=2.0)[0]
            keys.append(2000.0 if waited != waited else waited * 1000)
        writer.wait()
        out["append s"] = [time.perf_counter() - began]
        out["keys ms"] = keys
        out["keys over 100 ms"] = [float(sum(k > 100 for k in keys))]
        out["keys pressed"] = [float(len(keys))]
        for _ in range(SESSIONS):  # to the top row, then find the grown session's row
            tmux("send-keys", "-t", name, "k")
        tmux("send-keys", "-t", name, "/")
        tmux("send-keys", "-t", name, "-l", "telegram_0" if kind == "zeroclaw-jsonl" else "8000-000000000000")
        tmux("send-keys", "-t", name, "Enter")
        settle(name, quiet=0.3, timeout=3.0)
        opened = time.perf_counter()
        tmux("send-keys", "-t", name, "Enter")
        while NOTE not in capture(name).replace("\n", " ") and time.perf_counter() - opened < 30:
            time.sleep(0.02)
        shown = time.perf_counter() - opened
        out["Enter -> long line's note s"] = [shown if shown < 30 else float("nan")]
        out["peak RSS MB"] = [peak_rss_mb(pid)]
        out["RSS after MB"] = [rss_mb(pid)]
    finally:
        tmux("kill-session", "-t", name)
    began = time.perf_counter()
    child = subprocess.Popen([str(EXE), "snapshot", "--json", str(store)], stdout=subprocess.DEVNULL,
                             env={**os.environ, "HOME": str(home)})
    _, status, usage = os.wait4(child.pid, 0)
    out["snapshot s"] = [time.perf_counter() - began]
    out["snapshot peak MiB"] = [usage.ru_maxrss / 1024]
    out["snapshot exit"] = [float(os.waitstatus_to_exitcode(status))]
    shutil.rmtree(root, ignore_errors=True)
    return out


FIGURES = ("append s", "keys pressed", "keys over 100 ms", "Enter -> long line's note s", "peak RSS MB",
           "RSS after MB", "snapshot s", "snapshot peak MiB", "snapshot exit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--out", default="long_line")
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    for kind in ("zeroclaw-jsonl", "claude-code"):
        merged: dict[str, list[float]] = {}
        for run in range(args.runs):
            log(f"{kind}: run {run + 1}/{args.runs}")
            for key, values in one_run(kind, args.mb << 20, args.seconds).items():
                merged.setdefault(key, []).extend(values)
        results[kind] = merged
    lines = machine_header(
        f"one {args.mb} MB JSONL line appended under a running dashboard (tmux 200x50)",
        [f"runs: {args.runs}; keys pressed for {args.seconds:.0f} s from the start of the append; "
         "figures: median (min-max); keys: all presses of all runs"],
    )
    rows = [[figure, *(Summary(r.get(figure, [])).fmt(2 if figure.endswith(" s") else 0) for r in results.values())]
            for figure in FIGURES]
    for q in (50, 95, 100):
        rows.append([f"key j/k ms p{q}", *(f"{percentile(r['keys ms'], q):.0f}" for r in results.values())])
    lines += table(["figure", *results], rows)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
