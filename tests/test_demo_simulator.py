"""The simulated fleet: reproducible on a virtual clock, paced and stoppable on a real one."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessiontui.demo import Simulator, run_simulation, simulate, store_paths

NOW = datetime(2026, 8, 22, 21, 44, 0, 123456, tzinfo=UTC)


def test_fixed_seed_and_steps_is_reproducible(
    tmp_path: Path, dump_files: Callable[[Path], dict[str, object]]
) -> None:
    first = run_simulation(tmp_path / "a", steps=400, seed=5, now=NOW)
    second = run_simulation(tmp_path / "b", steps=400, seed=5, now=NOW)
    assert dump_files(tmp_path / "a") == dump_files(tmp_path / "b")
    assert first.stores["starpod"].sessions == second.stores["starpod"].sessions
    assert first.steps == 400 and first.writes == 400  # a step is a write at full fleet
    third = run_simulation(tmp_path / "c", steps=400, seed=6, now=NOW)
    assert third.stores["claude-code"].sessions != first.stores["claude-code"].sessions


async def test_simulate_in_a_thread_matches_run_simulation(
    tmp_path: Path, dump_files: Callable[[Path], dict[str, object]]
) -> None:
    report = await simulate(tmp_path / "a", steps=150, seed=2, now=NOW)
    run_simulation(tmp_path / "b", steps=150, seed=2, now=NOW)
    assert dump_files(tmp_path / "a") == dump_files(tmp_path / "b")
    assert report.steps == 150


def test_report_counts_what_is_in_the_stores(tmp_path: Path) -> None:
    report = run_simulation(tmp_path, steps=600, seed=3, now=NOW, sessions=12)
    paths = store_paths(tmp_path)
    with sqlite3.connect(paths["zeroclaw-sqlite"]) as conn:
        counts = dict(conn.execute("SELECT session_key, message_count FROM session_metadata"))
    assert counts == report.stores["zeroclaw-sqlite"].sessions
    with sqlite3.connect(paths["starpod"]) as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM session_metadata")}
        messages = conn.execute("SELECT COUNT(*) FROM session_messages").fetchone()[0]
    assert ids == set(report.stores["starpod"].sessions)
    assert messages == report.stores["starpod"].message_count
    lines = sum(len(p.read_text().splitlines()) for p in paths["claude-code"].rglob("*.jsonl"))
    assert lines == report.stores["claude-code"].message_count
    # Beyond the scene, the fleet started sessions in every store.
    assert all(store.session_count > 3 for store in report.stores.values())


def test_a_second_run_continues_the_same_workspace(tmp_path: Path) -> None:
    run_simulation(tmp_path, steps=200, seed=1, now=NOW)
    again = run_simulation(tmp_path, steps=200, seed=1, now=NOW)  # no id collisions
    assert again.writes == 200 and not again.expected


def test_stuck_fates_leave_sessions_stuck(tmp_path: Path) -> None:
    sim = Simulator(tmp_path, sessions=30, seed=11, start=NOW, virtual=True)
    try:
        for n in range(3000):
            sim.step(NOW + timedelta(seconds=n / 5))
    finally:
        sim.close()
    with sqlite3.connect(store_paths(tmp_path)["hermes-sqlite"]) as conn:
        pending = conn.execute(
            "SELECT COUNT(*) FROM sessions WHERE session_id LIKE 'pending-%'"
        ).fetchone()[0]
        errors = conn.execute("SELECT COUNT(*) FROM sessions WHERE status = 'error'").fetchone()[0]
    assert pending > 1 and errors > 1  # the scene has one of each; the fleet added more


async def test_real_time_run_writes_beside_the_loop_and_stops_when_told(tmp_path: Path) -> None:
    timed = asyncio.create_task(simulate(tmp_path / "timed", rate=40.0, seed=4, duration=0.5))
    ticks = 0
    while not timed.done():  # the loop keeps turning while the fleet writes in its thread
        await asyncio.sleep(0.01)
        ticks += 1
    report = timed.result()
    assert ticks > 0 and report.writes > 0
    assert store_paths(tmp_path / "timed")["starpod"].exists()

    stop = asyncio.Event()
    endless = asyncio.create_task(simulate(tmp_path / "endless", rate=40.0, seed=4, stop=stop))
    await asyncio.sleep(0)
    stop.set()
    await asyncio.wait_for(endless, timeout=60)  # a bound, not a figure: it ends when told


def test_module_runs_as_a_process_and_imports_no_textual(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sessiontui",
            "demo",
            "--simulate-only",
            str(tmp_path),
            "--duration",
            "0.3",
            "--rate",
            "50",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "writes" in done.stdout
    probe = (
        "import sys, sessiontui.demo, sessiontui.demo.simulator; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"
