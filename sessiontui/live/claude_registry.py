"""Claude Code's process registry, `~/.claude/sessions/<pid>.json` (../shared/STORES.md 10.9):
one file per running `claude`, naming the session it holds. Third-party readers report it; it is
not documented by Anthropic, so it adds links and is never required."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sessiontui.live.processes import ProcessScan

REGISTRY_START_SLACK = 5.0  # seconds between a process's start and its registry's `startedAt`


def with_claude_registry(scan: ProcessScan, directories: Sequence[Path]) -> ProcessScan:
    """Add the links of Claude Code's `~/.claude/sessions/<pid>.json` files (STORES.md 10.9).

    A file counts only when its `pid` is a live agent process of this scan and, where it has a
    `startedAt` (epoch ms), that process started within a few seconds of it: a stale file left by
    a crash, or a PID since reused, links nothing.
    """
    added: dict[str, list[int]] = {}
    for directory in directories:
        try:
            files = list(directory.glob("*.json"))
        except OSError:
            continue
        for path in files:
            try:
                record = json.loads(path.read_bytes()[:65536])
            except (OSError, ValueError):
                continue
            if not isinstance(record, dict):
                continue
            pid, session_id, started = (
                record.get("pid"),
                record.get("sessionId"),
                record.get("startedAt"),
            )
            info = scan.processes.get(pid) if isinstance(pid, int) else None
            if info is None or not isinstance(session_id, str) or not session_id:
                continue
            if (
                isinstance(started, int | float)
                and abs(started / 1000 - info.started) > REGISTRY_START_SLACK
            ):
                continue
            added.setdefault(session_id, []).append(info.pid)
    if not added:
        return scan
    by_id = dict(scan.by_session_id)
    for session_id, pids in added.items():
        by_id[session_id] = tuple(dict.fromkeys([*by_id.get(session_id, ()), *pids]))
    return replace(scan, by_session_id=by_id)
