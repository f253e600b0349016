"""Claude Code transcripts (STORES.md 4.1): `<projects>/<encoded cwd>/<sessionId>.jsonl`.

Read-only by nature: Claude Code appends to these files while it runs. Subagent transcripts
(`<sessionId>/subagents/agent-*.jsonl`, or older `agent-*.jsonl` sidechains) are not sessions
of their own: their tokens and cost are added to the session that started them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import parse_line
from sessiontui.model import CostSource, Message, Session, StoreFormat, Usage
from sessiontui.stores.claude_transcript import (
    RECENT_CALLS,
    TranscriptFollower,
    messages_from_record,
)
from sessiontui.stores.jsonl_dir import JsonlDirectoryStore

RECORD_TYPES = frozenset({"user", "assistant", "summary", "system", "ai-title", "queue-operation",
                          "attachment", "file-history-snapshot", "progress"})


def is_claude_record(record: dict[str, Any]) -> bool:
    """A Claude Code transcript line (every line carries a sessionId or a known type)."""
    return "sessionId" in record or record.get("type") in RECORD_TYPES


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
            with open(file, "rb") as handle:
                for line in handle.readlines(64 * 1024)[:20]:
                    record = parse_line(line)
                    if record is not None and is_claude_record(record):
                        return True
        except OSError:
            continue
    return False


def is_subagent_file(path: Path) -> bool:
    return path.name.startswith("agent-") or path.parent.name == "subagents"


class ClaudeCodeStore(JsonlDirectoryStore[TranscriptFollower]):
    """A `projects` directory (or one project directory) of Claude Code transcripts."""

    format = StoreFormat.CLAUDE_CODE

    def list_files(self) -> list[Path]:
        files: list[Path] = []
        for root, dirs, names in os.walk(self.path):
            depth = len(Path(root).relative_to(self.path).parts)
            if depth >= 4:
                dirs.clear()
            files.extend(Path(root, n) for n in names if n.endswith(".jsonl"))
        return files

    def is_session_file(self, path: Path) -> bool:
        return path.suffix == ".jsonl"

    def new_follower(self, path: Path) -> TranscriptFollower:
        return TranscriptFollower(path)

    def poll(self, follower: TranscriptFollower) -> bool:
        return follower.poll()

    def corrupt_lines(self, follower: TranscriptFollower) -> int:
        return follower.tail.corrupt_total

    def build_sessions(self, followers: dict[Path, TranscriptFollower]) -> dict[Path, Session]:
        # Subagent usage rolls into its parent, so a changed subagent file rebuilds the parent.
        parents = {p for p in followers if not is_subagent_file(p)}
        for path, follower in followers.items():
            if is_subagent_file(path):
                parent = self._parent_file(path, follower)
                if parent is not None:
                    parents.add(parent)
        children: dict[Path, list[TranscriptFollower]] = {}
        for path, follower in self._followers.items():
            if is_subagent_file(path):
                parent = self._parent_file(path, follower)
                if parent is not None:
                    children.setdefault(parent, []).append(follower)
        return {
            path: self._session(path, self._followers[path], children.get(path, []))
            for path in parents
            if path in self._followers
        }

    def _parent_file(self, path: Path, follower: TranscriptFollower) -> Path | None:
        if path.parent.name == "subagents":  # <project>/<sessionId>/subagents/agent-x.jsonl
            return path.parent.parent.with_suffix(".jsonl")
        session_id = follower.summary.session_id  # older <project>/agent-x.jsonl sidechains
        return path.with_name(f"{session_id}.jsonl") if session_id else None

    def _session(
        self, path: Path, follower: TranscriptFollower, children: list[TranscriptFollower]
    ) -> Session:
        summary = follower.summary
        usage, cost, calls, unpriced = summary.usage, summary.cost_usd, summary.calls, summary.unpriced_calls
        recent = list(summary.recent_calls)
        daily = dict(summary.daily_cost)
        for child in children:
            usage = usage + child.summary.usage
            cost += child.summary.cost_usd
            calls += child.summary.calls
            unpriced += child.summary.unpriced_calls
            recent += child.summary.recent_calls
            for day, dollars in child.summary.daily_cost.items():
                daily[day] = daily.get(day, 0.0) + dollars
        if children:
            recent.sort(key=lambda call: call.at.timestamp() if call.at else 0.0)
        source = None if calls == 0 else (CostSource.UNKNOWN if unpriced else CostSource.COMPUTED)
        mtime = datetime.fromtimestamp(os.stat(path).st_mtime, UTC) if path.exists() else None
        return Session(
            format=self.format,
            store=str(self.path),
            id=path.stem,
            name=summary.title or summary.first_prompt or path.stem,
            created_at=summary.created_at or mtime,
            last_activity=summary.last_at or mtime,
            channel=summary.cwd,
            model=summary.model,
            message_count=summary.messages,
            turns=summary.turns,
            usage=usage if calls else Usage(),
            cost_usd=cost if source == CostSource.COMPUTED else None,
            cost_source=source,
            last_message=summary.last_message,
            source_path=str(path),
            extra=(("project", path.parent.name), ("subagents", str(len(children)))),
            recent_calls=tuple(recent[-RECENT_CALLS:]),
            daily_cost=tuple(sorted(daily.items())),
        )

    def record_messages(self, record: dict[str, Any]) -> list[Message]:
        return messages_from_record(record)
