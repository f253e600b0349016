"""A stand-in for an agent process: `sessiontui demo` and the tests run it under an agent's name.

Started as `claude <this file> --session-id <id>` (argv[0] set by the parent), so the command
line reads like the agent's own. It holds the files named in SESSIONTUI_STANDIN_HOLD open (as a
bot daemon holds its database), prints `ready`, and then, by SESSIONTUI_STANDIN_MODE:
`busy` uses a little CPU every second, `hung` sleeps, `stubborn` also ignores SIGTERM.
It exits when its stdin closes: the demo (or test) that started it has ended, even by a crash.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time


def _watch_stdin() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    os._exit(0)


def main() -> None:
    mode = os.environ.get("SESSIONTUI_STANDIN_MODE", "busy")
    paths = [p for p in os.environ.get("SESSIONTUI_STANDIN_HOLD", "").split(os.pathsep) if p]
    held = [open(path, "rb") for path in paths]  # noqa: SIM115 - held open until the process ends
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_watch_stdin, daemon=True).start()
    print("ready", flush=True)
    while True:
        if mode == "busy":
            end = time.process_time() + 0.02
            while time.process_time() < end:
                pass
        time.sleep(1.0)
        assert held is not None


if __name__ == "__main__":
    main()
