"""One small class per bot, each doing the bot's own writes with the bot's exact SQL.

Tests and the simulator write through these so the files look exactly as the bots leave them.
hermes-bot and Starpod live here; ZeroClaw and Claude Code in their own modules, re-exported.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.demo.botschema import HERMES_PRAGMAS, HERMES_SCHEMA, STARPOD_PRAGMAS
from sessiontui.demo.claude_code import ClaudeCodeWriter, encode_project_path
from sessiontui.demo.zeroclaw_bots import (
    INTERRUPTED_MARKER,
    ZeroClawJsonlBot,
    ZeroClawSqliteBot,
    channel_user_content,
    sanitize_session_key,
    tool_call_content,
    tool_result_content,
)
from sessiontui.timestamps import chrono_rfc3339, chrono_serde

__all__ = [
    "INTERRUPTED_MARKER",
    "ClaudeCodeWriter",
    "HermesJsonBot",
    "HermesSqliteBot",
    "StarpodBot",
    "ZeroClawJsonlBot",
    "ZeroClawSqliteBot",
    "channel_user_content",
    "encode_project_path",
    "sanitize_session_key",
    "starpod_cost",
    "tool_call_content",
    "tool_result_content",
]

_HERMES_COLUMNS = (
    "thread_ts, session_id, repo, repo_path, agent_kind, channel_id, created_at, last_active, "
    "status, total_turns, model"
)


def _moment(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


class HermesSqliteBot:
    """hermes-bot 0.2.0+ `SessionStore` on `sessions.db` (STORES.md 1.3-1.6)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.executescript(HERMES_PRAGMAS)
        self.conn.executescript(HERMES_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def new_thread(
        self,
        thread_ts: str,
        repo: str,
        repo_path: str,
        channel_id: str,
        model: str | None,
        now: datetime | None = None,
    ) -> str:
        """The row inserted when a thread starts: `session_id = 'pending-<thread_ts>'`."""
        stamp = chrono_rfc3339(_moment(now))
        session_id = f"pending-{thread_ts}"
        self.conn.execute(
            f"INSERT OR REPLACE INTO sessions ({_HERMES_COLUMNS}) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            (
                thread_ts,
                session_id,
                repo,
                repo_path,
                "claude",
                channel_id,
                stamp,
                stamp,
                "active",
                0,
                model,
            ),
        )
        return session_id

    def finish_turn(
        self, thread_ts: str, session_id: str, num_turns: int, now: datetime | None = None
    ) -> None:
        """`update()` after a turn: read the row, then the full UPDATE (real session id)."""
        self._update(
            thread_ts,
            session_id=session_id,
            total_turns=num_turns,
            status="active",
            last_active=chrono_rfc3339(_moment(now)),
        )

    def set_error(self, thread_ts: str) -> None:
        """Agent spawn failure: `status = 'error'` through the same full UPDATE."""
        self._update(thread_ts, status="error")

    def _update(self, thread_ts: str, **changes: Any) -> None:
        row = self.conn.execute(
            f"SELECT {_HERMES_COLUMNS} FROM sessions WHERE thread_ts = ?1", (thread_ts,)
        ).fetchone()
        if row is None:
            raise KeyError(thread_ts)
        current = dict(zip([c.strip() for c in _HERMES_COLUMNS.split(",")], row, strict=True))
        current.update(changes)
        self.conn.execute(
            "UPDATE sessions SET session_id=?1, repo=?2, repo_path=?3, agent_kind=?4, "
            "channel_id=?5, created_at=?6, last_active=?7, status=?8, total_turns=?9, model=?10 "
            "WHERE thread_ts=?11",
            (
                current["session_id"],
                current["repo"],
                current["repo_path"],
                "claude",
                current["channel_id"],
                current["created_at"],
                current["last_active"],
                current["status"],
                current["total_turns"],
                current["model"],
                thread_ts,
            ),
        )


class HermesJsonBot:
    """hermes-bot 0.1.0: the map lives in memory; every change rewrites `sessions.json`.

    Written with serde's pretty printer (2-space indent, fields in struct order, `Z` times)
    to `sessions.json.tmp`, then renamed over the file. The file is read only at startup.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.sessions: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self.sessions = json.loads(self.path.read_text(encoding="utf-8"))

    def new_thread(
        self,
        thread_ts: str,
        repo: str,
        repo_path: str,
        channel_id: str,
        model: str | None,
        now: datetime | None = None,
    ) -> str:
        stamp = chrono_serde(_moment(now))
        session_id = f"pending-{thread_ts}"
        self.sessions[thread_ts] = {
            "session_id": session_id,
            "repo": repo,
            "repo_path": repo_path,
            "agent_kind": "claude",
            "channel_id": channel_id,
            "thread_ts": thread_ts,
            "created_at": stamp,
            "last_active": stamp,
            "status": "active",
            "total_turns": 0,
            "model": model,
        }
        self._write()
        return session_id

    def finish_turn(
        self, thread_ts: str, session_id: str, num_turns: int, now: datetime | None = None
    ) -> None:
        info = self.sessions[thread_ts]
        info.update(
            session_id=session_id,
            total_turns=num_turns,
            status="active",
            last_active=chrono_serde(_moment(now)),
        )
        self._write()

    def set_error(self, thread_ts: str) -> None:
        self.sessions[thread_ts]["status"] = "error"
        self._write()

    def close(self) -> None:
        """Nothing to release: the file is closed after every write."""

    def _write(self) -> None:
        temp = self.path.with_name(self.path.stem + ".json.tmp")
        temp.write_text(json.dumps(self.sessions, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(temp, self.path)


# ---------------------------------------------------------------------------------------------
# Starpod


@dataclass(frozen=True, slots=True)
class ModelRates:
    """Per-MTok prices from agent-sdk `defaults/models.toml` (anthropic section)."""

    input: float
    output: float
    cache_read_multiplier: float = 0.1
    cache_creation_multiplier: float = 1.25


STARPOD_RATES = {
    "claude-opus-4-6": ModelRates(5.0, 25.0),
    "claude-sonnet-4-6": ModelRates(3.0, 15.0),
}


def starpod_cost(
    model: str, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> float:
    """agent-sdk `CostRates::compute_with_cache`; 0.0 for a model with no rates."""
    rates = STARPOD_RATES.get(model)
    if rates is None:
        return 0.0
    return (
        input_tokens * rates.input
        + cache_read * rates.input * rates.cache_read_multiplier
        + cache_write * rates.input * rates.cache_creation_multiplier
        + output_tokens * rates.output
    ) / 1e6


def _cut_bytes(text: str, limit: int) -> str:
    """Cut to `limit` UTF-8 bytes on a char boundary and add `...` (when it was longer)."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore") + "..."


