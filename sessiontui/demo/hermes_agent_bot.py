"""Hermes Agent's own writes to `state.db` (STORES.md 7), for tests, the demo and the simulator.

Where STORES.md quotes the bot's SQL (ending a session, the rename compare-and-swap) it is used
as quoted. The statements that add a session, a message or usage are *reconstructed*: they write
exactly the columns of SCHEMA_SQL that STORES.md names for each fact (times as REAL epoch
seconds, OpenAI-style `tool_calls` JSON, counters kept on the `sessions` row).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.demo.hermes_agent_schema import HERMES_AGENT_SCHEMA_VERSION, create_hermes_agent_db

LAST_ACTIVITY_EVERY = 60.0  # seconds: the bot rate-limits last_activity_at writes (7.6)


def _epoch(now: datetime | None) -> float:
    return (now or datetime.now(UTC)).timestamp()


class HermesAgentBot:
    """One Hermes Agent process writing its `state.db` (created at `version` when missing)."""

    def __init__(self, path: Path, version: int = HERMES_AGENT_SCHEMA_VERSION) -> None:
        self.path = Path(path)
        if not self.path.exists():
            create_hermes_agent_db(self.path, version)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 1000")
        self.conn.execute(
            "PRAGMA synchronous = NORMAL"
        )  # WAL; Hermes uses FULL on macOS only (7.8)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.columns = {row[1] for row in self.conn.execute("PRAGMA table_info(sessions)")}
        self.tables = {
            row[0]
            for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }

    def close(self) -> None:
        self.conn.close()

    def _insert(self, table: str, values: dict[str, Any]) -> None:
        present = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
        kept = {k: v for k, v in values.items() if k in present}
        names = ", ".join(kept)
        marks = ", ".join("?" for _ in kept)
        self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(kept.values()))

    def create_session(
        self,
        session_id: str,
        source: str,
        *,
        model: str | None = None,
        user_id: str | None = None,
        chat_id: str | None = None,
        chat_type: str | None = None,
        session_key: str | None = None,
        parent: str | None = None,
        title: str | None = None,
        title_source: str | None = None,
        profile: str | None = None,
        model_config: dict[str, Any] | None = None,
        cwd: str | None = None,
        now: datetime | None = None,
    ) -> None:
        self._insert(
            "sessions",
            {
                "id": session_id,
                "source": source,
                "created_source": source,
                "user_id": user_id,
                "session_key": session_key,
                "chat_id": chat_id,
                "chat_type": chat_type,
                "model": model,
                "model_config": json.dumps(model_config) if model_config else None,
                "parent_session_id": parent,
                "started_at": _epoch(now),
                "title": title,
                "title_source": title_source if title else None,
                "profile_name": profile,
                "cwd": cwd,
            },
        )

    def append_message(
        self,
        session_id: str,
        role: str,
        content: str | None,
        *,
        tool_calls: list[dict[str, Any]] | None = None,
        tool_call_id: str | None = None,
        tool_name: str | None = None,
        finish_reason: str | None = None,
        reasoning: str | None = None,
        now: datetime | None = None,
    ) -> int:
        at = _epoch(now)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._insert(
                "messages",
                {
                    "session_id": session_id,
                    "role": role,
                    "content": content,
                    "tool_call_id": tool_call_id,
                    "tool_calls": json.dumps(tool_calls) if tool_calls else None,
                    "tool_name": tool_name,
                    "timestamp": at,
                    "finish_reason": finish_reason,
                    "reasoning": reasoning,
                },
            )
            row_id = int(self.conn.execute("SELECT last_insert_rowid()").fetchone()[0])
            self.conn.execute(
                "UPDATE sessions SET message_count = message_count + 1, "
                "tool_call_count = tool_call_count + ? WHERE id = ?",
                (len(tool_calls or ()), session_id),
            )
            self._touch(session_id, at)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return row_id

    def _touch(self, session_id: str, at: float) -> None:
        if "last_activity_at" in self.columns:  # rate-limited, as the bot does (about 60 s)
            self.conn.execute(
                "UPDATE sessions SET last_activity_at = ? WHERE id = ? "
                "AND (last_activity_at IS NULL OR ? - last_activity_at >= ?)",
                (at, session_id, at, LAST_ACTIVITY_EVERY),
            )

    def record_usage(
        self,
        session_id: str,
        model: str,
        *,
        input_tokens: int,
        output_tokens: int,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
        cost_usd: float,
        actual: bool = False,
        task: str = "",
        provider: str = "openrouter",
        now: datetime | None = None,
    ) -> None:
        """One API call's usage: the session totals and its per-model row (7.3)."""
        at = _epoch(now)
        cost_column = "actual_cost_usd" if actual else "estimated_cost_usd"
        status = "actual" if actual else "estimated"
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                "UPDATE sessions SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, "
                "cache_read_tokens = cache_read_tokens + ?, cache_write_tokens = cache_write_tokens + ?, "
                f"reasoning_tokens = reasoning_tokens + ?, {cost_column} = COALESCE({cost_column}, 0) + ?, "
                "cost_status = ?, cost_source = ?, billing_provider = ?, "
                "api_call_count = api_call_count + 1 WHERE id = ?",
                (
                    input_tokens,
                    output_tokens,
                    cache_read,
                    cache_write,
                    reasoning,
                    cost_usd,
                    status,
                    "provider" if actual else "pricing_table",
                    provider,
                    session_id,
                ),
            )
            if "session_model_usage" in self.tables:
                self._model_usage(
                    session_id,
                    model,
                    task,
                    provider,
                    at,
                    input_tokens,
                    output_tokens,
                    cache_read,
                    cache_write,
                    reasoning,
                    cost_usd,
                    actual,
                )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _model_usage(
        self,
        session_id: str,
        model: str,
        task: str,
        provider: str,
        at: float,
        inp: int,
        out: int,
        read: int,
        write: int,
        reasoning: int,
        cost: float,
        actual: bool,
    ) -> None:
        has_task = "task" in {
            row[1] for row in self.conn.execute("PRAGMA table_info(session_model_usage)")
        }
        key = "session_id, model, billing_provider, billing_base_url, billing_mode" + (
            ", task" if has_task else ""
        )
        values: tuple[Any, ...] = (session_id, model, provider, "", "") + (
            (task,) if has_task else ()
        )
        self.conn.execute(
            f"INSERT INTO session_model_usage ({key}, api_call_count, input_tokens, output_tokens, "
            "cache_read_tokens, cache_write_tokens, reasoning_tokens, estimated_cost_usd, actual_cost_usd, "
            f"first_seen, last_seen) VALUES ({', '.join('?' for _ in values)}, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT ({key}) DO UPDATE SET api_call_count = api_call_count + 1, "
            "input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens, "
            "cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens, "
            "cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, "
            "reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, "
            "estimated_cost_usd = estimated_cost_usd + excluded.estimated_cost_usd, "
            "actual_cost_usd = actual_cost_usd + excluded.actual_cost_usd, last_seen = excluded.last_seen",
            (
                *values,
                inp,
                out,
                read,
                write,
                reasoning,
                0.0 if actual else cost,
                cost if actual else 0.0,
                at,
                at,
            ),
        )

    def end_session(self, session_id: str, reason: str, now: datetime | None = None) -> None:
        """`end_session`: the first reason wins (7.6)."""
        self.conn.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
            (_epoch(now), reason, session_id),
        )

    def compress(self, session_id: str, continuation: str, now: datetime | None = None) -> None:
        """A compression: the session ends with 'compression', a continuation carries on."""
        row = self.conn.execute(
            "SELECT source, model, user_id, session_key, chat_id, chat_type FROM sessions "
            "WHERE id = ?",
            (session_id,),
        ).fetchone()
        self.end_session(session_id, "compression", now)
        self.create_session(
            continuation,
            row[0],
            model=row[1],
            user_id=row[2],
            session_key=row[3],
            chat_id=row[4],
            chat_type=row[5],
            parent=session_id,
            now=now,
        )

    def acquire_lease(
        self, session_id: str, pid: int, ttl: float, now: datetime | None = None
    ) -> None:
        at = _epoch(now)
        self.conn.execute(
            "INSERT OR REPLACE INTO session_turn_leases (conversation_id, holder, acquired_at, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (session_id, f"pid={pid}:turn=demo:platform=cli", at, at + ttl),
        )

    def release_lease(self, session_id: str) -> None:
        self.conn.execute(
            "DELETE FROM session_turn_leases WHERE conversation_id = ?", (session_id,)
        )

    def heartbeat(
        self,
        backend_id: str,
        pid: int,
        *,
        started: datetime,
        now: datetime | None = None,
        profile: str = "",
        host: str = "localhost",
    ) -> None:
        self.conn.execute(
            "INSERT INTO gateway_heartbeats (backend_id, pid, started_at, last_heartbeat, profile, host) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (backend_id) DO UPDATE SET "
            "last_heartbeat = excluded.last_heartbeat",
            (backend_id, pid, started.timestamp(), _epoch(now), profile, host),
        )

    def set_flag(self, session_id: str, column: str, value: int) -> None:
        """Set `archived`, `pinned` or `hidden` on one row (the bot's lineage-wide writes are
        sessiontui.actions.hermes_agent's; this is for building fixtures)."""
        assert column in ("archived", "pinned", "hidden")
        self.conn.execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", (value, session_id))
