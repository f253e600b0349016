"""Claude Code transcripts (STORES.md 4.1): `<projects>/<encoded cwd>/<sessionId>.jsonl`.

Read-only by nature: Claude Code appends to these files while it runs. Subagent transcripts
(`<sessionId>/subagents/agent-*.jsonl`, or older `agent-*.jsonl` sidechains) are not sessions
of their own: their tokens and cost are added to the session that started them, unless that
session's file is missing (STORES.md 10.8): then the subagent is listed alone, "parent missing".
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.live.jsonl_tail import parse_line, read_lines_backwards
from sessiontui.model import CostSource, Message, Session, StoreFormat, Usage
from sessiontui.money import dollars
from sessiontui.stores.base import ReadReport
from sessiontui.stores.claude_background import BACKGROUND_MIN_BYTES, BackgroundCount
from sessiontui.stores.claude_follower import TranscriptFollower
from sessiontui.stores.claude_transcript import (
    RECENT_CALLS,
    TranscriptSummary,
    messages_from_record,
)
from sessiontui.stores.jsonl_dir import JsonlDirectoryStore
from sessiontui.stores.transcript_cache import TranscriptCache

log = logging.getLogger(__name__)

CACHE_SAVE_SECONDS = 60.0  # while running, the transcript cache is written at most this often
_READ_STEP = 4 << 20  # bytes per read between two looks at the clock
_TAIL_LINES = 40  # lines read from a counting transcript's end: its last activity and message


def is_subagent_file(path: Path) -> bool:
    return path.name.startswith("agent-") or path.parent.name == "subagents"


class ClaudeCodeStore(JsonlDirectoryStore[TranscriptFollower]):
    """A `projects` directory (or one project directory) of Claude Code transcripts."""

    format = StoreFormat.CLAUDE_CODE

    def __init__(self, path: Path, cache: TranscriptCache | None = None) -> None:
        super().__init__(path)
        self.cache = cache
        self._cache_dirty = False
        self._cache_saved_at: float | None = None
        # None: every refresh reads each file to its end (snapshot). A number: a file is read for
        # at most that long per refresh; one left unfinished is listed from its head and tail,
        # marked counting, and read on in the next refreshes (the app sets this).
        self.read_seconds: float | None = None
        self._counting: dict[Path, TranscriptSummary] = {}  # unfinished file -> its tail's summary
        self._background = BackgroundCount()  # big files counted in worker processes (the app)

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        if changed_paths is not None and self._counting:
            changed_paths = changed_paths | set(self._counting)
        report = await super().refresh(changed_paths)
        gone = [p for p in self._counting if p not in self._followers]
        for path in gone:  # a counting file that vanished
            del self._counting[path]
            self._background.forget(path)
        if gone:  # ending the workers waits for them: not on the event loop
            await asyncio.to_thread(self._background.stop_if_idle)
        due = (
            self._cache_saved_at is None
            or time.monotonic() - self._cache_saved_at > CACHE_SAVE_SECONDS
        )
        if self.cache is not None and self._cache_dirty and due:
            await self._save_cache()
        return report

    async def close(self) -> None:
        if self._background.running:  # ending the workers waits for them: not on the event loop
            await asyncio.to_thread(self._background.stop)
        if self._cache_dirty:
            await self._save_cache()
        await super().close()

    async def _save_cache(self) -> None:
        if self.cache is None:
            return
        async with self._lock:
            await asyncio.to_thread(self.cache.save, dict(self._followers))
        self._cache_dirty = False
        self._cache_saved_at = time.monotonic()

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
        follower = TranscriptFollower(path)
        if self.cache is not None:
            self.cache.restore(follower)
        return follower

    def poll(self, follower: TranscriptFollower) -> bool:
        changed = self._poll(follower)
        self._cache_dirty |= changed and not follower.counting and follower.read_anything
        return changed

    def _poll(self, follower: TranscriptFollower) -> bool:
        if self.read_seconds is None:
            return follower.poll()
        path = follower.path
        if path in self._background:
            done, read = self._background.take(path)
            if not done:  # still counted aside: only its tail is looked at again
                return self._look_at_tail(path)
            # the count, or on a failure the file read again here from its start
            follower.take(read or TranscriptFollower(path))
            self._cache_dirty = True
        elif follower.tail.offset == 0 and os.path.getsize(path) > BACKGROUND_MIN_BYTES:
            # The head only, for the listing (name, start, directory), unpriced: a worker
            # process counts and prices the whole file.
            follower.poll(_READ_STEP, priced=False)
            if follower.counting and self._background.start(path):
                self._look_at_tail(path)
                return True
            follower.take(TranscriptFollower(path))  # no worker: counted here, from the start
        deadline = time.monotonic() + self.read_seconds
        changed = follower.poll(_READ_STEP)
        while follower.counting and time.monotonic() < deadline:
            follower.poll(_READ_STEP)
        if follower.counting:
            self._counting[path] = tail_summary(path)
        else:
            self._counting.pop(path, None)
        return changed

    def _look_at_tail(self, path: Path) -> bool:
        """The last lines of a file still being counted; True when they changed."""
        tail = tail_summary(path)
        before = self._counting.get(path)
        self._counting[path] = tail
        return before is None or (before.last_at, before.last_message) != (
            tail.last_at,
            tail.last_message,
        )

    def corrupt_lines(self, follower: TranscriptFollower) -> int:
        return follower.tail.corrupt_total

    def build_sessions(self, followers: dict[Path, TranscriptFollower]) -> dict[Path, Session]:
        # Subagent usage rolls into its parent, so a changed subagent file rebuilds the parent.
        # A subagent whose parent file is missing is a session of its own ("parent missing").
        parents = {p for p in followers if not is_subagent_file(p)}
        children: dict[Path, list[tuple[Path, TranscriptFollower]]] = {}
        orphans: set[Path] = set()
        for path, follower in self._followers.items():
            if not is_subagent_file(path):
                continue
            parent = self._parent_file(path, follower)
            if parent is not None and parent in self._followers:
                children.setdefault(parent, []).append((path, follower))
                if path in followers:
                    parents.add(parent)
                self._sessions.pop(path, None)  # no longer an orphan
            elif path in followers or path not in self._sessions:  # new, or its parent vanished
                orphans.add(path)
        built = {
            path: self._session(path, self._followers[path], children.get(path, []))
            for path in parents
            if path in self._followers
        }
        for path in orphans:
            built[path] = self._orphan(path, self._followers[path])
        return built

    def _parent_file(self, path: Path, follower: TranscriptFollower) -> Path | None:
        if path.parent.name == "subagents":  # <project>/<sessionId>/subagents/agent-x.jsonl
            return path.parent.parent.with_suffix(".jsonl")
        session_id = follower.summary.session_id  # older <project>/agent-x.jsonl sidechains
        return path.with_name(f"{session_id}.jsonl") if session_id else None

    def _session(
        self,
        path: Path,
        follower: TranscriptFollower,
        children: list[tuple[Path, TranscriptFollower]],
    ) -> Session:
        summary = follower.summary
        usage, cost, calls, unpriced = (
            summary.usage,
            summary.cost_usd,
            summary.calls,
            summary.unpriced_calls,
        )
        recent = list(summary.recent_calls)
        daily = dict(summary.daily_cost)
        models = dict(summary.models)
        subagents: list[tuple[str, str]] = []
        for child_path, child in children:
            usage = usage + child.summary.usage
            cost += child.summary.cost_usd
            calls += child.summary.calls
            unpriced += child.summary.unpriced_calls
            recent += child.summary.recent_calls
            for day, spent_that_day in child.summary.daily_cost.items():
                daily[day] = daily.get(day, 0.0) + spent_that_day
            for name, spend in child.summary.models.items():
                models[name] = models[name] + spend if name in models else spend
            subagents.append(_subagent_line(child_path, child, summary.facts.agent_types))
        if children:
            recent.sort(key=lambda call: call.at.timestamp() if call.at else 0.0)
        source = None if calls == 0 else (CostSource.UNKNOWN if unpriced else CostSource.COMPUTED)
        mtime = datetime.fromtimestamp(os.stat(path).st_mtime, UTC) if path.exists() else None
        extra = (
            ("project", path.parent.name),
            ("subagents", str(len(children))),
            *facts_extra(summary),
            *sorted(subagents),
        )
        session = Session(
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
            extra=extra,
            recent_calls=tuple(recent[-RECENT_CALLS:]),
            daily_cost=tuple(sorted(daily.items())),
            models=tuple(sorted(models.values(), key=lambda m: -m.cost_usd)),
            stop_hook_blocks=summary.facts.stop_hook_blocks,
            stop_hook_reason=summary.facts.stop_hook_reason,
        )
        tail = self._counting.get(path)
        if tail is None:
            return session
        return replace(  # listed from its head and its tail while the middle is still counted
            session,
            last_activity=tail.last_at or session.last_activity,
            model=tail.model or session.model,
            last_message=tail.last_message or session.last_message,
            usage=None,
            cost_usd=None,
            cost_source=None,
            recent_calls=(),
            daily_cost=(),
            models=(),
            counting=min(follower.tail.offset / max(follower.tail.size, 1), 0.99),
        )

    def _orphan(self, path: Path, follower: TranscriptFollower) -> Session:
        """A subagent file whose parent transcript is gone: listed on its own so its spend counts."""
        session = self._session(path, follower, [])
        agent = follower.summary.facts.agent_id or path.stem.removeprefix("agent-")
        parent = follower.summary.session_id or path.parent.parent.name
        return replace(
            session,
            name=f"subagent {agent} (parent missing)",
            agent=agent,
            turns=0,
            extra=(("parent", f"missing: {parent}"), *session.extra),
        )

    def record_messages(self, record: dict[str, Any]) -> list[Message]:
        return messages_from_record(record)


def facts_extra(summary: TranscriptSummary) -> list[tuple[str, str]]:
    """What the detail view lists of a transcript beyond its messages, as (label, value)."""
    facts = summary.facts
    out: list[tuple[str, str]] = []
    claude = " ".join(
        p
        for p in (
            facts.version and f"v{facts.version}",
            facts.git_branch and f"branch {facts.git_branch}",
            facts.permission_mode and f"mode {facts.permission_mode}",
        )
        if p
    )
    if claude:
        out.append(("claude code", claude))
    last = summary.last_message
    if last is not None and last.ended_by_user:
        out.append(("note", "interrupted by user"))
    if facts.turn_durations:
        took = (
            f"last {_seconds(facts.last_turn_ms or 0)}, longest {_seconds(facts.longest_turn_ms)}"
            f" ({facts.turn_durations} timed)"
        )
        out.append(("turns took", took))
    if facts.compactions:
        out.append(("compactions", f"{facts.compactions} (last: {facts.last_compaction or '?'})"))
    if facts.stop_hook_blocks or facts.stop_hook_errors:
        hook = (
            f"blocked {facts.stop_hook_blocks} since the last prompt, {facts.stop_hook_errors}"
            f" errors: {facts.stop_hook_reason or '-'}"
        )
        out.append(("stop hook", hook))
    if facts.progress:
        out.append(("in progress", facts.progress))
    if facts.queued:
        out.append(("queued", f"{len(facts.queued)} waiting: {facts.queued[0]}"))
    if facts.api_errors:
        out.append(("api errors", str(facts.api_errors)))
    return out


def _subagent_line(
    path: Path, child: TranscriptFollower, agent_types: dict[str, str]
) -> tuple[str, str]:
    summary = child.summary
    agent = summary.facts.agent_id or path.stem.removeprefix("agent-")
    cost = summary.cost
    price = "unknown" if cost is None and summary.calls else dollars(cost or 0.0)
    kind = agent_types.get(agent) or ("compaction" if agent.startswith("acompact") else "?")
    return (f"subagent {agent}", f"{kind}  {summary.model or '-'}  {summary.calls} calls  {price}")


def _seconds(ms: int) -> str:
    seconds = ms // 1000
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def tail_summary(path: Path) -> TranscriptSummary:
    """A summary of a transcript's last lines only: its last activity, model and message, shown
    while the rest of a big file is still being counted."""
    summary = TranscriptSummary()
    try:
        lines, _ = read_lines_backwards(path, os.path.getsize(path), _TAIL_LINES)
    except OSError:
        return summary
    for _, line in reversed(lines):
        record = parse_line(line) if isinstance(line, bytes) else None
        if record is not None:
            message = record.get("message")
            if isinstance(message, dict):  # its tokens are not shown: nothing to price
                message.pop("usage", None)
            summary.add(record)
    return summary
