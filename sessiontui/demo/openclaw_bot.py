"""OpenClaw's gateway writes, for tests, the demo and the simulator (STORES.md 4.2 and 8).

The SQLite store: the session entry writer puts the canonical `SessionEntry` in
`session_nodes.entry_json` and projects its promoted columns; each window is a `session_windows`
row with its conversation; transcript records are `transcript_events` rows in `seq` order.
The statements are *reconstructed* from the DDL and 8.3 (the gateway's SQL is not quoted).
The legacy store: `sessions.json` (a map `sessionKey -> SessionEntry`) plus `<sessionId>.jsonl`,
with `.deleted.<ts>` / `.reset.<ts>` tombstones.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessiontui.demo.openclaw_schema import create_openclaw_db

_PROMOTED = {  # session_nodes column <- SessionEntry field
    "status": "status",
    "label": "label",
    "display_name": "displayName",
    "archived_at": "archivedAt",
    "pinned_at": "pinnedAt",
    "last_read_at": "lastReadAt",
    "last_interaction_at": "lastInteractionAt",
    "last_activity_at": "lastActivityAt",
    "spawned_by": "spawnedBy",
    "parent_session_key": "parentSessionKey",
}


def ms(moment: datetime | None) -> int:
    return int((moment or datetime.now(UTC)).timestamp() * 1000)


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def header(session_id: str, at: datetime, cwd: str = "/home/agent") -> dict[str, Any]:
    return {"type": "session", "version": 3, "id": session_id, "timestamp": iso(at), "cwd": cwd}


def message_record(
    message: dict[str, Any], at: datetime, parent: str | None = None
) -> dict[str, Any]:
    """A `message` record; its 8-hex id is derived from its content (the demo must be reproducible)."""
    body = {**message, "timestamp": ms(at)}
    record_id = hashlib.sha256(json.dumps([body, parent], sort_keys=True).encode()).hexdigest()[:8]
    return {
        "type": "message",
        "id": record_id,
        "parentId": parent,
        "timestamp": iso(at),
        "message": body,
    }


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def assistant(
    text: str = "",
    *,
    model: str = "claude-sonnet-4-6",
    tool: tuple[str, str, dict[str, Any]] | None = None,
    usage: tuple[int, int, int, int] = (0, 0, 0, 0),
    cost: float = 0.0,
    stop: str | None = None,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if tool is not None:
        content.append({"type": "toolCall", "id": tool[0], "name": tool[1], "arguments": tool[2]})
    inp, out, read, write = usage
    return {
        "role": "assistant",
        "content": content,
        "api": "anthropic-messages",
        "provider": "anthropic",
        "model": model,
        "usage": {
            "input": inp,
            "output": out,
            "cacheRead": read,
            "cacheWrite": write,
            "totalTokens": inp + out + read + write,
            "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": cost},
        },
        "stopReason": stop or ("toolUse" if tool else "stop"),
    }


def tool_result(call_id: str, name: str, text: str, is_error: bool = False) -> dict[str, Any]:
    return {
        "role": "toolResult",
        "toolCallId": call_id,
        "toolName": name,
        "content": [{"type": "text", "text": text}],
        "isError": is_error,
    }


class OpenClawAgentBot:
    """The gateway of one agent writing `agents/<agent>/agent/openclaw-agent.sqlite`."""

    def __init__(self, path: Path, agent_id: str = "main", created: datetime | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            create_openclaw_db(self.path, agent_id=agent_id, now_ms=ms(created))
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute(
            "PRAGMA synchronous = NORMAL"
        )  # WAL (the gateway's own setting was not read)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.conn.close()

    def write_entry(
        self,
        key: str,
        entry: dict[str, Any],
        *,
        created_via: str = "channel",
        now: datetime | None = None,
    ) -> None:
        """The entry writer: the canonical JSON and its projections, in one statement."""
        at = ms(now)
        projected = {column: entry.get(name) for column, name in _PROMOTED.items()}
        columns = ", ".join(projected)
        self.conn.execute(
            f"INSERT INTO session_nodes (session_key, current_session_id, entry_json, updated_at, created_at, "
            f"created_via, {columns}) VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' for _ in projected)}) "
            "ON CONFLICT (session_key) DO UPDATE SET current_session_id = excluded.current_session_id, "
            "entry_json = excluded.entry_json, updated_at = excluded.updated_at, "
            + ", ".join(f"{c} = excluded.{c}" for c in projected),
            (
                key,
                entry["sessionId"],
                json.dumps(entry, separators=(",", ":")),
                at,
                entry.get("sessionStartedAt", at),
                created_via,
                *projected.values(),
            ),
        )

    def entry(self, key: str) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT entry_json FROM session_nodes WHERE session_key = ?", (key,)
        ).fetchone()
        return dict(json.loads(row[0]))

    def update_entry(self, key: str, now: datetime | None = None, **fields: Any) -> None:
        entry = self.entry(key) | fields | {"updatedAt": ms(now)}
        self.write_entry(key, {k: v for k, v in entry.items() if v is not None}, now=now)

    def open_window(
        self,
        key: str,
        session_id: str,
        *,
        channel: str,
        peer: str,
        kind: str = "direct",
        reason: str = "initial",
        model: str = "claude-sonnet-4-6",
        now: datetime | None = None,
    ) -> None:
        at = ms(now)
        conversation = f"{channel}:{kind}:{peer}"
        self.conn.execute(
            "INSERT OR IGNORE INTO conversations (conversation_id, channel, account_id, kind, peer_id, "
            "delivery_target, created_at, updated_at) VALUES (?, ?, 'default', ?, ?, ?, ?, ?)",
            (conversation, channel, kind, peer, peer, at, at),
        )
        self.conn.execute(
            "INSERT INTO session_windows (session_id, session_key, reason, created_at, updated_at, started_at, "
            "chat_type, channel, account_id, primary_conversation_id, model_provider, model) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'default', ?, 'anthropic', ?)",
            (session_id, key, reason, at, at, at, kind, channel, conversation, model),
        )
        self.conn.execute(
            "INSERT INTO session_conversations (session_id, conversation_id, role, first_seen_at, last_seen_at) "
            "VALUES (?, ?, 'primary', ?, ?)",
            (session_id, conversation, at, at),
        )

    def append(self, session_id: str, record: dict[str, Any], now: datetime | None = None) -> int:
        at = ms(now)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            seq = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM transcript_events WHERE session_id = ?",
                (session_id,),
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO transcript_events (session_id, seq, event_json, created_at) "
                "VALUES (?, ?, ?, ?)",
                (session_id, seq, json.dumps(record), at),
            )
            self.conn.execute(
                "UPDATE session_windows SET transcript_updated_at = ?, updated_at = ? "
                "WHERE session_id = ?",
                (at, at, session_id),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return int(seq)

    def heartbeat_outcome(
        self, key: str, outcome: str, summary: str, now: datetime | None = None
    ) -> None:
        at = ms(now)
        self.conn.execute(
            "INSERT INTO heartbeat_outcomes (session_key, run_session_key, outcome, summary, occurred_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET "
            "outcome = excluded.outcome, summary = excluded.summary, occurred_at = excluded.occurred_at, "
            "updated_at = excluded.updated_at",
            (key, f"{key}:heartbeat", outcome, summary, at, at),
        )

    def store_secret(self, key: str, value: str) -> None:
        """A credential row, as the gateway keeps them (sessiontui must never read it)."""
        self.conn.execute(
            "INSERT INTO auth_profile_store (store_key, store_json, updated_at) VALUES (?, ?, ?)",
            (key, json.dumps({"apiKey": value}), ms(None)),
        )


class OpenClawLegacyBot:
    """An older gateway writing `agents/<agent>/sessions/sessions.json` and its transcripts."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.index = self.directory / "sessions.json"

    def entries(self) -> dict[str, Any]:
        return dict(json.loads(self.index.read_text())) if self.index.exists() else {}

    def write_entry(self, key: str, entry: dict[str, Any]) -> None:
        entries = self.entries() | {key: entry}
        staged = self.index.with_name(f".sessions.json.{os.getpid()}.tmp")
        staged.write_text(json.dumps(entries, indent=2))
        os.replace(staged, self.index)

    def append(self, session_id: str, record: dict[str, Any]) -> None:
        with open(self.directory / f"{session_id}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def tombstone(self, session_id: str, kind: str, at: datetime) -> Path:
        """What a delete or reset leaves: the transcript renamed `<id>.jsonl.<kind>.<ts>`."""
        source = self.directory / f"{session_id}.jsonl"
        target = self.directory / f"{session_id}.jsonl.{kind}.{ms(at)}"
        os.replace(source, target)
        return target
