"""Real processes standing in for agents and bot daemons, for `sessiontui demo` and the tests.

Each stand-in (`standin.py`) runs under an agent's name with the session id in its command line,
or holds a store open. It exits when the pipe on its stdin closes, so every stand-in ends with
the demo that started it, even when the demo crashes. An orphan is started through a parent that
exits at once, so init adopts it (it still watches the same pipe).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

STANDIN = Path(__file__).with_name("standin.py")
_ORPHAN_PARENT = (
    "import subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], executable=sys.executable)\n"
    "print(child.pid, flush=True)\n"
)


@dataclass(slots=True)
class StandIn:
    """One running stand-in. `stop()` closes its pipe and waits for it to end."""

    pid: int
    program: str
    args: tuple[str, ...]
    pipe: IO[bytes]  # its stdin: closing it ends the stand-in
    child: subprocess.Popen[bytes] | None  # None for an orphan (init is its parent)

    def stop(self, timeout: float = 5.0) -> None:
        try:
            self.pipe.close()
        except OSError:
            pass
        if self.child is not None:
            try:
                self.child.wait(timeout)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
            return
        try:
            psutil.Process(self.pid).wait(timeout)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            psutil.Process(self.pid).kill()


def start_standin(
    program: str,
    args: Sequence[str] = (),
    *,
    hold: Sequence[Path] = (),
    mode: str = "busy",
    orphan: bool = False,
    new_group: bool = False,
) -> StandIn:
    """Start a stand-in called `program` (its argv[0]) and wait until it holds its files."""
    env = dict(
        os.environ,
        SESSIONTUI_STANDIN_MODE=mode,
        SESSIONTUI_STANDIN_HOLD=os.pathsep.join(str(p) for p in hold),
    )
    argv = [program, str(STANDIN), *args]
    if orphan:
        popen = subprocess.Popen(
            [sys.executable, "-c", _ORPHAN_PARENT, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=new_group,
        )
        assert popen.stdout is not None and popen.stdin is not None
        pid = int(popen.stdout.readline())
        popen.wait()
        _ready(popen.stdout, program)
        return StandIn(pid, program, tuple(args), popen.stdin, None)
    popen = subprocess.Popen(
        argv,
        executable=sys.executable,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=new_group,
    )
    assert popen.stdout is not None and popen.stdin is not None
    _ready(popen.stdout, program)
    return StandIn(popen.pid, program, tuple(args), popen.stdin, popen)


def _ready(out: IO[bytes], program: str) -> None:
    line = out.readline()
    if line.strip() != b"ready":
        raise RuntimeError(f"stand-in {program} did not start: {line!r}")


LIVE_WINDOW = 30 * 60.0  # a transcript written this recently gets an agent process
HUNG_AFTER = 5 * 60.0  # ... a hung one when it has been quiet this long
MAX_AGENTS = 30


class DemoAgents:
    """The demo's processes: a daemon per bot store, an agent per live Claude Code session
    (hung where the session went quiet), and one orphan on an idle session."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.running: list[StandIn] = []
        self._agents: set[str] = set()  # session ids that have their agent process

    def start(self) -> None:
        from sessiontui.demo.workspace import store_paths

        paths = store_paths(self.root)
        for fmt, program in (
            ("zeroclaw-sqlite", ("zeroclaw", "daemon")),
            ("hermes-sqlite", ("hermes",)),
            ("starpod", ("starpod", "serve")),
            ("hermes-agent", ("hermes", "gateway")),
            ("openclaw", ("openclaw", "gateway")),
        ):
            if paths[fmt].is_file():
                self.running.append(start_standin(program[0], program[1:], hold=[paths[fmt]]))
        now = time.time()
        quiet = sorted(self._transcripts(), key=lambda item: -item[1])
        orphan = next((path for path, mtime in quiet if now - mtime > LIVE_WINDOW), None)
        if orphan is not None:
            self.running.append(
                start_standin("claude", ["--resume", orphan.stem], orphan=True, mode="hung")
            )
            self._agents.add(orphan.stem)
        self.follow()

    def follow(self) -> None:
        """Start an agent for every Claude Code transcript (`claude --resume <id>`) and Codex
        rollout (`codex resume <thread>`) written recently that has none yet."""
        now = time.time()
        live = [(path.stem, ("claude", "--resume"), mtime) for path, mtime in self._transcripts()]
        live += [(thread_id, ("codex", "resume"), mtime) for thread_id, mtime in self._rollouts()]
        for session_id, (program, flag), mtime in live:
            if (
                session_id in self._agents
                or now - mtime > LIVE_WINDOW
                or len(self._agents) >= MAX_AGENTS
            ):
                continue
            mode = "hung" if now - mtime > HUNG_AFTER else "busy"
            try:
                self.running.append(start_standin(program, [flag, session_id], mode=mode))
            except (OSError, RuntimeError):
                continue
            self._agents.add(session_id)

    def _rollouts(self) -> list[tuple[str, float]]:
        """Codex threads (not archived), by thread id, with when their rollout was written."""
        from sessiontui.demo.workspace import store_paths
        from sessiontui.stores.codex import thread_id_from_name

        found = []
        for path in Path(store_paths(self.root)["codex"]).glob("sessions/*/*/*/rollout-*.jsonl"):
            try:
                found.append((thread_id_from_name(path.name), path.stat().st_mtime))
            except OSError:
                continue
        return found

    def _transcripts(self) -> list[tuple[Path, float]]:
        from sessiontui.demo.workspace import store_paths

        found = []
        for path in Path(store_paths(self.root)["claude-code"]).glob("*/*.jsonl"):
            try:
                found.append((path, path.stat().st_mtime))
            except OSError:
                continue
        return found

    def stop_all(self) -> None:
        for standin in self.running:
            standin.stop(timeout=2.0)
        self.running.clear()


def run_demo_agents(root: Path, halt: threading.Event, every: float = 2.0) -> None:
    """Keep the demo's agent processes while `halt` is not set; stop them all after."""
    agents = DemoAgents(root)
    try:
        agents.start()
        while not halt.wait(every):
            agents.follow()
    finally:
        agents.stop_all()
