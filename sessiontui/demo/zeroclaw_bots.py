"""ZeroClaw's two session backends, written the way the daemon writes them (STORES.md 2).

`ZeroClawSqliteBot` runs the exact SQL of `SqliteSessionBackend`; `ZeroClawJsonlBot` writes
`<sanitized key>.jsonl` lines the way `SessionStore::append` and the rewrites do.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sessiontui.demo.botschema import (
    ZEROCLAW_HEAD_STAGE,
    ZEROCLAW_METADATA_COLUMNS,
    ZEROCLAW_PRAGMAS,
    create_zeroclaw_db,
)
from sessiontui.demo.jsonl_append import append_line
from sessiontui.timestamps import chrono_rfc3339

INTERRUPTED_MARKER = "[Session interrupted — not continuing this request]"
TOOL_EXCHANGE_MARKER = "[Tool exchange: {n} tool call(s) — results collapsed]"


def _now(now: datetime | None) -> str:
    return chrono_rfc3339(now or datetime.now(UTC))


def compact_json(value: Any) -> str:
    """serde_json::to_string of a `Value`: compact, keys alphabetical, UTF-8 unescaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sanitize_session_key(key: str) -> str:
    """`sanitize_session_key`: every char not alphanumeric, `_` or `-` becomes `_`."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in key)


def percent_encode_session_key(key: str) -> str:
    """The v0.6.6-only file naming: `%XX` (code point, upper hex) for every other char."""
    return "".join(c if c.isalnum() or c in "_-" else f"%{ord(c):02X}" for c in key)


def tool_call_content(
    calls: Iterable[tuple[str, str, Mapping[str, Any]]],
    text: str | None = None,
    reasoning: str | None = None,
) -> str:
    """An assistant tool-call turn's `content`: calls are (id, name, arguments) (2.3)."""
    body: dict[str, Any] = {
        "content": text,
        "tool_calls": [
            {"arguments": compact_json(dict(args)), "id": call_id, "name": name}
            for call_id, name, args in calls
        ],
    }
    if reasoning is not None:
        body["reasoning_content"] = reasoning
    return compact_json(body)


def tool_result_content(tool_call_id: str, result: str) -> str:
    """A role `tool` message's `content`: `{"content": …, "tool_call_id": …}`."""
    return compact_json({"content": result, "tool_call_id": tool_call_id})


def channel_user_content(text: str, at: datetime, offset: timedelta = timedelta(hours=-4)) -> str:
    """A channel user turn: `[YYYY-MM-DD HH:MM:SS -04:00] text`, in the bot's local time."""
    local = at.astimezone(timezone(offset))
    zone = local.strftime("%z")  # chrono's %Z on Local prints the offset: -04:00
    return f"[{local:%Y-%m-%d %H:%M:%S} {zone[:3]}:{zone[3:]}] {text}"


class UnsupportedAtStage(ValueError):
    """The operation uses a column this schema stage does not have yet."""


