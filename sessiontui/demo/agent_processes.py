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


def start_standin(program: str, args: Sequence[str] = (), *, hold: Sequence[Path] = (),
                  mode: str = "busy", orphan: bool = False, new_group: bool = False) -> StandIn:
    """Start a stand-in called `program` (its argv[0]) and wait until it holds its files."""
    env = dict(os.environ, SESSIONTUI_STANDIN_MODE=mode,
               SESSIONTUI_STANDIN_HOLD=os.pathsep.join(str(p) for p in hold))
    argv = [program, str(STANDIN), *args]
    if orphan:
        popen = subprocess.Popen([sys.executable, "-c", _ORPHAN_PARENT, *argv], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, env=env, start_new_session=new_group)
        assert popen.stdout is not None and popen.stdin is not None
        pid = int(popen.stdout.readline())
        popen.wait()
        _ready(popen.stdout, program)
        return StandIn(pid, program, tuple(args), popen.stdin, None)
    popen = subprocess.Popen(argv, executable=sys.executable, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env=env, start_new_session=new_group)
    assert popen.stdout is not None and popen.stdin is not None
    _ready(popen.stdout, program)
    return StandIn(popen.pid, program, tuple(args), popen.stdin, popen)


def _ready(out: IO[bytes], program: str) -> None:
    line = out.readline()
    if line.strip() != b"ready":
        raise RuntimeError(f"stand-in {program} did not start: {line!r}")
