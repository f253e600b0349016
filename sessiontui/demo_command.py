"""`sessiontui demo`: a simulated bot host writing every store, with the dashboard open on it."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sessiontui.demo import populate, run_simulation, workspace_is_empty
from sessiontui.demo.agent_processes import run_demo_agents

if TYPE_CHECKING:
    from sessiontui.app import SessionTuiApp


def run_demo(args: argparse.Namespace) -> int:
    if args.sessions < 1 or args.rate <= 0:
        print("sessiontui demo: --sessions must be at least 1 and --rate positive", file=sys.stderr)
        return 2
    if args.simulate_only is not None:
        return _simulate_only(args)
    workspace = args.keep or Path(tempfile.mkdtemp(prefix="sessiontui-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)
    if workspace_is_empty(workspace):
        populate(workspace, now=datetime.now(UTC), seed=args.seed)
    halt = threading.Event()
    bots = threading.Thread(
        target=run_simulation,
        name="demo-bots",
        daemon=True,
        kwargs={
            "root": workspace,
            "sessions": args.sessions,
            "rate": args.rate,
            "duration": args.duration,
            "seed": args.seed,
            "halt": halt,
        },
    )
    bots.start()
    agents = threading.Thread(
        target=run_demo_agents,
        name="demo-agents",
        daemon=True,
        kwargs={"root": workspace, "halt": halt},
    )
    agents.start()  # real processes standing in for the agents; they end with the demo
    try:
        from sessiontui.app import run_dashboard
        from sessiontui.config import Config, default_config_file, load_config_file

        config = load_config_file(default_config_file(), Config())
        return run_dashboard(
            Config(
                paths=(workspace,),
                thresholds=config.thresholds,
                refresh_seconds=config.refresh_seconds,
            )
        )
    finally:
        halt.set()
        bots.join(timeout=10)
        agents.join(timeout=10)
        if args.keep is None:
            shutil.rmtree(workspace, ignore_errors=True)
        else:
            print(f"sessiontui demo: workspace kept in {workspace}")


def _simulate_only(args: argparse.Namespace) -> int:
    root: Path = args.simulate_only
    root.mkdir(parents=True, exist_ok=True)
    try:
        report = run_simulation(
            root,
            sessions=args.sessions,
            rate=args.rate,
            duration=args.duration,
            seed=args.seed,
            halt=threading.Event(),
        )
    except KeyboardInterrupt:
        return 130
    print(
        f"{report.writes} writes, {report.session_count} sessions, "
        f"{report.message_count} messages under {root}"
    )
    return 0


def scene_app(root: Path, now: datetime) -> SessionTuiApp:
    """The dashboard on populate()'s fixed scene, with the clock frozen at `now`.

    For the snapshot tests and screenshots/make.py: same data, same picture, every run.
    """
    from sessiontui.app import make_app
    from sessiontui.config import Config
    from sessiontui.stores import find_stores

    if workspace_is_empty(root):
        populate(root, now=now, seed=0)
    found, errors = find_stores([root])
    return make_app(Config(paths=(root,)), found=found, clock=lambda: now, notes=errors)