class StarpodBot:
    """Starpod's `SessionManager` on `core.db` (STORES.md 3.4): the pool's PRAGMAs, autocommit."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in STARPOD_PRAGMAS:
            self.conn.execute(pragma).fetchall()

    def close(self) -> None:
        self.conn.close()

    def create_session(
        self,
        session_id: str,
        *,
        channel: str = "main",
        channel_session_key: str | None = None,
        user_id: str = "admin",
        triggered_by: str | None = None,
        now: datetime | None = None,
    ) -> str:
        """`create_session_full`."""
        self.conn.execute(
            "INSERT INTO session_metadata (id, created_at, last_message_at, is_closed, "
            "message_count, channel, channel_session_key, user_id, triggered_by) "
            "VALUES (?1, ?2, ?2, 0, 0, ?3, ?4, ?5, ?6)",
            (
                session_id,
                chrono_rfc3339(_moment(now)),
                channel,
                channel_session_key,
                user_id,
                triggered_by,
            ),
        )
        return session_id

    def save_message(
        self, session_id: str, role: str, content: str, now: datetime | None = None
    ) -> None:
        """`save_message`; the first user message also becomes the title."""
        self.conn.execute(
            "INSERT INTO session_messages (session_id, role, content, timestamp) "
            "VALUES (?1, ?2, ?3, ?4)",
            (session_id, role, content, chrono_rfc3339(_moment(now))),
        )
        if role == "user":
            self.set_title_if_empty(session_id, content)

    def save_tool_use(
        self,
        session_id: str,
        tool_use_id: str,
        name: str,
        tool_input: dict[str, Any],
        now: datetime | None = None,
    ) -> None:
        """A `tool_use` row: `{"id","input","name","type"}`, keys alphabetical, compact."""
        body = {"id": tool_use_id, "input": tool_input, "name": name, "type": "tool_use"}
        self.save_message(session_id, "tool_use", _serde(body), now)

    def save_tool_result(
        self,
        session_id: str,
        tool_use_id: str,
        content: str,
        *,
        is_error: bool = False,
        now: datetime | None = None,
    ) -> None:
        """A `tool_result` row with a ≤500-byte preview of the output."""
        body = {
            "content": _cut_bytes(content, 500),
            "is_error": is_error,
            "tool_use_id": tool_use_id,
            "type": "tool_result",
        }
        self.save_message(session_id, "tool_result", _serde(body), now)

    def touch_session(self, session_id: str, now: datetime | None = None) -> None:
        """Once per chat request: `last_message_at = now`, `message_count + 1`."""
        self.conn.execute(
            "UPDATE session_metadata SET last_message_at = ?2, message_count = message_count + 1 "
            "WHERE id = ?1",
            (session_id, chrono_rfc3339(_moment(now))),
        )

    def set_title_if_empty(self, session_id: str, title: str) -> None:
        self.conn.execute(
            "UPDATE session_metadata SET title = ?2 WHERE id = ?1 AND title IS NULL",
            (session_id, _cut_bytes(title, 100)),
        )

    def record_usage(
        self,
        session_id: str,
        *,
        turn: int,
        input_tokens: int,
        output_tokens: int,
        cache_read: int,
        cache_write: int,
        model: str,
        user_id: str = "admin",
        cost_usd: float | None = None,
        now: datetime | None = None,
    ) -> float:
        """One `usage_stats` row per chat request; cost as the agent-sdk computes it."""
        cost = (
            cost_usd
            if cost_usd is not None
            else starpod_cost(model, input_tokens, output_tokens, cache_read, cache_write)
        )
        self.conn.execute(
            "INSERT INTO usage_stats (session_id, turn, input_tokens, output_tokens, cache_read, "
            "cache_write, cost_usd, model, user_id, timestamp) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            (
                session_id,
                turn,
                input_tokens,
                output_tokens,
                cache_read,
                cache_write,
                cost,
                model,
                user_id,
                chrono_rfc3339(_moment(now)),
            ),
        )
        return cost

    def close_session(self, session_id: str, summary: str) -> None:
        self.conn.execute(
            "UPDATE session_metadata SET is_closed = 1, summary = ?2 WHERE id = ?1",
            (session_id, summary),
        )

    def mark_read(self, session_id: str, is_read: bool = True) -> None:
        self.conn.execute(
            "UPDATE session_metadata SET is_read = ?2 WHERE id = ?1", (session_id, int(is_read))
        )

    def archive(self, session_id: str, archived: bool = True) -> None:
        """`archive_session` (v0.3.2+)."""
        self.conn.execute(
            "UPDATE session_metadata SET is_archived = ?2 WHERE id = ?1",
            (session_id, int(archived)),
        )


def _serde(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
