"""What each file-based format's files look like: the cheap tests detection runs.

The registry's records name these (SQLite formats are recognised there, by their tables). They
live apart from the adapters so that finding a store imports no adapter: a format's adapter
module is imported only when a store of that format is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import head_records
from sessiontui.stores.json_map import small_json_map

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    """Whether the file begins as every SQLite database does (its tables say which bot's)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


# Claude Code (STORES.md 4.1): `<projects>/<encoded cwd>/<sessionId>.jsonl`
CLAUDE_RECORD_TYPES = frozenset(
    {
        "user",
        "assistant",
        "summary",
        "system",
        "ai-title",
        "queue-operation",
        "attachment",
        "file-history-snapshot",
        "progress",
    }
)


def is_claude_record(record: dict[str, Any]) -> bool:
    """A Claude Code transcript line (every line carries a sessionId or a known type)."""
    return "sessionId" in record or record.get("type") in CLAUDE_RECORD_TYPES


def claude_root(directory: Path) -> Path | None:
    """The Claude Code projects root at `directory` (a config dir or `projects`), if it is one."""
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
    return any(_holds_transcripts(child) for child in children[:50])


def _holds_transcripts(directory: Path) -> bool:
    try:
        files = sorted(p for p in directory.iterdir() if p.name.endswith(".jsonl") and p.is_file())
    except OSError:
        return False
    for file in files[:5]:
        try:
            if any(is_claude_record(record) for record in head_records(file)):
                return True
        except OSError:
            continue
    return False


# Codex (STORES.md 9): `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`, `archived_sessions/`
SESSIONS_SUBDIR = "sessions"
ARCHIVED_SESSIONS_SUBDIR = "archived_sessions"
SESSION_INDEX = "session_index.jsonl"
CODEX_RECORD_TYPES = frozenset(
    {"session_meta", "response_item", "turn_context", "event_msg", "compacted"}
)


def is_codex_record(record: dict[str, Any]) -> bool:
    """A rollout line: `{"timestamp", "type", "payload"}` with a rollout item type."""
    return record.get("type") in CODEX_RECORD_TYPES and isinstance(record.get("payload"), dict)


def codex_root(directory: Path) -> Path | None:
    """The Codex home at `directory`, or the one whose `sessions/` tree `directory` is in."""
    if _is_codex_home(directory):
        return directory
    here = directory
    for _ in range(4):  # sessions/YYYY/MM/DD
        if here.name in (SESSIONS_SUBDIR, ARCHIVED_SESSIONS_SUBDIR) and _is_codex_home(here.parent):
            return here.parent
        here = here.parent
    return None


def _is_codex_home(home: Path) -> bool:
    sessions = home / SESSIONS_SUBDIR
    archived = home / ARCHIVED_SESSIONS_SUBDIR
    has_sessions = sessions.is_dir()
    if not has_sessions and not archived.is_dir():
        return False  # neither tree: no rollout to look for (detection asks every directory)
    if has_sessions and (home / SESSION_INDEX).is_file():
        return True
    for pattern in (
        f"{SESSIONS_SUBDIR}/*/*/*/rollout-*.jsonl",
        f"{ARCHIVED_SESSIONS_SUBDIR}/rollout-*.jsonl",
    ):
        if next(iter(home.glob(pattern)), None) is not None:
            return True
    return has_sessions and archived.is_dir()


# hermes-bot 0.1.x (STORES.md 3): one `sessions.json` map
def is_hermes_json(path: Path) -> bool:
    """A `sessions.json`: one map of thread_ts -> {session_id, thread_ts, ...} (or empty)."""
    data = small_json_map(path)
    if data is None:
        return False
    if not data:
        return path.name.startswith("sessions.json")
    return all(
        isinstance(v, dict) and "session_id" in v and "thread_ts" in v for v in data.values()
    )


# OpenClaw before its SQLite store (STORES.md 8): `agents/<id>/sessions/sessions.json`
def is_openclaw_sessions_json(path: Path) -> bool:
    """A `sessions.json` whose entries are OpenClaw SessionEntry objects."""
    if path.name != "sessions.json":
        return False
    data = small_json_map(path)
    if not data:
        return False
    return all(isinstance(v, dict) and "sessionId" in v and "updatedAt" in v for v in data.values())


def superseded(path: Path) -> bool:
    """True when the agent's SQLite store exists: it is the authority, these files are leftovers."""
    return (path.parent.parent / "agent" / "openclaw-agent.sqlite").exists()
