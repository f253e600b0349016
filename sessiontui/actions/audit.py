"""The audit log: one JSON line per action, who did it from where, what it looked like before."""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sessiontui.config import state_dir as default_state_dir
from sessiontui.text import one_line


def audit_path(state_dir: Path | None = None) -> Path:
    return (state_dir or default_state_dir()) / "audit.jsonl"


def append_audit(*, action: str, fmt: str, store: str, session: str | None, before: Any,
                 ok: bool, message: str, state_dir: Path | None = None) -> None:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    record = {
        "time": datetime.now(UTC).isoformat(), "user": user,
        "ssh_connection": os.environ.get("SSH_CONNECTION"), "action": action, "format": fmt,
        "store": store, "session": session, "before": before,
        "result": "ok" if ok else "refused", "message": message,
    }
    path = audit_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def read_audit(state_dir: Path | None = None) -> list[dict[str, Any]]:
    path = audit_path(state_dir)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def write_audit_table(records: list[dict[str, Any]], out: TextIO) -> None:
    for r in records:
        if not isinstance(r, dict):
            continue
        ssh = str(r.get("ssh_connection") or "").split()
        where = f" from {ssh[0]}" if ssh else ""
        out.write(one_line(f"{str(r.get('time', '?'))[:19]}  {r.get('user', '?')}{where}  {r.get('action', '?'):<11} "
                           f"{r.get('result', '?'):<8} {r.get('format', '?')}  {r.get('session') or '-'}  "
                           f"{r.get('message', '')}") + "\n")
