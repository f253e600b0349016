"""Recognise stores by their content (tables and columns, file names, first lines), never by name.

A directory may hold several stores: each one found below it, to a bounded depth, is listed.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sessiontui.live.jsonl_tail import parse_line
from sessiontui.model import StoreFormat
from sessiontui.stores.base import StoreError
from sessiontui.stores.openclaw_legacy import is_openclaw_sessions_json, superseded
from sessiontui.stores.sqlite_read import is_sqlite_file, read_tables_sync

MAX_DEPTH = 4
MAX_DIRS = 5000
SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".cache", ".tox", ".mypy_cache"}
CLAUDE_TYPES = {"user", "assistant", "summary", "system", "ai-title", "queue-operation",
                "attachment", "file-history-snapshot", "progress"}
EXPECTED = ("expected a hermes-bot sessions.json or sessions.db, a ZeroClaw sessions directory or "
            "sessions.db, a Starpod core.db, a Hermes Agent state.db, an OpenClaw agent store, "
            "or a Claude Code projects directory")


@dataclass(frozen=True, slots=True)
class Found:
    format: StoreFormat
    path: Path


def sqlite_format(path: Path) -> StoreFormat | str:
    """The store format of a SQLite file, or the reason it is none."""
    try:
        tables = read_tables_sync(path)
    except sqlite3.Error as exc:
        return f"cannot read it as SQLite ({exc})"
    sessions = tables.get("sessions", set())
    metadata = tables.get("session_metadata", set())
    if "thread_ts" in sessions and "session_id" in sessions:
        return StoreFormat.HERMES_SQLITE
    if {"id", "source", "started_at"} <= sessions and "messages" in tables:
        return StoreFormat.HERMES_AGENT
    if "session_nodes" in tables and "session_windows" in tables:
        return StoreFormat.OPENCLAW
    if "session_key" in sessions and "session_key" in metadata:
        return StoreFormat.ZEROCLAW_SQLITE
    if {"id", "last_message_at"} <= metadata and "session_messages" in tables:
        return StoreFormat.STARPOD
    if "acp_sessions" in tables:
        return "a ZeroClaw ACP database (acp-sessions.db), which sessiontui does not read"
    return ("a SQLite database without the session tables of hermes-bot, ZeroClaw, Starpod, "
            "Hermes Agent or OpenClaw")


def jsonl_format(path: Path) -> StoreFormat | None:
    """ZeroClaw ({role, content}) or Claude Code (typed records) from a file's first lines."""
    try:
        with open(path, "rb") as handle:
            for _ in range(20):
                line = handle.readline()
                if not line:
                    break
                record = parse_line(line)
                if record is None:
                    continue
                if "sessionId" in record or record.get("type") in CLAUDE_TYPES:
                    return StoreFormat.CLAUDE_CODE
                if isinstance(record.get("role"), str) and "content" in record:
                    return StoreFormat.ZEROCLAW_JSONL
    except OSError:
        return None
    return None


def is_hermes_json(path: Path) -> bool:
    try:
        if path.stat().st_size > 64 * 1024 * 1024:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(data, dict):
        return False
    if not data:
        return path.name.startswith("sessions.json")
    return all(isinstance(v, dict) and "session_id" in v and "thread_ts" in v for v in data.values())


def _jsonl_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.name.endswith((".jsonl", ".jsonl.migrated")) and p.is_file())
    except OSError:
        return []


def _sniff_dir(directory: Path) -> StoreFormat | None:
    for file in _jsonl_files(directory)[:5]:
        fmt = jsonl_format(file)
        if fmt is not None:
            return fmt
    return None


def claude_root(directory: Path) -> Path | None:
    """The Claude Code projects root at `directory` (a config dir, `projects`, or one project)."""
    projects = directory / "projects"
    if directory.name != "projects" and projects.is_dir() and _has_claude_project(projects):
        return projects
    if directory.name == "projects" and _has_claude_project(directory):
        return directory
    return None


def _has_claude_project(projects: Path) -> bool:
    try:
        children = [c for c in projects.iterdir() if c.is_dir()]
    except OSError:
        return False
    return any(_sniff_dir(child) == StoreFormat.CLAUDE_CODE for child in children[:50])


def detect_file(path: Path) -> Found:
    if is_sqlite_file(path):
        fmt = sqlite_format(path)
        if isinstance(fmt, StoreFormat):
            return Found(fmt, path)
        raise StoreError(f"{path}: {fmt}; {EXPECTED}")
    if path.name.endswith((".jsonl", ".jsonl.migrated")):
        line_format = jsonl_format(path)
        if line_format is not None:
            return Found(line_format, path.parent)
        raise StoreError(f"{path}: no ZeroClaw or Claude Code records in its first lines; {EXPECTED}")
    if is_openclaw_sessions_json(path):
        return Found(StoreFormat.OPENCLAW_LEGACY, path)
    if is_hermes_json(path):
        return Found(StoreFormat.HERMES_JSON, path)
    raise StoreError(f"{path}: not a session store; {EXPECTED}")


