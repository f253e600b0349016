"""hermes-bot rows (STORES.md 1), and the link from a row to its Claude Code transcript.

A row's `session_id` is the Claude Code session id; its transcript gives the row messages,
tokens and cost. It is looked for in the Claude Code trees being watched, then under
`$CLAUDE_CONFIG_DIR` (comma-separated) or `~/.claude` and `~/.config/claude`.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sessiontui.model import MessagePage, Session, StoreFormat
from sessiontui.stores.base import ReadReport
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import messages_from_record
from sessiontui.stores.jsonl_dir import read_after, read_page
from sessiontui.timestamps import parse_timestamp

PENDING_PREFIX = "pending-"
_RESCAN_SECONDS = 10.0


def default_claude_projects() -> list[Path]:
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    if configured:
        return [
            Path(p.strip()).expanduser() / "projects" for p in configured.split(",") if p.strip()
        ]
    home = Path.home()
    return [home / ".claude" / "projects", home / ".config" / "claude" / "projects"]


def encoded_dirs(repo_path: str) -> list[str]:
    """Project dir names for a cwd: hermes' own encoding, and Claude Code's wider one."""
    return list(
        dict.fromkeys([repo_path.replace("/", "-"), re.sub(r"[^a-zA-Z0-9]", "-", repo_path)])
    )


class ClaudeLinker:
    """Finds and follows the transcript behind each hermes-bot row."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.followers: dict[str, TranscriptFollower] = {}
        self._index: dict[str, Path] = {}
        self._indexed_at = 0.0

    def find(self, session_id: str, repo_path: str) -> Path | None:
        for root in self.roots:
            for name in encoded_dirs(repo_path):
                candidate = root / name / f"{session_id}.jsonl"
                if candidate.is_file():
                    return candidate
        if session_id not in self._index and time.monotonic() - self._indexed_at > _RESCAN_SECONDS:
            self._reindex()
        return self._index.get(session_id)

    def _reindex(self) -> None:
        self._indexed_at = time.monotonic()
        self._index = {}
        for root in self.roots:
            if root.is_dir():
                for project in root.iterdir():
                    if project.is_dir():
                        for file in project.glob("*.jsonl"):
                            self._index.setdefault(file.stem, file)

    def follow(self, session_id: str, repo_path: str) -> tuple[TranscriptFollower | None, bool]:
        """The follower of this session's transcript, and whether it read anything new."""
        if not session_id or session_id.startswith(PENDING_PREFIX):
            return None, False
        follower = self.followers.get(session_id)
        if follower is None:
            path = self.find(session_id, repo_path)
            if path is None:
                return None, False
            follower = self.followers[session_id] = TranscriptFollower(path)
        try:
            return follower, follower.poll()
        except FileNotFoundError:
            del self.followers[session_id]
            return None, True


def hermes_session(
    fmt: StoreFormat, store: Path, row: Mapping[str, Any], follower: TranscriptFollower | None
) -> Session:
    """One hermes-bot row (JSON entry or SQLite row), with its transcript's facts if found."""
    session_id = str(row.get("session_id") or "")
    summary = follower.summary if follower else None
    last_active = parse_timestamp(row.get("last_active"))
    activity = max(
        (t for t in (last_active, summary.last_at if summary else None) if t), default=None
    )
    repo = str(row.get("repo") or "")
    thread = str(row.get("thread_ts") or "")
    return Session(
        format=fmt,
        store=str(store),
        id=thread,
        name=(summary.title if summary and summary.title else f"{repo} {thread}".strip()),
        created_at=parse_timestamp(row.get("created_at")),
        last_activity=activity,
        channel=row.get("channel_id"),
        agent=row.get("agent_kind"),
        model=row.get("model") or (summary.model if summary else None),
        message_count=summary.messages if summary else 0,
        turns=int(row.get("total_turns") or 0),
        usage=summary.usage if summary else None,
        cost_usd=summary.cost if summary else None,
        cost_source=summary.cost_source if summary else None,
        native_state="error"
        if row.get("status") == "error"
        else str(row.get("status") or "active"),
        pending=session_id.startswith(PENDING_PREFIX),
        agent_id=session_id,  # the Claude Code child runs with --resume <session_id>
        last_message=summary.last_message if summary else None,
        source_path=str(follower.path) if follower else None,
        extra=(("session_id", session_id), ("repo_path", str(row.get("repo_path") or ""))),
        recent_calls=tuple(summary.recent_calls) if summary else (),
        version=(row.get("last_active"), row.get("total_turns"), session_id),
        daily_cost=tuple(sorted(summary.daily_cost.items())) if summary else (),
        models=tuple(summary.models.values()) if summary else (),
        stop_hook_blocks=summary.facts.stop_hook_blocks if summary else 0,
        stop_hook_reason=summary.facts.stop_hook_reason if summary else None,
    )


class HermesStore:
    """What both hermes-bot stores share: rows in, linked transcripts followed, sessions out."""

    format: StoreFormat

    def __init__(self, path: Path, claude_roots: list[Path] | None = None) -> None:
        self.path = path.resolve()
        self.linker = ClaudeLinker(
            claude_roots if claude_roots is not None else default_claude_projects()
        )
        self._rows: list[dict[str, Any]] = []
        self._snapshot: tuple[Session, ...] = ()
        self._loaded = False  # read once: an empty snapshot is then a real answer

    async def read_rows(self) -> list[dict[str, Any]] | None:
        """The store's rows, or None when nothing changed since the last read."""
        raise NotImplementedError

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        rows = await self.read_rows()
        if rows is not None:
            self._rows = rows
        transcripts_changed = await asyncio.to_thread(self._follow_all)
        if rows is None and not transcripts_changed and self._loaded:
            return ReadReport(self._snapshot, False)
        self._loaded = True
        self._snapshot = tuple(
            hermes_session(
                self.format, self.path, row, self.linker.followers.get(str(row.get("session_id")))
            )
            for row in self._rows
        )
        return ReadReport(self._snapshot, True)

    def _follow_all(self) -> bool:
        changed = False
        for row in self._rows:
            _, moved = self.linker.follow(
                str(row.get("session_id") or ""), str(row.get("repo_path") or "")
            )
            changed |= moved
        return changed

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        path = self._transcript(session)
        if path is None:
            return MessagePage((), None, 0)
        return await asyncio.to_thread(read_page, path, before, limit, messages_from_record)

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        path = self._transcript(session)
        if path is None:
            return MessagePage((), None, after)
        return await asyncio.to_thread(read_after, path, after, messages_from_record)

    def _transcript(self, session: Session) -> Path | None:
        return (
            Path(session.source_path)
            if session.source_path and os.path.isfile(session.source_path)
            else None
        )

    def watch_paths(self) -> list[Path]:
        return []

    async def close(self) -> None:
        self.linker.followers.clear()
