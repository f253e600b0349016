"""`python -m sessiontui.demo ROOT`: run the simulated fleet in a plain process (e2e tests)."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from sessiontui.demo.simulator import run_simulation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sessiontui.demo", description=__doc__)
    parser.add_argument("root", type=Path, help="workspace directory (filled if empty)")
    parser.add_argument("--sessions", type=int, default=20, help="sessions kept alive")
    parser.add_argument("--rate", type=float, default=5.0, help="writes per second")
    parser.add_argument("--duration", type=float, default=None, help="seconds to run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    halt = threading.Event()
    try:
        report = run_simulation(
            args.root, sessions=args.sessions, rate=args.rate, duration=args.duration,
            seed=args.seed, halt=halt,
        )
    except KeyboardInterrupt:
        return 130
    print(f"{report.writes} writes, {report.session_count} sessions, "
          f"{report.message_count} messages under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
