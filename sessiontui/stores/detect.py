"""Recognise stores by their content (tables and columns, file names, first lines), never by name.

A directory may hold several stores: each one found below it, to a bounded depth, is listed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sessiontui.live.jsonl_tail import head_records
from sessiontui.model import StoreFormat
from sessiontui.stores.base import StoreError
from sessiontui.stores.recognise import is_sqlite_file
from sessiontui.stores.registry import RECORDS, Layout, record_for, records_with

MAX_DEPTH = 4
MAX_DIRS = 5000
SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".cache", ".tox", ".mypy_cache"}
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
JSONL_SUFFIXES = (".jsonl", ".jsonl.migrated")


def _expected() -> str:
    kinds = [f"{record.bot} {record.layout.value} ({record.format})" for record in RECORDS]
    return "expected " + ", ".join(kinds)


@dataclass(frozen=True, slots=True)
class Found:
    format: StoreFormat
    path: Path


def sqlite_format(path: Path) -> StoreFormat | str:
    """The store format of a SQLite file, or the reason it is none."""
    import sqlite3  # (with aiosqlite: only where a SQLite file is found)

    from sessiontui.stores.sqlite_read import explain, read_tables_sync

    try:
        tables = read_tables_sync(path)
    except sqlite3.Error as exc:
        return f"cannot read it as SQLite ({explain(path, exc).removeprefix(f'{path}: ')})"
    for record in records_with(Layout.SQLITE_FILE):
        assert record.sqlite_tables is not None
        if record.sqlite_tables(tables):
            return record.format
    if "acp_sessions" in tables:
        return "a ZeroClaw ACP database (acp-sessions.db), which sessiontui does not read"
    return "a SQLite database without the session tables of any bot sessiontui reads"


def jsonl_format(path: Path) -> StoreFormat | None:
    """The format whose records a JSONL file's first lines are (transcript trees checked first)."""
    records = [*records_with(Layout.JSONL_TREE), *records_with(Layout.JSONL_DIRECTORY)]
    try:
        for parsed in head_records(path):
            for record in records:
                assert record.jsonl_record is not None
                if record.jsonl_record(parsed):
                    return record.format
    except OSError:
        return None
    return None


def json_format(path: Path) -> StoreFormat | None:
    for record in records_with(Layout.JSON_FILE):
        assert record.json_file is not None
        if record.json_file(path):
            return record.format
    return None


def _jsonl_files(directory: Path) -> list[Path]:
    try:
        return sorted(
            p for p in directory.iterdir() if p.name.endswith(JSONL_SUFFIXES) and p.is_file()
        )
    except OSError:
        return []


def _sniff_dir(directory: Path) -> StoreFormat | None:
    for file in _jsonl_files(directory)[:5]:
        fmt = jsonl_format(file)
        if fmt is not None:
            return fmt
    return None


def _tree_root(directory: Path) -> Found | None:
    for record in records_with(Layout.JSONL_TREE):
        assert record.tree_root is not None
        root = record.tree_root(directory)
        if root is not None:
            return Found(record.format, root)
    return None


def _layout(fmt: StoreFormat) -> Layout | None:
    record = record_for(fmt)
    return None if record is None else record.layout


def _denied(path: Path) -> StoreError:
    return StoreError(f"{path}: permission denied; run as the bot's user")


def detect_file(path: Path) -> Found:
    if not os.access(path, os.R_OK):
        raise _denied(path)  # never "not a session store": we could not look
    if is_sqlite_file(path):
        fmt = sqlite_format(path)
        if isinstance(fmt, StoreFormat):
            return Found(fmt, path)
        raise StoreError(f"{path}: {fmt}; {_expected()}")
    if path.name.endswith(JSONL_SUFFIXES):
        line_format = jsonl_format(path)
        tree = _tree_root(path.parent) if line_format is not None else None
        if tree is not None and tree.format == line_format:  # a file inside a tree: the whole tree
            return tree
        if line_format is not None:
            return Found(line_format, path.parent)
        bots = " or ".join(
            r.bot for r in RECORDS if r.layout in (Layout.JSONL_DIRECTORY, Layout.JSONL_TREE)
        )
        raise StoreError(f"{path}: no {bots} records in its first lines; {_expected()}")
    json_fmt = json_format(path)
    if json_fmt is not None:
        return Found(json_fmt, path)
    raise StoreError(f"{path}: not a session store; {_expected()}")


