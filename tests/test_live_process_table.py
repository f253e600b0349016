"""The process table read pass after pass (only new and kept processes between full passes)
gives what a full pass over every process gives, on real processes that start, open store files
and exit."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from sessiontui.live.process_table import ProcessTable, scan_processes
from sessiontui.live.processes import ProcessScan, StoreTarget, store_target

# Opens each path it reads on stdin and says "ok"; ends when stdin closes.
OPENER = (
    "import sys\n"
    "held = []\n"
    "print('ok', flush=True)\n"
    "for line in sys.stdin:\n"
    "    held.append(open(line.strip(), 'rb'))\n"
    "    print('ok', flush=True)\n"
)


class Opener:
    """A real process called `name` that opens files when told to."""

    def __init__(self, name: str, *args: str) -> None:
        self.popen = subprocess.Popen(
            [name, "-c", OPENER, *args],
            executable=sys.executable,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.popen.pid
        self._wait_ok()

    def open(self, path: Path) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(f"{path}\n")
        self.popen.stdin.flush()
        self._wait_ok()

    def _wait_ok(self) -> None:
        assert self.popen.stdout is not None
        assert self.popen.stdout.readline().strip() == "ok"

    def stop(self) -> None:
        if self.popen.stdin is not None:
            self.popen.stdin.close()
        self.popen.wait(10)


@pytest.fixture
def openers() -> Iterator[list[Opener]]:
    started: list[Opener] = []
    yield started
    for opener in started:
        opener.stop()


def ours(scan: ProcessScan, pids: set[int]) -> dict[str, object]:
    """What a scan says of these processes (not their CPU % or RSS, which move between reads)."""
    return {
        "processes": {
            pid: (info.name, info.cmdline, info.started, info.open_store_files, info.children)
            for pid, info in scan.processes.items()
            if pid in pids
        },
        "by_store": {k: [p for p in v if p in pids] for k, v in scan.by_store.items()},
        "by_file": {k: [p for p in v if p in pids] for k, v in scan.by_file.items()},
        "by_session_id": {
            k: [p for p in v if p in pids] for k, v in scan.by_session_id.items() if RUN in k
        },
    }


RUN = uuid.uuid4().hex[:8]


def test_passes_after_the_first_agree_with_a_full_pass(
    tmp_path: Path, openers: list[Opener]
) -> None:
    db = tmp_path / "zeroclaw" / "sessions.db"
    db.parent.mkdir()
    db.write_bytes(b"")
    rollouts = tmp_path / "codex"
    rollouts.mkdir()
    first, second = rollouts / "one.jsonl", rollouts / "two.jsonl"
    first.write_text("{}\n")
    second.write_text("{}\n")
    targets: list[StoreTarget] = [store_target(db), store_target(rollouts)]
    table = ProcessTable()
    pids: set[int] = set()

    def agree() -> ProcessScan:
        step = table.scan(targets)
        assert ours(step, pids) == ours(scan_processes(targets), pids)
        return step

    agree()
    daemon = Opener("zeroclaw", "daemon")  # a new process holding the store: read at once
    openers.append(daemon)
    daemon.open(db)
    pids.add(daemon.pid)
    assert agree().by_store[str(db)] == (daemon.pid,)
    agent = Opener("codex", "resume", f"thread-{RUN}")  # an agent: read again on every pass
    openers.append(agent)
    pids.add(agent.pid)
    assert agree().by_session_id[f"thread-{RUN}"] == (agent.pid,)
    agent.open(first)  # a kept process opens a store file: seen on the next pass
    assert agree().by_file[str(first)] == (agent.pid,)
    agent.open(second)
    assert agree().processes[agent.pid].open_store_files == (str(first), str(second))
    daemon.stop()  # a kept process exits
    assert str(db) not in agree().by_store


def test_a_running_process_that_opens_a_store_file_later_is_found_by_a_full_pass(
    tmp_path: Path, openers: list[Opener]
) -> None:
    db = tmp_path / "sessions.db"
    db.write_bytes(b"")
    targets = [store_target(db)]
    table = ProcessTable()
    late = Opener("python3")  # neither an agent nor a holder: not read again between full passes
    openers.append(late)
    assert late.pid not in table.scan(targets).processes
    late.open(db)
    assert table.scan(targets, full=True).by_store[str(db)] == (late.pid,)
    assert table.scan(targets).by_store[str(db)] == (late.pid,)  # and kept from then on


def test_a_pid_a_store_records_is_kept_from_the_next_pass_without_a_full_one(
    tmp_path: Path,
) -> None:
    """A Hermes lease names a new PID at each turn: the table keeps it at the next pass, from
    what it already read (no pass over every process again), and agrees with a full pass."""
    target = store_target(tmp_path / "state.db")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        table = ProcessTable()
        table.scan([target])  # the first pass: every process read, the sleeper not kept
        assert sleeper.pid not in table.scan([target]).processes
        known = dict(table._known)
        wanted = frozenset({sleeper.pid})
        scan = table.scan([target], wanted)
        assert sleeper.pid in scan.processes
        assert all(table._known[pid] is known[pid] for pid in known if pid in table._known)
        full = scan_processes([target], wanted).processes[sleeper.pid]
        ours = scan.processes[sleeper.pid]  # (its memory and CPU move between the two looks)
        assert replace(ours, rss=None, cpu_percent=None) == replace(
            full, rss=None, cpu_percent=None
        )
    finally:
        sleeper.kill()
        sleeper.wait()
