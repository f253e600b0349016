"""OpenClaw's SQLite agent store `openclaw-agent.sqlite` (store H, STORES.md 8). Read-only.

`session_nodes.entry_json` is the canonical session record (the columns are projections);
`session_windows` holds each transcript generation and `transcript_events` its pi-format records
in `seq` order. Times are epoch milliseconds. The credential tables are never read: an SQLite
authorizer on our connection refuses them, whatever the query.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessiontui.model import (
    CostSource,
    Message,
    MessagePage,
    Session,
    StoreFormat,
    last_message_of,
)
from sessiontui.stores.base import ReadReport
from sessiontui.stores.openclaw_entry import (
    CLOSED_STATUSES,
    ERROR_STATUSES,
    entry_cost,
    entry_usage,
)
from sessiontui.stores.pi_transcript import TranscriptTotals, to_messages
from sessiontui.stores.sqlite_read import ReadOnlyDatabase, placeholders
from sessiontui.stores.sqlite_store import off_loop
from sessiontui.timestamps import parse_timestamp

SECRET_TABLES = frozenset({"auth_profile_store", "auth_profile_state", "cache_entries"})
NODE_COLUMNS = (
    "session_key",
    "current_session_id",
    "entry_json",
    "updated_at",
    "status",
    "created_at",
    "created_via",
    "label",
    "display_name",
    "archived_at",
    "last_activity_at",
    "parent_session_key",
    "spawned_by",
    "entry_valid",
)
WINDOW_COLUMNS = (
    "session_id",
    "session_key",
    "reason",
    "created_at",
    "status",
    "chat_type",
    "channel",
    "primary_conversation_id",
    "model",
    "transcript_updated_at",
)
ATTENTION_OUTCOMES = ("blocked", "needs_attention")
_BATCH = 500


def _deny_secrets(action: int, table: str | None, *_: object) -> int:
    if action == sqlite3.SQLITE_READ and table in SECRET_TABLES:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@dataclass(slots=True)
class Window:
    seq: int = 0  # the last seq read
    totals: TranscriptTotals = field(default_factory=TranscriptTotals)


def _entry(text: object) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _absorb(totals: TranscriptTotals, rows: list[Any]) -> Callable[[], None]:
    def work() -> None:
        for _, text in rows:
            totals.add(_entry(text))

    return work


class OpenClawStore:
    format = StoreFormat.OPENCLAW

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.db = ReadOnlyDatabase(self.path)
        self._guarded = False
        self._windows: dict[str, Window] = {}
        self._snapshot: tuple[Session, ...] = ()
        parts = self.path.parts
        self._agent = (
            parts[-3]
            if len(parts) >= 4 and parts[-2] == "agent" and parts[-4] == "agents"
            else None
        )

    async def _guard(self) -> None:
        if not self._guarded:
            conn = await self.db.connect()
            await conn.set_authorizer(_deny_secrets)
            self._guarded = True

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        await self._guard()
        if not await self.db.changed():
            return ReadReport(self._snapshot, False)
        nodes = await self._select("session_nodes", NODE_COLUMNS)
        current = [n["current_session_id"] for n in nodes]
        windows = {
            w["session_id"]: w for w in await self._select("session_windows", WINDOW_COLUMNS)
        }
        counts: dict[str, int] = {}
        for window in windows.values():
            counts[window["session_key"]] = counts.get(window["session_key"], 0) + 1
        tables = await self.db.tables()
        peers: dict[str, tuple[str, str]] = {}
        if "conversations" in tables:
            for conv_id, channel, peer in await self.db.fetchall(
                "SELECT conversation_id, channel, peer_id FROM conversations"
            ):
                peers[conv_id] = (channel, peer)
        outcomes: dict[str, tuple[str, str]] = {}
        if "heartbeat_outcomes" in tables:
            for key, outcome, summary in await self.db.fetchall(
                "SELECT session_key, outcome, summary FROM heartbeat_outcomes"
            ):
                outcomes[key] = (outcome, summary)
        await self._read_events(current)
        built = await off_loop(
            lambda: [self._session(n, windows, counts, peers, outcomes) for n in nodes], len(nodes)
        )
        self._snapshot = tuple(built)
        return ReadReport(self._snapshot, True)

    async def _select(self, table: str, wanted: tuple[str, ...]) -> list[dict[str, Any]]:
        present = await self.db.columns(table)
        columns = [c for c in wanted if c in present]
        rows = await self.db.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
        return [dict(zip(columns, row, strict=True)) for row in rows]

    async def _read_events(self, window_ids: list[str]) -> None:
        """New transcript records of the current windows, past the last seq read of each."""
        tops: dict[str, int] = {}
        for start in range(0, len(window_ids), _BATCH):
            batch = window_ids[start : start + _BATCH]
            for sid, top in await self.db.fetchall(
                "SELECT w.session_id, (SELECT MAX(seq) FROM transcript_events t WHERE t.session_id = w.session_id) "
                f"FROM session_windows w WHERE w.session_id IN ({placeholders(batch)})",
                batch,
            ):
                tops[sid] = top or 0
        for sid in window_ids:
            window = self._windows.get(sid)
            top = tops.get(sid, 0)
            if window is None or top < window.seq:  # new, or rewritten shorter: read from the start
                window = self._windows[sid] = Window()
            if top == window.seq:
                continue
            rows = await self.db.fetchall(
                "SELECT seq, event_json FROM transcript_events WHERE session_id = ? "
                "AND seq > ? ORDER BY seq",
                (sid, window.seq),
            )
            await off_loop(_absorb(window.totals, rows), len(rows))
            window.seq = rows[-1][0] if rows else window.seq
        for sid in set(self._windows) - set(window_ids):
            del self._windows[sid]

    def _session(
        self,
        node: dict[str, Any],
        windows: dict[str, dict[str, Any]],
        counts: dict[str, int],
        peers: dict[str, tuple[str, str]],
        outcomes: dict[str, tuple[str, str]],
    ) -> Session:
        entry = _entry(node.get("entry_json"))
        key = node["session_key"]
        window = windows.get(node["current_session_id"], {})
        state = self._windows.get(node["current_session_id"], Window())
        totals = state.totals
        channel, peer = peers.get(
            window.get("primary_conversation_id") or "", (window.get("channel"), None)
        )
        status = entry.get("status") or node.get("status")
        activity = [
            parse_timestamp(v)
            for v in (
                entry.get("lastActivityAt"),
                node.get("last_activity_at"),
                window.get("transcript_updated_at"),
            )
        ]
        times = [t for t in (*activity, totals.last_at) if t is not None]
        last_activity = max(times) if times else parse_timestamp(node.get("updated_at"))
        usage = entry_usage(entry, totals)
        cost = entry_cost(entry, totals)
        outcome = outcomes.get(key)
        archived_at = entry.get("archivedAt") or node.get("archived_at")
        details: list[tuple[str, object]] = [
            ("status", status),
            ("window", f"{window.get('reason') or '?'} ({counts.get(key, 0)} windows)"),
            ("current_session_id", node["current_session_id"]),
            ("peer", peer),
            ("heartbeat", f"{outcome[0]}: {outcome[1]}" if outcome else None),
            ("created_via", node.get("created_via")),
            ("spawned_by", entry.get("spawnedBy") or node.get("spawned_by")),
            ("parent", entry.get("parentSessionKey") or node.get("parent_session_key")),
            ("abortedLastRun", "yes" if entry.get("abortedLastRun") else None),
            ("compactions", entry.get("compactionCount")),
            ("entry_valid", node.get("entry_valid")),
        ]
        return Session(
            format=self.format,
            store=str(self.path),
            id=key,
            name=entry.get("label")
            or entry.get("displayName")
            or node.get("label")
            or node.get("display_name")
            or key,
            created_at=parse_timestamp(
                entry.get("sessionStartedAt") or node.get("created_at") or window.get("created_at")
            ),
            last_activity=last_activity,
            channel=channel or entry.get("chatType"),
            user=peer,
            agent=self._agent,
            model=entry.get("model") or window.get("model") or totals.model,
            message_count=totals.messages,
            usage=usage,
            cost_usd=cost,
            cost_source=CostSource.RECORDED if cost is not None else None,
            native_state="error" if status in ERROR_STATUSES else status,
            closed=status in CLOSED_STATUSES,
            archived=archived_at is not None,
            running_is_claim=True,
            attention=f"{outcome[0]}: {outcome[1]}"
            if outcome and outcome[0] in ATTENTION_OUTCOMES
            else None,
            last_message=last_message_of(totals.last) if totals.last else None,
            recent_calls=tuple(totals.recent),
            version=(node.get("updated_at"), node["current_session_id"], state.seq),
            extra=tuple((k, str(v)) for k, v in details if v is not None),
        )

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        await self._guard()
        window = dict(session.extra).get("current_session_id", "")
        bound = int(before) if isinstance(before, int) else 2**62
        rows = await self.db.fetchall(
            "SELECT seq, event_json FROM transcript_events WHERE session_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (window, bound, limit),
        )
        rows.reverse()
        top = await self.db.fetchall(
            "SELECT MAX(seq) FROM transcript_events WHERE session_id = ?", (window,)
        )
        older = rows[0][0] if len(rows) == limit else None
        return MessagePage(self._page(rows), older, top[0][0] or 0)

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        await self._guard()
        window = dict(session.extra).get("current_session_id", "")
        rows = await self.db.fetchall(
            "SELECT seq, event_json FROM transcript_events WHERE session_id = ? AND seq > ? "
            "ORDER BY seq",
            (window, after if isinstance(after, int) else 0),
        )
        return MessagePage(self._page(rows), None, rows[-1][0] if rows else after)

    @staticmethod
    def _page(rows: list[Any]) -> tuple[Message, ...]:
        return tuple(m for _, text in rows for m in to_messages(_entry(text)))

    def watch_paths(self) -> list[Path]:
        return []

    async def close(self) -> None:
        await self.db.close()
