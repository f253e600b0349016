"""`sessiontui demo`'s real agent processes: linked to the scene's sessions, and gone with the demo."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psutil

from sessiontui.demo import populate
from sessiontui.demo.agent_processes import DemoAgents
from sessiontui.live.fleet import Fleet
from sessiontui.live.process_links import ProcessWatch
from sessiontui.rules.state import Reason, Thresholds
from sessiontui.stores import find_stores, open_stores


async def test_the_demo_scene_has_a_process_behind_every_live_session_a_hung_one_and_an_orphan(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    populate(tmp_path, now=now, seed=0)
    agents = DemoAgents(tmp_path)
    agents.start()
    try:
        found, errors = find_stores([tmp_path])
        assert not errors
        fleet = Fleet(
            open_stores(found), clock=lambda: now, thresholds=Thresholds(), processes=ProcessWatch()
        )
        update = await fleet.refresh(full=True)
        await fleet.close()
        claude = [r for r in update.rows if str(r.session.format) == "claude-code"]
        live = [r for r in claude if str(r.verdict.state) in ("running", "stuck")]
        assert live and all(r.processes is not None and r.processes.pids for r in live)
        orphans = [r for r in update.rows if r.verdict.reason == Reason.ORPHAN_PROCESS]
        # one orphan process; a hermes-bot row that runs the same Claude Code session shows it too
        assert orphans and len({r.processes.pids for r in orphans if r.processes}) == 1
        assert all(r.processes and r.processes.processes[0].orphaned for r in orphans)
        zeroclaw = [s for s in update.statuses if s.format == "zeroclaw-sqlite"]
        assert zeroclaw and zeroclaw[0].processes and zeroclaw[0].processes[0].name == "zeroclaw"
        stuck_tool = [r for r in claude if r.verdict.reason == Reason.TOOL_NO_RESULT]
        assert stuck_tool and stuck_tool[0].processes is not None and stuck_tool[0].processes.pids
    finally:
        pids = [s.pid for s in agents.running]
        agents.stop_all()
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        for pid in pids
    )


def test_the_demo_processes_end_when_the_demo_crashes(tmp_path: Path) -> None:
    populate(tmp_path, now=datetime.now(UTC), seed=0)
    crash = (
        "import os, sys\n"
        "from sessiontui.demo.agent_processes import DemoAgents\n"
        "agents = DemoAgents(sys.argv[1]); agents.start()\n"
        "print(' '.join(str(s.pid) for s in agents.running), flush=True)\n"
        "os._exit(3)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", crash, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 3, out.stderr
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) >= 4
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive
