"""Codex CLI sessions (STORES.md 9): rollouts under a `CODEX_HOME` directory, read live.

    $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<thread id>.jsonl    live and past
    $CODEX_HOME/archived_sessions/rollout-*.jsonl                            archived
    $CODEX_HOME/session_index.jsonl            names: {id, thread_name, updated_at}, last wins

Codex appends to a rollout while its session runs; sessiontui only reads them here. What an
operator can do (rename, archive, delete) is in `sessiontui.actions.codex`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import JsonlTail
from sessiontui.model import CostSource, Message, RateLimits, Session, StoreFormat
from sessiontui.stores.base import ReadReport
from sessiontui.stores.codex_items import messages_from_rollout
from sessiontui.stores.codex_rollout import RolloutFollower, RolloutSummary
from sessiontui.stores.jsonl_dir import JsonlDirectoryStore
from sessiontui.stores.recognise import ARCHIVED_SESSIONS_SUBDIR, SESSION_INDEX, SESSIONS_SUBDIR


def is_rollout_name(name: str) -> bool:
    return name.startswith("rollout-") and name.endswith(".jsonl")


def default_codex_home() -> Path:
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex").expanduser()


class SessionIndex:
    """`session_index.jsonl` followed by offset: thread id -> its latest name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: dict[str, str] = {}
        self._tail = JsonlTail(path)

    def poll(self) -> set[str]:
        """Read appended entries; the thread ids whose name changed."""
        before = self.names
        try:
            result = self._tail.poll()
        except FileNotFoundError:
            self.names, self._tail = {}, JsonlTail(self.path)
            return set(before)
        if result is None:
            return set()
        names = {} if result.reset else dict(before)
        for record in result.records:
            thread_id, name = record.get("id"), record.get("thread_name")
            if isinstance(thread_id, str) and isinstance(name, str):
                names[thread_id] = name  # file order: the last entry for an id wins
        self.names = names
        return {key for key in names.keys() | before.keys() if names.get(key) != before.get(key)}


class CodexStore(JsonlDirectoryStore[RolloutFollower]):
    """A Codex home directory: its live and archived rollouts, named by its session index."""

    format = StoreFormat.CODEX

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.index = SessionIndex(self.path / SESSION_INDEX)

    def list_files(self) -> list[Path]:
        files: list[Path] = []
        sessions = self.path / SESSIONS_SUBDIR
        for root, dirs, names in os.walk(sessions):
            if len(Path(root).relative_to(sessions).parts) >= 3:  # YYYY/MM/DD
                dirs.clear()
            files.extend(Path(root, n) for n in names if is_rollout_name(n))
        for loose in (self.path / ARCHIVED_SESSIONS_SUBDIR, self.path):  # and rollouts copied aside
            try:
                files.extend(p for p in loose.iterdir() if is_rollout_name(p.name) and p.is_file())
            except OSError:
                pass
        return files

    def is_session_file(self, path: Path) -> bool:
        return is_rollout_name(path.name)

    def new_follower(self, path: Path) -> RolloutFollower:
        return RolloutFollower(path)

    def poll(self, follower: RolloutFollower) -> bool:
        return follower.poll()

    def corrupt_lines(self, follower: RolloutFollower) -> int:
        return follower.tail.corrupt_total

    def _refresh_sync(self, changed_paths: set[Path] | None) -> bool:
        renamed = self.index.poll()
        changed = super()._refresh_sync(changed_paths)
        if not renamed:
            return changed
        # Names live apart from the rollouts: the renamed sessions take theirs anew (the others
        # stay the same objects, so nothing else is classified again).
        followers = {
            path: follower
            for path, follower in self._followers.items()
            if (follower.summary.thread_id or thread_id_from_name(path.name)) in renamed
        }
        if followers:
            self._sessions.update(self.build_sessions(followers))
            self._snapshot = tuple(self._sessions.values())
        return changed or bool(followers)

    def build_sessions(self, followers: dict[Path, RolloutFollower]) -> dict[Path, Session]:
        return {path: self._session(path, follower.summary) for path, follower in followers.items()}

    def _session(self, path: Path, summary: RolloutSummary) -> Session:
        try:
            stat = os.stat(path)
            mtime: datetime | None = datetime.fromtimestamp(stat.st_mtime, UTC)
            version: tuple[object, ...] = (stat.st_size, mtime)
        except OSError:
            mtime, version = None, ()
        thread_id = summary.thread_id or thread_id_from_name(path.name)
        source = None
        if summary.calls:
            source = CostSource.UNKNOWN if summary.unpriced_calls else CostSource.COMPUTED
        archived = path.parent.name == ARCHIVED_SESSIONS_SUBDIR
        return Session(
            format=self.format,
            store=str(self.path),
            id=thread_id,
            name=self.index.names.get(thread_id) or summary.first_prompt or thread_id,
            created_at=summary.created_at or mtime,
            last_activity=summary.last_at or mtime,
            channel=summary.cwd,
            agent=f"codex {summary.source}" if summary.source else "codex",
            model=summary.model,
            message_count=summary.messages,
            turns=summary.turns,
            usage=summary.usage,
            cost_usd=summary.cost_usd if source == CostSource.COMPUTED else None,
            cost_source=source,
            native_state="running" if summary.turn_open and not archived else None,
            turn_started_at=summary.turn_started_at if summary.turn_open else None,
            archived=archived,
            last_message=summary.last_message,
            source_path=str(path),
            recent_calls=tuple(summary.recent_calls),
            daily_cost=tuple(sorted(summary.daily_cost.items())),
            version=version,
            extra=_details(summary),
            rate_limits=summary.limits(),
            approval_requested=summary.approval,
            turn_aborted=summary.aborted,
        )

    def record_messages(self, record: dict[str, Any]) -> list[Message]:
        return messages_from_rollout(record)

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        report = await super().refresh(changed_paths)
        return replace(report, note=self.store_note())

    def store_note(self) -> str:
        """The latest rate limits any of this home's rollouts reported, for the store line."""
        latest = max(
            (
                s.rate_limits
                for s in self._snapshot
                if s.rate_limits is not None and s.rate_limits.at
            ),
            key=lambda limits: limits.at,  # type: ignore[arg-type,return-value]
            default=None,
        )
        return "" if latest is None else describe_limits(latest)


