"""The audit log: one JSON line per action, who did it from where, what it looked like before.

A destructive action writes two lines around the store write: `started` (fsynced before the
store is touched; if it cannot be written, nothing is deleted) and then its result. Lines are
ASCII JSON, so no name or text can make the file invalid UTF-8. The file is 0600.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sessiontui.config import state_dir as default_state_dir
from sessiontui.private_files import open_private, private_dir
from sessiontui.text import one_line


@dataclass(frozen=True, slots=True)
class DamagedLine:
    """An audit line that is not a JSON object (or the log cannot be read at all: line 0)."""

    line: int
    reason: str


def audit_path(state_dir: Path | None = None) -> Path:
    return (state_dir or default_state_dir()) / "audit.jsonl"


def append_audit(
    *,
    action: str,
    fmt: str,
    store: str,
    session: str | None,
    before: Any,
    ok: bool,
    message: str,
    state_dir: Path | None = None,
    result: str | None = None,
    trash: str | None = None,
) -> None:
    """Append one line and fsync it; raises OSError when it cannot be written."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    record = {
        "time": datetime.now(UTC).isoformat(),
        "user": user,
        "ssh_connection": os.environ.get("SSH_CONNECTION"),
        "action": action,
        "format": fmt,
        "store": store,
        "session": session,
        "before": before,
        "result": result or ("ok" if ok else "refused"),
        "message": message,
    }
    if trash is not None:
        record["trash"] = trash
    path = audit_path(state_dir)
    private_dir(path.parent)
    line = (json.dumps(record, ensure_ascii=True, default=str) + "\n").encode("ascii")
    handle = open_private(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        written = os.write(handle, line)
        if written != len(line):
            raise OSError(f"short write to the audit log ({written} of {len(line)} bytes)")
        os.fsync(handle)
    finally:
        os.close(handle)


def read_audit_log(state_dir: Path | None = None) -> tuple[list[dict[str, Any]], list[DamagedLine]]:
    """The good records and the lines that are not, by line number (never raises)."""
    path = audit_path(state_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [DamagedLine(0, f"{path}: {exc.strerror or exc}")]
    records: list[dict[str, Any]] = []
    damaged: list[DamagedLine] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8", errors="surrogateescape"))
        except (ValueError, RecursionError) as exc:
            damaged.append(DamagedLine(number, f"not JSON ({type(exc).__name__})"))
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            damaged.append(DamagedLine(number, f"a JSON {type(record).__name__}, not an object"))
    return records, damaged


def read_audit(state_dir: Path | None = None) -> list[dict[str, Any]]:
    return read_audit_log(state_dir)[0]


def write_audit_table(records: list[dict[str, Any]], out: TextIO) -> None:
    for r in records:
        if not isinstance(r, dict):
            continue
        ssh = str(r.get("ssh_connection") or "").split()
        where = f" from {ssh[0]}" if ssh else ""
        out.write(
            one_line(
                f"{str(r.get('time', '?'))[:19]}  {r.get('user', '?')}{where}  {r.get('action', '?')!s:<11} "
                f"{r.get('result', '?')!s:<8} {r.get('format', '?')}  {r.get('session') or '-'}  "
                f"{r.get('message', '')}"
            )
            + "\n"
        )
