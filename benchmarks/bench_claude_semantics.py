"""Claude Code transcript semantics: what the 1-hour split changes in dollars, what the typed-prompt
rule changes in turns, and what the new summary costs in CPU per line (against the previous one).

The data has the shape of the real 2.1.39 files described in STORES.md 10: every cache write
1-hour, most lines `progress`, Haiku subagents, interrupts, slash commands, compactions.
Run: .venv/bin/python benchmarks/bench_claude_semantics.py  (writes results/claude_semantics.txt)
"""

from __future__ import annotations

import importlib.util
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import HERE, RESULTS, machine_header

sys.path.insert(0, str(HERE.parent / "tests"))
from claude_code_lines import Transcript, library_price, text, tool_use, usage

from sessiontui.stores.claude_transcript import TranscriptSummary

OPUS, HAIKU = "claude-opus-4-6", "claude-haiku-4-5"
PREVIOUS = "6731db0"  # the summary before this change
START = datetime(2026, 2, 12, 10, tzinfo=UTC)


def build(root: Path, sessions: int, seed: int) -> list[tuple[str, dict[str, Any], datetime]]:
    """Transcripts under root; the list of (model, usage, time) of every API call."""
    rng = random.Random(seed)
    calls: list[tuple[str, dict[str, Any], datetime]] = []
    project = root / "-home-USER-src"
    for s in range(sessions):
        t = Transcript(project / f"s{s}.jsonl", f"s{s}", START + timedelta(hours=s))
        t.caveat().slash_command("model").command_stdout("Set model to \x1b[1mopus\x1b[22m")
        for turn in range(rng.randint(1, 3)):
            t.prompt(f"task {turn} of session {s}")
            for step in range(rng.randint(20, 60)):
                model = HAIKU if rng.random() < 0.4 else OPUS
                use = usage(rng.randint(1, 20), rng.randint(20, 800), read=rng.randint(5_000, 90_000),
                            write_1h=rng.randint(200, 6_000))
                t.reply([text("thinking about it"), tool_use(f"t{s}-{turn}-{step}", "Bash", {"command": "ls"})],
                        model, use, f"{s}-{turn}-{step}")
                calls.append((model, use, t.at))
                for _ in range(rng.randint(2, 6)):
                    t.progress({"type": "bash_progress", "output": "x", "elapsedTimeSeconds": 3, "totalLines": 1})
                t.tool_result(f"t{s}-{turn}-{step}", "ok", result={"stdout": "ok", "stderr": "",
                                                                   "interrupted": False})
            if rng.random() < 0.5:
                t.interrupt()
            t.turn_duration(rng.randint(10_000, 1_500_000))
        if s % 3 == 0:
            t.compact_boundary(142_431).compact_summary()
    return calls


def load_previous() -> Any:
    source = subprocess.run(["git", "show", f"{PREVIOUS}:sessiontui/stores/claude_transcript.py"],
                            cwd=HERE.parent, capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "previous_claude_transcript.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("previous_claude_transcript", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def summarise(cls: Any, records: list[dict[str, Any]]) -> tuple[Any, float]:
    start = time.process_time()
    summary = cls()
    for record in records:
        summary.add(record)
    return summary, time.process_time() - start


def main() -> None:
    previous = load_previous()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        calls = build(root, sessions=8, seed=1)
        files = sorted(root.rglob("*.jsonl"))
        records = [[json.loads(line) for line in f.read_text().splitlines()] for f in files]
    lines = sum(len(r) for r in records)
    library = sum(library_price(m, u, at) for m, u, at in calls)
    new_cost = old_cost = 0.0
    new_turns = old_turns = 0
    new_cpu: list[float] = []
    old_cpu: list[float] = []
    for _ in range(5):
        new_total = old_total = 0.0
        for recs in records:
            summary, seconds = summarise(TranscriptSummary, recs)
            new_total += seconds
            new_cost, new_turns = new_cost + summary.cost_usd, new_turns + summary.turns
            summary, seconds = summarise(previous.TranscriptSummary, recs)
            old_total += seconds
            old_cost, old_turns = old_cost + summary.cost_usd, old_turns + summary.turns
        new_cpu.append(new_total)
        old_cpu.append(old_total)
    new_cost, old_cost, new_turns, old_turns = new_cost / 5, old_cost / 5, new_turns // 5, old_turns // 5
    typed = sum(1 for recs in records for r in recs if r.get("type") == "user"
                and isinstance(r["message"].get("content"), str)
                and r["message"]["content"].startswith(("task ", "<command-name>")))
    note = (f"8 sessions, {lines:,} lines, {len(calls):,} API calls, every cache write 1-hour; CPU time "
            "(process_time) of TranscriptSummary.add over all lines, median of 5; machine shared and loaded")
    out = machine_header("Claude Code transcript semantics", [note])
    new_ms, old_ms = statistics.median(new_cpu), statistics.median(old_cpu)
    out += [
        "",
        f"genai-prices calc_price per call, 1-hour split   ${library:,.6f}",
        f"sessiontui now                                   ${new_cost:,.6f}  ({(new_cost / library - 1) * 100:+.4f} %)",
        f"sessiontui before ({PREVIOUS}, 5-minute rate)    ${old_cost:,.6f}  ({(old_cost / library - 1) * 100:+.2f} %)",
        "",
        f"typed prompts {typed}; turns now {new_turns}; turns before {old_turns}",
        "",
        f"summary CPU now     {new_ms * 1e3:8.1f} ms  ({new_ms / lines * 1e6:.2f} us/line)",
        f"summary CPU before  {old_ms * 1e3:8.1f} ms  ({old_ms / lines * 1e6:.2f} us/line)",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "claude_semantics.txt").write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