def detect(path: Path, max_depth: int = MAX_DEPTH) -> list[Found]:
    """Every store at or below `path`. StoreError when there is none (one line, names the path)."""
    path = path.expanduser().resolve()
    if not path.exists():
        raise StoreError(f"{path}: no such file or directory")
    if path.is_file():
        return [detect_file(path)]
    found = _walk(path, max_depth)
    if not found:
        raise StoreError(f"{path}: no session store found within {max_depth} levels; {EXPECTED}")
    return found


def _walk(top: Path, max_depth: int) -> list[Found]:
    found: list[Found] = []
    queue: list[tuple[Path, int]] = [(top, 0)]
    visited = 0
    while queue and visited < MAX_DIRS:
        directory, depth = queue.pop(0)
        visited += 1
        root = claude_root(directory)
        if root is not None:
            found.append(Found(StoreFormat.CLAUDE_CODE, root))
            if root == directory:
                continue
        sniffed = _sniff_dir(directory)
        if sniffed is StoreFormat.CLAUDE_CODE and root is None:
            found.append(Found(StoreFormat.CLAUDE_CODE, directory))
            continue
        if sniffed is StoreFormat.ZEROCLAW_JSONL:
            found.append(Found(StoreFormat.ZEROCLAW_JSONL, directory))
        found.extend(_files_in(directory))
        if depth < max_depth:
            try:
                children = sorted(c for c in directory.iterdir() if c.is_dir() and not c.is_symlink())
            except OSError:
                continue
            queue.extend((c, depth + 1) for c in children if c.name not in SKIP_DIRS and c != root)
    return found


def _files_in(directory: Path) -> list[Found]:
    found: list[Found] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.is_file():
            continue
        if entry.name.endswith((".db", ".sqlite", ".sqlite3")) and is_sqlite_file(entry):
            fmt = sqlite_format(entry)
            if isinstance(fmt, StoreFormat):
                found.append(Found(fmt, entry))
        elif is_openclaw_sessions_json(entry):
            if not superseded(entry):  # the agent's SQLite store is the authority (STORES.md 8.1)
                found.append(Found(StoreFormat.OPENCLAW_LEGACY, entry))
        elif entry.name.endswith(".json") and is_hermes_json(entry):
            found.append(Found(StoreFormat.HERMES_JSON, entry))
    return found


def default_locations() -> list[Path]:
    """Where the bots keep their stores by default (STORES.md 1.1, 2.1, 3.1, 4.1)."""
    home = Path.home()
    cwd = Path.cwd()
    places = [cwd / "sessions.db", cwd / "sessions.json", Path("/var/lib/hermes/sessions.db")]
    for var, tail in (("ZEROCLAW_DATA_DIR", "sessions"), ("ZEROCLAW_WORKSPACE", "sessions")):
        if os.environ.get(var):
            places.append(Path(os.environ[var]).expanduser() / tail)
    config = Path(os.environ.get("ZEROCLAW_CONFIG_DIR", "") or home / ".zeroclaw").expanduser()
    places += [config / "data" / "sessions", config / "workspace" / "sessions"]
    places += [cwd / ".starpod" / "db" / "core.db", cwd / ".starpod" / "db" / "session.db"]
    places += sorted((cwd / ".instances").glob("*/.starpod/db/core.db"))
    hermes_home = Path(os.environ.get("HERMES_HOME", "") or home / ".hermes").expanduser()
    places += [hermes_home / "state.db", *sorted(hermes_home.glob("profiles/*/state.db"))]
    places += sorted((home / ".openclaw" / "agents").glob("*/agent/openclaw-agent.sqlite"))
    places += [p for p in sorted((home / ".openclaw" / "agents").glob("*/sessions/sessions.json")) if not superseded(p)]
    claude = os.environ.get("CLAUDE_CONFIG_DIR")
    if claude:
        places += [Path(p.strip()).expanduser() / "projects" for p in claude.split(",") if p.strip()]
    else:
        places += [home / ".claude" / "projects", home / ".config" / "claude" / "projects"]
    return list(dict.fromkeys(places))


def detect_defaults() -> tuple[list[Found], list[Path]]:
    """The stores in the default locations, and the places looked in."""
    places = default_locations()
    found: list[Found] = []
    for place in places:
        if place.exists():
            try:
                found.extend(detect(place, max_depth=1))
            except StoreError:
                continue
    return list(dict.fromkeys(found)), places