class ZeroClawSqliteBot:
    """`SqliteSessionBackend` on `sessions.db`: autocommit statements, no busy_timeout.

    Creates the file at `stage` when it does not exist. `busy_timeout_ms` is for tests only
    (the daemon sets none).
    """

    def __init__(
        self, path: Path, stage: int = ZEROCLAW_HEAD_STAGE, *, busy_timeout_ms: int | None = None
    ) -> None:
        self.path = Path(path)
        self.stage = stage
        if not self.path.exists():
            create_zeroclaw_db(self.path, stage)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        for pragma in ZEROCLAW_PRAGMAS:
            self.conn.execute(pragma).fetchall()
        if busy_timeout_ms is not None:
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    def close(self) -> None:
        self.conn.close()

    def _require(self, column: str) -> None:
        if column not in ZEROCLAW_METADATA_COLUMNS[self.stage]:
            raise UnsupportedAtStage(
                f"session_metadata.{column} does not exist at stage {self.stage}"
            )

    def append(self, key: str, role: str, content: str, now: datetime | None = None) -> None:
        """`append`: the message row, then the metadata upsert (two autocommit statements)."""
        stamp = _now(now)
        self.conn.execute(
            "INSERT INTO sessions (session_key, role, content, created_at) VALUES (?1, ?2, ?3, ?4)",
            (key, role, content, stamp),
        )
        self.conn.execute(
            "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count) "
            "VALUES (?1, ?2, ?3, 1) ON CONFLICT(session_key) DO UPDATE SET "
            "last_activity = excluded.last_activity, message_count = message_count + 1",
            (key, stamp, stamp),
        )

    def update_last(self, key: str, role: str, content: str, now: datetime | None = None) -> None:
        """`update_last`: rewrite the last row (streamed output), bump `last_activity`."""
        row = self.conn.execute(
            "SELECT id FROM sessions WHERE session_key = ?1 ORDER BY id DESC LIMIT 1", (key,)
        ).fetchone()
        if row is None:
            return
        self.conn.execute(
            "UPDATE sessions SET role = ?1, content = ?2 WHERE id = ?3", (role, content, row[0])
        )
        self.conn.execute(
            "UPDATE session_metadata SET last_activity = ?1 WHERE session_key = ?2",
            (_now(now), key),
        )

    def set_state(
        self, key: str, state: str, turn_id: str | None = None, now: datetime | None = None
    ) -> None:
        """`set_session_state`: `turn_started_at` is now for 'running', else NULL."""
        self._require("state")
        started = _now(now) if state == "running" else None
        self.conn.execute(
            "UPDATE session_metadata SET state = ?1, turn_id = ?2, turn_started_at = ?3 "
            "WHERE session_key = ?4",
            (state, turn_id, started, key),
        )

    def set_name(self, key: str, name: str) -> None:
        """`set_session_name`: an UPDATE only; an empty name writes NULL."""
        self._require("name")
        self.conn.execute(
            "UPDATE session_metadata SET name = ?1 WHERE session_key = ?2", (name or None, key)
        )

    def set_agent_alias(self, key: str, alias: str, now: datetime | None = None) -> None:
        """`set_session_agent_alias`: upsert; makes a 0-message row on a fresh connect."""
        self._require("agent_alias")
        stamp = _now(now)
        self.conn.execute(
            "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count, "
            "agent_alias) VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT(session_key) DO UPDATE SET "
            "agent_alias = excluded.agent_alias",
            (key, stamp, stamp, alias),
        )

    def set_context(
        self,
        key: str,
        channel_id: str | None,
        room_id: str | None,
        sender_id: str | None,
        now: datetime | None = None,
    ) -> None:
        """`set_session_context`: upsert, COALESCE keeps known values; blank means NULL."""
        self._require("channel_id")
        stamp = _now(now)
        values = [
            None if v is None else (v.strip() or None) for v in (channel_id, room_id, sender_id)
        ]
        self.conn.execute(
            "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count, "
            "channel_id, room_id, sender_id) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6) "
            "ON CONFLICT(session_key) DO UPDATE SET "
            "channel_id = COALESCE(excluded.channel_id, session_metadata.channel_id), "
            "room_id = COALESCE(excluded.room_id, session_metadata.room_id), "
            "sender_id = COALESCE(excluded.sender_id, session_metadata.sender_id)",
            (key, stamp, stamp, *values),
        )

    def import_jsonl(self, jsonl: Path, now: datetime | None = None) -> str:
        """HEAD's `migrate_from_jsonl` for one file; returns the session key (the stem).

        Rename to `.importing`, hash it, insert every valid line with one shared `now` plus
        the metadata and receipt rows in one IMMEDIATE transaction, then leave `.migrated`.
        """
        if self.stage != ZEROCLAW_HEAD_STAGE:
            raise UnsupportedAtStage("jsonl_import_receipts exists only at HEAD (stage 6)")
        jsonl = Path(jsonl)
        key = jsonl.name[: -len(".jsonl")]
        staged = jsonl.with_name(jsonl.name + ".importing")
        os.replace(jsonl, staged)
        data = staged.read_bytes()
        messages = []
        for line in data.decode("utf-8", "replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if (
                isinstance(record, dict)
                and isinstance(record.get("role"), str)
                and isinstance(record.get("content"), str)
            ):
                messages.append((record["role"], record["content"]))
        stamp = _now(now)
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("BEGIN IMMEDIATE")
        for role, content in messages:
            self.conn.execute(
                "INSERT INTO sessions (session_key, role, content, created_at) "
                "VALUES (?1, ?2, ?3, ?4)",
                (key, role, content, stamp),
            )
        self.conn.execute(
            "INSERT INTO session_metadata (session_key, created_at, last_activity, message_count) "
            "VALUES (?1, ?2, ?3, ?4)",
            (key, stamp, stamp, len(messages)),
        )
        self.conn.execute(
            "INSERT INTO jsonl_import_receipts (source_name, session_key, source_hash, source_len, "
            "imported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            (jsonl.name, key, hashlib.sha256(data).hexdigest(), len(data), stamp),
        )
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        os.link(staged, jsonl.with_name(jsonl.name + ".migrated"))
        staged.unlink()
        return key


class ZeroClawJsonlBot:
    """The JSONL `SessionStore`: one `<sanitized key>.jsonl` per session in `directory`.

    `naming="percent"` names files as release v0.6.6 did (`telegram%2Ebot_1.jsonl`).
    """

    def __init__(self, directory: Path, *, naming: str = "sanitize") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        if naming not in ("sanitize", "percent"):
            raise ValueError("naming is 'sanitize' or 'percent'")
        self.naming = naming

    def path_for(self, key: str) -> Path:
        encode = sanitize_session_key if self.naming == "sanitize" else percent_encode_session_key
        return self.directory / f"{encode(key)}.jsonl"

    def append(
        self,
        key: str,
        message: Mapping[str, str],
        *,
        between: Callable[[Path], None] | None = None,
    ) -> Path:
        """`append`: the JSON, flushed, then `\\n` in a second write (as `writeln!` can).

        `between(path)` runs after the JSON is on disk and before the newline, so a test can
        look at the unfinished line a tailing reader may meet.
        """
        path = self.path_for(key)
        append_line(path, compact_json_ordered(message), between)
        return path

    def rewrite(self, key: str, lines: Iterable[Mapping[str, str]], *, atomic: bool = True) -> Path:
        """Rewrite a session file: HEAD's temp file + rename, or ≤v0.8.4's truncate in place."""
        path = self.path_for(key)
        text = "".join(compact_json_ordered(m) + "\n" for m in lines)
        if not atomic:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            return path
        fd, temp = tempfile.mkstemp(prefix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path


def compact_json_ordered(message: Mapping[str, str]) -> str:
    """A `ChatMessage` line: `{"role":…,"content":…}` in field order, compact."""
    ordered = {"role": message["role"], "content": message["content"]}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)