def thread_id_from_name(name: str) -> str:
    """`rollout-2026-10-02T14-03-11-<uuid>.jsonl` -> the uuid (36 characters)."""
    stem = name.removesuffix(".jsonl")
    return stem[-36:] if len(stem) > len("rollout-") + 36 else stem


def _details(summary: RolloutSummary) -> tuple[tuple[str, str], ...]:
    details: list[tuple[str, str]] = []
    limits = summary.limits()
    if limits is not None:
        details.append(("rate limits", describe_limits(limits)))
    details.append(("reasoning tokens", f"{summary.reasoning_tokens:,}"))
    if summary.reported_total is not None:
        window = f" of {summary.context_window:,} context" if summary.context_window else ""
        details.append(("codex total", f"{summary.reported_total:,} tokens{window}"))
    codex = " ".join(
        part for part in (summary.originator, summary.cli_version, summary.source) if part
    )
    details.append(
        (
            "codex",
            f"{codex or '-'}  provider {summary.provider or '-'}  effort {summary.effort or '-'}",
        )
    )
    if summary.git_branch or summary.git_commit:
        details.append(("git", f"{summary.git_branch or '-'} @ {summary.git_commit or '-'}"))
    if summary.compactions:
        details.append(("compactions", str(summary.compactions)))
    return tuple(details)


def describe_limits(limits: RateLimits) -> str:
    """'5h 37% (resets 14:00 UTC) · weekly 12% (resets Oct 08) · plan pro'.

    A window of a day or less resets within a day: its time says enough; a longer one, its date.
    """
    parts: list[str] = []
    for window in (limits.primary, limits.secondary):
        if window is None:
            continue
        label = _window_label(window.window_minutes)
        short = window.window_minutes is not None and window.window_minutes <= 1440
        reset = (
            ""
            if window.resets_at is None
            else (
                f" (resets {window.resets_at:%H:%M} UTC)"
                if short
                else f" (resets {window.resets_at:%b %d})"
            )
        )
        parts.append(f"{label} {window.used_percent:.0f}%{reset}")
    if limits.plan:
        parts.append(f"plan {limits.plan}")
    return " · ".join(parts)


def _window_label(minutes: int | None) -> str:
    if minutes is None:
        return "window"
    if minutes == 10080:
        return "weekly"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
