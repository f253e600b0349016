"""Stopping a process, on real processes: bound to PID and start time, refused when unsafe,
verified after, every step audited."""

from __future__ import annotations

import signal
from dataclasses import replace
from pathlib import Path

import psutil
from fixture_types import StartStandIn

from sessiontui.actions.audit import read_audit
from sessiontui.actions.base import READ_ONLY
from sessiontui.actions.stop_process import StopRequest, stop_process
from sessiontui.demo.agent_processes import StandIn
from sessiontui.live.process_table import scan_processes
from sessiontui.model import ProcessInfo


def shown(pid: int) -> ProcessInfo:
    """The process as the dashboard showed it (from a real scan)."""
    scan = scan_processes([])
    return scan.processes[pid]


def alive(standin: StandIn) -> bool:
    """Running (a zombie not yet reaped counts as gone; stop_process reaps its own children)."""
    try:
        return psutil.Process(standin.pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_sigterm_stops_the_process_shown_and_audits_it(
    tmp_path: Path, standins: StartStandIn
) -> None:
    agent = standins("claude", ["--resume", "s-1"], mode="hung")
    result = stop_process(StopRequest(shown(agent.pid), None), read_only=False, state_dir=tmp_path)
    assert result.gone and not result.refused, result.message
    assert not alive(agent)
    steps = [(r["action"], r["result"]) for r in read_audit(tmp_path)]
    assert steps == [("stop-process:sigterm", "ok"), ("stop-process:verify", "ok")]
    assert read_audit(tmp_path)[0]["before"]["pid"] == agent.pid


def test_a_reused_pid_is_never_signalled(tmp_path: Path, standins: StartStandIn) -> None:
    agent = standins("claude", ["--resume", "s-1"], mode="hung")
    seen = replace(
        shown(agent.pid), started=shown(agent.pid).started - 3600
    )  # the PID's earlier owner
    result = stop_process(StopRequest(seen, None), read_only=False, state_dir=tmp_path)
    assert result.refused and not result.gone and "another process" in result.message
    assert alive(agent)
    assert [r["result"] for r in read_audit(tmp_path)] == ["refused"]


def test_read_only_refuses(tmp_path: Path, standins: StartStandIn) -> None:
    agent = standins("claude", [], mode="hung")
    result = stop_process(StopRequest(shown(agent.pid), None), read_only=True, state_dir=tmp_path)
    assert result.refused and READ_ONLY in result.message and alive(agent)


def test_a_daemon_serving_many_sessions_needs_its_name(
    tmp_path: Path, standins: StartStandIn
) -> None:
    daemon = standins("zeroclaw", ["daemon"], mode="hung")
    info = shown(daemon.pid)
    refused = stop_process(
        StopRequest(info, None, serves=12, typed_name="zero"), read_only=False, state_dir=tmp_path
    )
    assert refused.refused and "type its name" in refused.message and alive(daemon)
    done = stop_process(
        StopRequest(info, None, serves=12, typed_name=info.name),
        read_only=False,
        state_dir=tmp_path,
    )
    assert done.gone and not alive(daemon)


def test_a_process_ignoring_sigterm_is_reported_alive_then_killed(
    tmp_path: Path, standins: StartStandIn
) -> None:
    stubborn = standins("claude", [], mode="stubborn")
    request = StopRequest(shown(stubborn.pid), None)
    first = stop_process(request, read_only=False, wait=0.5, state_dir=tmp_path)
    assert not first.gone and first.alive == (stubborn.pid,) and alive(stubborn)
    second = stop_process(request, signal.SIGKILL, read_only=False, state_dir=tmp_path)
    assert second.gone, second.message
    assert [r["action"] for r in read_audit(tmp_path)] == [
        "stop-process:sigterm",
        "stop-process:verify",
        "stop-process:sigkill",
        "stop-process:verify",
    ]


def test_a_group_leader_is_stopped_with_its_group_and_nothing_else(
    tmp_path: Path, standins: StartStandIn
) -> None:
    leader = standins("claude", ["--resume", "s-1"], mode="hung", new_group=True)
    bystander = standins("claude", ["--resume", "s-2"], mode="hung")  # another session's agent
    info = shown(leader.pid)
    assert info.group_leader
    result = stop_process(StopRequest(info, None), read_only=False, state_dir=tmp_path)
    assert result.gone
    assert not alive(leader) and alive(bystander)
    assert "process group" in read_audit(tmp_path)[0]["message"]
