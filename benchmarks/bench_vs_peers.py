"""sessiontui side by side with its peers on big Claude Code data, alternated in one run.

1. Costs over a Claude Code tree: `sessiontui snapshot --json` cold (an empty cache directory)
   and warm (the cache the cold run left), against `ccusage@18.0.11 session --offline --json`
   (installed here with npm into benchmarks/data/peers/; 18.0.11 is the last plain-JavaScript
   release), on a 200 MB tree of 100 transcripts and a 1 GB tree of 500. Each tool is a fresh
   process; wall time, CPU time (user + system, from wait4) and peak RSS are taken from
   outside; the total cost and tokens of both are compared.
2. One 500 MB transcript in a real terminal (tmux 200x50): `sessiontui DIR` until its row is on
   screen, then Enter until the last message is on screen, and the process's peak RSS; against
   toolong (PyPI, installed into a venv under benchmarks/data/peers/) until the file's last line
   is on screen.

The machine is shared and loaded: compare CPU seconds and ratios, and read walls with care.
    python benchmarks/bench_vs_peers.py [--quick] [--runs 3] [--skip-1gb] [--skip-tmux]
                                        [--warm-only | --cold-only] [--out NAME]
`--warm-only`: the cache is filled by one untimed cold run, then only warm runs and ccusage.
`--cold-only`: only cold runs (an empty cache each) and ccusage.
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

from _common import DATA, compile_sessiontui, log, machine_header, table, write_results
from _datagen import make_claude_big, make_claude_tree

PEERS = DATA / "peers"
CCUSAGE_VERSION = "18.0.11"
SESSIONTUI = [sys.executable, "-m", "sessiontui"]
CHECKOUT = Path(__file__).resolve().parent.parent  # the sessiontui measured, first on the path


def _starts(program: Path) -> bool:
    try:
        return subprocess.run([program, "--help"], capture_output=True, check=False).returncode == 0
    except OSError:  # missing, or its interpreter is
        return False


def install_peers() -> tuple[list[str], Path]:
    """ccusage (npm, local prefix) and toolong (a venv of its own); reused when present."""
    ccusage = PEERS / "ccusage" / "node_modules" / "ccusage" / "dist" / "index.js"
    if not ccusage.exists():
        log(f"installing ccusage@{CCUSAGE_VERSION} with npm")
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--prefix",
                str(PEERS / "ccusage"),
                f"ccusage@{CCUSAGE_VERSION}",
            ],
            check=True,
        )
    toolong = PEERS / "toolong-venv" / "bin" / "tl"
    if not _starts(toolong):  # missing, or a venv moved since (its scripts name its old path)
        log("installing toolong from PyPI into its own venv")
        shutil.rmtree(PEERS / "toolong-venv", ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / "toolong-venv")], check=True)
        subprocess.run(
            [str(PEERS / "toolong-venv" / "bin" / "pip"), "install", "-q", "toolong"], check=True
        )
    return ["node", str(ccusage)], toolong


def claude_config_dir(tree: Path) -> Path:
    """ccusage reads `$CLAUDE_CONFIG_DIR/projects`: a directory whose `projects` is the tree.
    Made under the temp dir, not the shared peers directory (a link there may name another
    checkout's tree, gone since)."""
    home = Path(tempfile.gettempdir()) / f"sessiontui-bench-claude-{tree.name}"
    home.mkdir(parents=True, exist_ok=True)
    link = home / "projects"
    if link.is_symlink() and link.resolve() != tree.resolve():
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(tree.resolve())
    return home


def measure(command: list[str], env: dict[str, str]) -> tuple[dict[str, float], bytes]:
    """Wall and CPU seconds and peak RSS (MiB) of one process run to its end, and its stdout."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{command[:3]} exited {process.returncode}")
        out.seek(0)
        data = out.read()
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "rss": usage.ru_maxrss / 1024}, data


def sessiontui_totals(output: bytes) -> dict[str, float]:
    rows = [json.loads(line) for line in output.splitlines() if line.strip()]
    return {
        "cost": sum(r["cost_usd"] or 0 for r in rows),
        "tokens": sum(
            (r[k] or 0)
            for r in rows
            for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
        ),
    }


def ccusage_totals(output: bytes) -> dict[str, float]:
    totals = json.loads(output)["totals"]
    return {"cost": totals["totalCost"], "tokens": totals["totalTokens"]}


def tree_side_by_side(
    tree: Path,
    mb: float,
    runs: int,
    ccusage: list[str],
    warm_only: bool = False,
    cold_only: bool = False,
) -> list[str]:
    samples: dict[str, list[dict[str, float]]] = {
        **({} if warm_only else {"sessiontui cold": []}),
        **({} if cold_only else {"sessiontui warm": []}),
        "ccusage": [],
    }
    totals: dict[str, dict[str, float]] = {}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "CLAUDE_"))}
    command = [*SESSIONTUI, "snapshot", "--json", str(tree)]
    kept = Path(tempfile.mkdtemp(prefix="issue13-cache-"))  # --warm-only: filled once
    if warm_only:
        measure(command, {**base_env, "XDG_CACHE_HOME": str(kept), "PYTHONPATH": str(CHECKOUT)})
    for run in range(runs):
        cache = kept if warm_only else Path(tempfile.mkdtemp(prefix="issue13-cache-"))
        env = {**base_env, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(CHECKOUT)}
        order = ["cold", "ccusage", "warm"] if run % 2 == 0 else ["ccusage", "cold", "warm"]
        if warm_only:
            order = ["ccusage", "warm"] if run % 2 == 0 else ["warm", "ccusage"]
        elif cold_only:
            order = order[:2]
        for step in order:
            if step == "ccusage":
                figures, output = measure(
                    [*ccusage, "session", "--offline", "--json"],
                    {**base_env, "CLAUDE_CONFIG_DIR": str(claude_config_dir(tree))},
                )
                samples["ccusage"].append(figures)
                totals["ccusage"] = ccusage_totals(output)
            else:
                figures, output = measure(command, env)
                samples[f"sessiontui {step}"].append(figures)
                totals[f"sessiontui {step}"] = sessiontui_totals(output)
            log(
                f"  {tree.name} run {run + 1}: {step}: {figures['wall']:.2f} s wall, {figures['cpu']:.2f} s CPU, "
                f"{figures['rss']:.0f} MiB"
            )
        if not warm_only:
            shutil.rmtree(cache)
    shutil.rmtree(kept)
    peer = {k: statistics.median(s[k] for s in samples["ccusage"]) for k in ("wall", "cpu", "rss")}
    rows = []
    for name, figures in samples.items():
        med = {k: statistics.median(s[k] for s in figures) for k in ("wall", "cpu", "rss")}
        rows.append(
            [
                name,
                f"{med['wall']:.2f}",
                f"{med['cpu']:.2f}",
                f"{mb / med['cpu']:.0f}",
                f"{med['rss']:.0f}",
                f"{peer['wall'] / med['wall']:.1f}x",
                f"{peer['cpu'] / med['cpu']:.1f}x",
                f"${totals[name]['cost']:,.4f}",
                f"{totals[name]['tokens']:,.0f}",
            ]
        )
    ours = totals["sessiontui warm" if warm_only else "sessiontui cold"]
    cost_gap = abs(ours["cost"] - totals["ccusage"]["cost"]) / max(totals["ccusage"]["cost"], 1e-9)
    return [
        f"== {tree.name}: {mb:.0f} MB, {sum(1 for _ in tree.rglob('*.jsonl'))} transcripts, {runs} run(s), medians",
        *table(
            [
                "tool",
                "wall s",
                "CPU s",
                "MB/CPU-s",
                "peak RSS MiB",
                "faster (wall)",
                "faster (CPU)",
                "total cost",
                "tokens",
            ],
            rows,
        ),
        f"cost difference sessiontui vs ccusage: {cost_gap * 100:.6f} %",
        "",
    ]


def tmux_screen(name: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True, check=False
    ).stdout


def wait_for(name: str, text: str, limit: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if text in tmux_screen(name):
            return time.perf_counter() - started
        time.sleep(0.02)
    return None


def start_in_tmux(name: str, command: str) -> None:
    """A detached 200x50 session; again if the tmux server was just exiting (its last session
    was killed a moment ago)."""
    for attempt in range(3):
        done = subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50", command], check=False
        )
        if done.returncode == 0:
            return
        time.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"tmux could not start {name}")


def pane_peak_rss(name: str) -> float:
    """Peak RSS (MiB) of the process in the pane, from /proc (VmHWM)."""
    pid = subprocess.run(
        ["tmux", "list-panes", "-t", name, "-F", "#{pane_pid}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def big_file_in_tmux(big: Path, runs: int, toolong: Path) -> list[str]:
    (path,) = big.rglob("*.jsonl")
    with open(path, "rb") as handle:
        first = json.loads(handle.readline())
        handle.seek(max(0, path.stat().st_size - 2_000_000))
        last = json.loads(handle.read().splitlines()[-1])
    prompt = first["message"]["content"][:20]
    last_text = next(b["text"] for b in last["message"]["content"] if b.get("type") == "text")[:24]
    last_line_start = f'{{"parentUuid":"{last["parentUuid"]}"'[:40]
    rows = []
    env = " ".join(
        f"{k}={v}"
        for k, v in (
            ("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="issue13-tmux-")),
            ("PYTHONPATH", str(CHECKOUT)),
        )
    )
    for run in range(runs):
        for tool in ("sessiontui", "toolong"):
            name = f"issue13-bench-{tool}-{run}"
            command = (
                f"env {env} {' '.join(SESSIONTUI)} --no-cache {big}"
                if tool == "sessiontui"
                else f"{toolong} {path}"
            )
            started = time.perf_counter()
            start_in_tmux(name, command)
            try:
                if tool == "sessiontui":
                    listed = wait_for(name, prompt, 300)
                    subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
                    shown = wait_for(name, last_text, 60)  # it opens at its end
                    opened = wait_for(name, "Follow", 60)  # the transcript's footer: it is open
                    subprocess.run(["tmux", "send-keys", "-t", name, "End"], check=True)
                    at_end = wait_for(name, last_text, 60)
                    peak = pane_peak_rss(name)
                    rows.append(
                        [
                            f"sessiontui run {run + 1}",
                            f"{listed:.2f}" if listed else "-",
                            f"{shown:.3f}" if shown else "-",
                            f"{opened:.3f}" if opened else "-",
                            f"{at_end:.3f}" if at_end else "-",
                            f"{peak:.0f}",
                        ]
                    )
                else:
                    shown = wait_for(name, last_line_start, 300)
                    time.sleep(1)  # settle, then read its peak
                    peak = pane_peak_rss(name)
                    rows.append(
                        [
                            f"toolong run {run + 1}",
                            f"{shown:.2f}" if shown else "-",
                            "-",
                            "-",
                            "-",
                            f"{peak:.0f}",
                        ]
                    )
            finally:
                subprocess.run(
                    ["tmux", "kill-session", "-t", name], capture_output=True, check=False
                )
            log(
                f"  tmux {tool} run {run + 1}: {rows[-1][1:]} ({time.perf_counter() - started:.1f} s)"
            )
    return [
        f"== one {path.stat().st_size / 1e6:.0f} MB transcript in tmux 200x50 (sessiontui without cache: cold)",
        *table(
            [
                "run",
                "launch -> row/last line on screen s",
                "Enter -> last message s",
                "Enter -> transcript s",
                "then End -> last message s",
                "peak RSS MiB",
            ],
            rows,
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20 MB tree only, one run, no tmux")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-1gb", action="store_true")
    parser.add_argument("--skip-tmux", action="store_true")
    parser.add_argument("--warm-only", action="store_true", help="warm runs and ccusage only")
    parser.add_argument("--cold-only", action="store_true", help="cold runs and ccusage only")
    parser.add_argument("--out", default="vs_peers", help="results/NAME.txt")
    args = parser.parse_args()
    ccusage, toolong = install_peers()
    node = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    note = f"node {node}, load average at start {os.getloadavg()[0]:.1f} (2 cores shared: read CPU seconds)"
    lines = machine_header(
        "sessiontui side by side with ccusage 18.0.11 and toolong"
        + (" (quick)" if args.quick else ""),
        [note, compile_sessiontui(CHECKOUT)],
    )
    if args.quick:
        tree, info = make_claude_tree("cc_tree_20mb", 10, 2700)
        lines += tree_side_by_side(tree, info["bytes"] / 1e6, 1, ccusage)
        write_results("vs_peers_quick", lines)
        return
    tree, info = make_claude_tree("cc_tree_200mb", 100, 2700)
    lines += tree_side_by_side(
        tree, info["bytes"] / 1e6, args.runs, ccusage, args.warm_only, args.cold_only
    )
    if not args.skip_1gb:
        tree, info = make_claude_tree("cc_tree_1gb", 500, 2700)
        runs = max(1, args.runs - 1)
        lines += tree_side_by_side(
            tree, info["bytes"] / 1e6, runs, ccusage, args.warm_only, args.cold_only
        )
    if not args.skip_tmux and shutil.which("tmux"):
        big, _ = make_claude_big("cc_big_500mb", 500)
        lines += big_file_in_tmux(big, max(1, args.runs - 1), toolong)
    write_results(args.out, lines)


if __name__ == "__main__":
    main()
