"""NousResearch Hermes Agent `state.db` (store G, STORES.md 7): sessions, lineage, leases.

The bot defers its own repairs (stale FTS recovery, VACUUM) while another process holds the
file open (7.8), so this store keeps no connection: a poll compares the file's and its WAL's
stat and, only when they moved, opens read-only, reads, and closes. Any schema stage is read
for the columns it has (7.10); a store newer than known is read the same way, with a note.
"""

from __future__ import annotations

import os
import pwd
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

from sessiontui.model import Message, MessagePage, Session, StoreFormat
from sessiontui.stores.base import ReadReport, StoreError
from sessiontui.stores.hermes_agent_rows import (
    MESSAGE_COLUMNS,
    Backend,
    Facts,
    build_session,
    to_messages,
)
from sessiontui.stores.hermes_lineage import chains, delegate_index
from sessiontui.stores.sqlite_read import ReadOnlyDatabase, placeholders
from sessiontui.stores.sqlite_store import off_loop

KNOWN_SCHEMA_VERSION = 30
_BATCH = 500
_PROFILE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _fingerprint(path: Path) -> tuple[object, ...]:
    out: list[object] = []
    for name in (str(path), f"{path}-wal"):
        try:
            info = os.stat(name)
        except OSError:
            out.append(None)
            continue
        # An empty WAL is no WAL: our own read-only open may create one.
        out.append((info.st_ino, info.st_size, info.st_mtime_ns) if info.st_size else None)
    return tuple(out)


def who_can_read(path: Path) -> str | None:
    """When the file exists but this user cannot read it: which user can (it is 0600)."""
    try:
        info = path.stat()
    except OSError:
        return None
    if os.access(path, os.R_OK):
        return None
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = f"uid {info.st_uid}"
    also = "" if owner == "root" else " (or root)"
    return f"{path}: mode {stat.S_IMODE(info.st_mode):04o}, owned by {owner}: run sessiontui as {owner}{also} to read it"