def detect(
    path: Path, max_depth: int = MAX_DEPTH, problems: list[str] | None = None
) -> list[Found]:
    """Every store at or below `path`. StoreError when there is none (one line, names the path);
    a directory below it that cannot be read is one line in `problems`, and the rest load."""
    path = path.expanduser().resolve()
    try:
        if not path.exists():
            raise StoreError(f"{path}: no such file or directory")
        if path.is_file():
            return [detect_file(path)]
    except PermissionError as exc:
        raise _denied(path) from exc
    unreadable: list[str] = []
    found = _walk(path, max_depth, unreadable)
    if problems is not None:
        problems.extend(unreadable)
    if not found and unreadable and problems is None:
        raise StoreError(unreadable[0])
    if not found and unreadable:
        return []
    if not found:
        raise StoreError(f"{path}: no session store found within {max_depth} levels; {_expected()}")
    return found


def _walk(top: Path, max_depth: int, unreadable: list[str] | None = None) -> list[Found]:
    found: list[Found] = []
    queue: list[tuple[Path, int]] = [(top, 0)]
    visited = 0
    while queue and visited < MAX_DIRS:
        directory, depth = queue.pop(0)
        visited += 1
        if not os.access(directory, os.R_OK | os.X_OK):
            if unreadable is not None:
                unreadable.append(str(_denied(directory)))
            continue
        try:
            tree = _tree_root(directory)
        except PermissionError:
            if unreadable is not None:
                unreadable.append(str(_denied(directory)))
            continue
        root = tree.path if tree is not None else None
        if tree is not None:
            if tree not in found:  # met again below a tree's root (Codex: sessions/YYYY/MM/DD)
                found.append(tree)
            if root == directory:
                continue
        sniffed = _sniff_dir(directory)
        layout = None if sniffed is None else _layout(sniffed)
        if sniffed is not None and layout is Layout.JSONL_TREE and root is None:
            found.append(Found(sniffed, directory))  # one project directory of a tree
            continue
        if sniffed is not None and layout is Layout.JSONL_DIRECTORY:
            found.append(Found(sniffed, directory))
        found.extend(_files_in(directory))
        if depth < max_depth:
            try:
                children = sorted(
                    c for c in directory.iterdir() if c.is_dir() and not c.is_symlink()
                )
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
        if entry.name.endswith(SQLITE_SUFFIXES) and is_sqlite_file(entry):
            fmt = sqlite_format(entry)
            if isinstance(fmt, StoreFormat):
                found.append(Found(fmt, entry))
        elif entry.name.endswith(".json"):
            json_fmt = json_format(entry)
            if json_fmt is not None:
                found.append(Found(json_fmt, entry))
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
    agents = home / ".openclaw" / "agents"
    places += sorted(agents.glob("*/agent/openclaw-agent.sqlite")) + sorted(
        agents.glob("*/sessions/sessions.json")
    )
    places.append(Path(os.environ.get("CODEX_HOME") or home / ".codex").expanduser())
    claude = os.environ.get("CLAUDE_CONFIG_DIR")
    if claude:
        places += [
            Path(p.strip()).expanduser() / "projects" for p in claude.split(",") if p.strip()
        ]
    else:
        places += [home / ".claude" / "projects", home / ".config" / "claude" / "projects"]
    return list(dict.fromkeys(places))


def detect_defaults() -> tuple[list[Found], list[Path]]:
    """The stores in the default locations, and the places looked in."""
    places = default_locations()
    found: list[Found] = []
    for place in places:
        try:
            if place.exists():
                found.extend(detect(place, max_depth=1))
        except (
            StoreError,
            PermissionError,
        ):  # another user's directory on the way: not ours to read
            continue
    return list(dict.fromkeys(found)), places