class HermesAgentStore:
    format = StoreFormat.HERMES_AGENT

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._fingerprint: tuple[object, ...] | None = None
        self._snapshot: tuple[Session, ...] = ()
        self._notes: tuple[str, ...] = ()
        self._message_columns: list[str] = []
        parent = self.path.parent
        self._profile = (
            parent.name
            if parent.parent.name == "profiles" and _PROFILE.fullmatch(parent.name)
            else None
        )

    async def refresh(self, changed_paths: set[Path] | None = None) -> ReadReport:
        fingerprint = _fingerprint(self.path)
        if fingerprint == self._fingerprint:
            return ReadReport(self._snapshot, False, note="; ".join(self._notes))
        denied = who_can_read(self.path)
        if denied is not None:
            raise StoreError(denied)
        db = ReadOnlyDatabase(self.path)
        try:
            facts, notes = await self._read(db)
        finally:
            await db.close()
        self._fingerprint = fingerprint
        self._notes = notes
        sessions = await off_loop(lambda: self._sessions(facts), len(facts.rows))
        self._snapshot = tuple(sessions)
        return ReadReport(self._snapshot, True, note="; ".join(notes))

    async def _read(self, db: ReadOnlyDatabase) -> tuple[Facts, tuple[str, ...]]:
        tables = await db.tables()
        if "sessions" not in tables:
            raise StoreError(f"{self.path}: no sessions table")
        notes: list[str] = []
        if "schema_version" in tables:
            versions = await db.fetchall("SELECT MAX(version) FROM schema_version")
            version = versions[0][0] if versions else None
            if isinstance(version, int) and version > KNOWN_SCHEMA_VERSION:
                notes.append(
                    f"schema version {version} is newer than sessiontui knows "
                    f"({KNOWN_SCHEMA_VERSION}): read for the columns that exist"
                )
        columns = sorted(await db.columns("sessions"))
        session_rows = await db.fetchall(f"SELECT {', '.join(columns)} FROM sessions")
        rows = {
            row[columns.index("id")]: dict(zip(columns, row, strict=True)) for row in session_rows
        }
        present = await db.columns("messages")
        self._message_columns = [c for c in MESSAGE_COLUMNS if c in present]
        active = " AND active IS NOT 0" if "active" in present else ""
        last = await self._last_messages(db, list(rows), active)
        leases: dict[str, tuple[str, float, float]] = {}
        for table, key in (
            ("session_turn_leases", "conversation_id"),
            ("compression_locks", "session_id"),
        ):
            if table in tables:
                for sid, holder, expires, acquired in await db.fetchall(
                    f"SELECT {key}, holder, expires_at, acquired_at FROM {table}"
                ):
                    if isinstance(expires, int | float) and (
                        sid not in leases or expires > leases[sid][1]
                    ):
                        since = float(acquired) if isinstance(acquired, int | float) else 0.0
                        leases[sid] = (str(holder), float(expires), since)
        backends: list[Backend] = []
        if "gateway_heartbeats" in tables:
            for backend_id, pid, started, beat in await db.fetchall(
                "SELECT backend_id, pid, started_at, last_heartbeat FROM gateway_heartbeats"
            ):
                if isinstance(started, int | float) and isinstance(beat, int | float):
                    backends.append(Backend(str(backend_id), int(pid), float(started), float(beat)))
        usage: dict[str, list[dict[str, Any]]] = {}
        if "session_model_usage" in tables:
            usage_columns = sorted(await db.columns("session_model_usage"))
            for row in await db.fetchall(
                f"SELECT {', '.join(usage_columns)} FROM session_model_usage"
            ):
                record = dict(zip(usage_columns, row, strict=True))
                usage.setdefault(record["session_id"], []).append(record)
        untitled = [key for key, row in rows.items() if not row.get("title")]
        previews = await self._first_prompts(db, untitled)
        facts = Facts(rows, last, leases, backends, usage, self._profile, previews=previews)
        return facts, tuple(notes)

    async def _first_prompts(self, db: ReadOnlyDatabase, keys: list[str]) -> dict[str, str]:
        """The first user message of each untitled session: what the bot's pickers show instead."""
        out: dict[str, str] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            for key, content in await db.fetchall(
                "SELECT session_id, content FROM messages WHERE id IN (SELECT MIN(id) FROM messages "
                f"WHERE session_id IN ({placeholders(batch)}) AND role = 'user' GROUP BY session_id)",
                batch,
            ):
                if isinstance(content, str) and content.strip():
                    out[key] = " ".join(content.split())[:80]
        return out

    def _sessions(self, facts: Facts) -> list[Session]:
        facts = replace(facts, delegates=delegate_index(facts.rows))
        return [build_session(chain, facts, str(self.path)) for chain in chains(facts.rows)]

    async def _last_messages(
        self, db: ReadOnlyDatabase, keys: list[str], active: str
    ) -> dict[str, dict[str, Any]]:
        select = ", ".join(self._message_columns)
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            rows = await db.fetchall(
                f"SELECT {select} FROM messages WHERE id IN (SELECT MAX(id) FROM messages "
                f"WHERE session_id IN ({placeholders(batch)}){active} GROUP BY session_id)",
                batch,
            )
            for row in rows:
                record = dict(zip(self._message_columns, row, strict=True))
                out[record["session_id"]] = record
        return out

    async def read_messages(
        self, session: Session, *, before: object | None = None, limit: int = 200
    ) -> MessagePage:
        bound = int(before) if isinstance(before, int) else 2**62
        db = ReadOnlyDatabase(self.path)
        try:
            where, params = await self._where(db, session)
            rows = await db.fetchall(
                f"SELECT {', '.join(self._message_columns)} FROM messages WHERE {where} "
                "AND id < ? ORDER BY id DESC LIMIT ?",
                (*params, bound, limit),
            )
            newest = await db.fetchall(f"SELECT MAX(id) FROM messages WHERE {where}", params)
        finally:
            await db.close()
        rows.reverse()
        older = rows[0][0] if len(rows) == limit else None
        return MessagePage(self._page(rows), older, newest[0][0] or 0)

    async def read_new_messages(self, session: Session, after: object) -> MessagePage:
        db = ReadOnlyDatabase(self.path)
        try:
            where, params = await self._where(db, session)
            rows = await db.fetchall(
                f"SELECT {', '.join(self._message_columns)} FROM messages WHERE {where} "
                "AND id > ? ORDER BY id",
                (*params, after if isinstance(after, int) else 0),
            )
        finally:
            await db.close()
        return MessagePage(self._page(rows), None, rows[-1][0] if rows else after)

    async def _where(
        self, db: ReadOnlyDatabase, session: Session
    ) -> tuple[str, tuple[object, ...]]:
        if not self._message_columns:
            present = await db.columns("messages")
            self._message_columns = [c for c in MESSAGE_COLUMNS if c in present]
        active = " AND active IS NOT 0" if "active" in await db.columns("messages") else ""
        return f"session_id = ?{active}", (session.id,)

    def _page(self, rows: list[Any]) -> tuple[Message, ...]:
        return tuple(
            m
            for row in rows
            for m in to_messages(dict(zip(self._message_columns, row, strict=True)))
        )

    def watch_paths(self) -> list[Path]:
        return []

    async def close(self) -> None:
        return None
