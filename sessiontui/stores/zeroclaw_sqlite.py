"""ZeroClaw's SQLite session backend (STORES.md 2.5): `sessions` + `session_metadata` + FTS5.

Any column stage is read: `name`, `state`/`turn_id`/`turn_started_at` and the routing columns
are optional. Nothing is queried unless `PRAGMA data_version` moved; then the metadata is read
in one statement and only the sessions whose metadata changed get their last message read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sessiontui.model import ApiCall, LastMessage, Message, Session, StoreFormat
from sessiontui.stores.base import ReadReport
from sessiontui.stores.metadata_rows import MetadataRows
from sessiontui.stores.repeated import one_copy, one_copy_of_preview
from sessiontui.stores.sqlite_read import placeholders
from sessiontui.stores.sqlite_store import (
    SqliteTranscriptStore,
    off_loop,
    one_object_per_key,
    shared,
    shared_pair,
)
from sessiontui.stores.zeroclaw_messages import to_last_message, to_message
from sessiontui.timestamps import parse_timestamp

OPTIONAL = (
    "name",
    "state",
    "turn_id",
    "turn_started_at",
    "agent_alias",
    "channel_id",
    "room_id",
    "sender_id",
)
_BATCH = 500
_USER_TURN = "role = 'user' AND content NOT LIKE '[Tool results]%'"


class ZeroClawSqliteStore(SqliteTranscriptStore):
    format = StoreFormat.ZEROCLAW_SQLITE
    MESSAGES, KEY, STAMP = "sessions", "session_key", "created_at"

    def __init__(self, path: Path) -> None:
        super().__init__(path, _message)
        self._turns: dict[str, int] = {}
        self._max_id = 0

    def forget(self) -> None:
        super().forget()
        self._turns, self._max_id = {}, 0

    async def read_changes(self) -> ReadReport:
        meta = await self.metadata_reader()
        delta = await meta.read()
        for key in delta.vanished:  # deleted (channel /new): forget its counts
            self._sessions.pop(key, None)
            self._turns.pop(key, None)
        canonical = one_object_per_key(delta.changed)
        keys = list(delta.changed)
        rows = await self._last_message_rows(keys, everything=delta.first)
        # The last messages become objects (Python, in a thread) while the user turns are
        # counted (SQLite, which lets the GIL go): on two cores at once, not one after the other.
        # Both end before a failure of either is raised: no count goes on after the read failed.
        last, turned = await asyncio.gather(
            off_loop(lambda: _last_messages(rows, keys), len(rows)),
            self._read_new_turns(canonical),
            return_exceptions=True,
        )
        if isinstance(turned, BaseException):
            raise turned
        if isinstance(last, BaseException):
            raise last
        rows.clear()  # made into objects: freed before the sessions are built
        for key, row in delta.changed.items():
            previous = self._sessions.get(key)
            restored = previous is None and not delta.first  # e.g. put back from the trash: old ids
            if restored or (previous is not None and _restarted(previous, row)):  # recount
                counted = await self.db.fetchall(
                    f"SELECT COUNT(*) FROM sessions WHERE session_key = ? AND id <= ? AND {_USER_TURN}",
                    (key, self._max_id),
                )
                self._turns[key] = counted[0][0]
        built = await off_loop(
            lambda: {k: self._session(r, last) for k, r in delta.changed.items()},
            len(delta.changed),
        )
        self._sessions.update(built)
        changed = delta.first or bool(delta.changed or delta.vanished)
        if changed:
            self._snapshot = tuple(self._sessions.values())
        return ReadReport(self._snapshot, changed)

    async def metadata_reader(self) -> MetadataRows:
        return await self.metadata(
            ["session_key", "created_at", "last_activity", "message_count"],
            OPTIONAL,
            watermark="last_activity",
            busy=("state", "state <> 'idle'"),
        )

    async def prepare_pages(self, calls_since: datetime) -> dict[str, tuple[ApiCall, ...]]:
        """Count every session's user turns once (one sort of the user rows, not one index walk
        per page); ZeroClaw records no usage, so no session burns."""
        await self._read_new_turns({})
        return {}

    async def page_sessions(self, rows: list[Any]) -> tuple[Session, ...]:
        keys = [row[0] for row in rows]
        last = await self._last_messages_of(keys)
        return tuple(self._session(tuple(row), last) for row in rows)

    async def _last_messages_of(self, keys: list[str]) -> dict[str, LastMessage | None]:
        """The last message of each of these sessions (through the bot's (session_key, id)
        index); a session with no message is absent."""
        rows = await self.db.fetchall(
            "SELECT session_key, role, content, created_at FROM sessions WHERE id IN "
            f"(SELECT MAX(id) FROM sessions WHERE session_key IN ({placeholders(keys)}) GROUP BY session_key)",
            keys,
        )
        return {key: _last_message(role, content, at) for key, role, content, at in rows}

    async def first_page(self, limit: int) -> tuple[tuple[Session, ...], int]:
        """The `limit` most recently active sessions, and how many there are, read through the
        bot's `(session_key, id)` index alone: shown while the full first read runs."""
        meta = await self.metadata_reader()
        total = (await self.db.fetchall("SELECT COUNT(*) FROM session_metadata"))[0][0]
        rows = await self.db.fetchall(
            f"SELECT {', '.join(meta.columns)} FROM session_metadata "
            "ORDER BY last_activity DESC LIMIT ?",
            (limit,),
        )
        keys = [row[0] for row in rows]
        marks = placeholders(keys)
        last = await self._last_messages_of(keys)
        counted = await self.db.fetchall(
            f"SELECT session_key, SUM({_USER_TURN}) FROM sessions WHERE session_key IN ({marks}) GROUP BY session_key",
            keys,
        )
        turns = {key: int(count or 0) for key, count in counted}
        return tuple(self._session(tuple(row), last, turns) for row in rows), int(total)

    async def _read_new_turns(self, canonical: Mapping[str, str]) -> None:
        # The rows past the last one counted, up to a bound read first, so a row the bot commits
        # meanwhile is neither skipped nor counted twice. Only user turns are grouped (a sort of
        # 40 % of the rows, not all of them: 0.3 s instead of 1.1 s at a million messages).
        top = (await self.db.fetchall("SELECT MAX(id) FROM sessions"))[0][0] or 0
        if top <= self._max_id:
            return
        rows = await self.db.fetchall(
            f"SELECT session_key, COUNT(*) FROM sessions WHERE id > ? AND id <= ? AND {_USER_TURN} "
            "GROUP BY +session_key",  # "+": a rowid range search, not a scan of the key index
            (self._max_id, top),
        )
        for key, count in rows:
            key = canonical.get(key, key)
            self._turns[key] = self._turns.get(key, 0) + count
        self._max_id = top

    async def _last_message_rows(self, keys: list[str], everything: bool) -> list[Any]:
        """The rows of the last message of each of these sessions (`_last_messages` makes them
        objects); `everything`: of every session, in one statement."""
        sql = "SELECT session_key, role, content, created_at FROM sessions WHERE id IN (SELECT MAX(id) FROM sessions {where} GROUP BY session_key)"
        if everything:
            batches: list[list[str]] = [[]]
        else:
            batches = [keys[i : i + _BATCH] for i in range(0, len(keys), _BATCH)]
        rows: list[Any] = []
        for batch in batches:
            where = f"WHERE session_key IN ({placeholders(batch)})" if batch else ""
            rows += await self.db.fetchall(sql.format(where=where), batch)
        return rows

    def _session(
        self,
        row: tuple[Any, ...],
        last_of: dict[str, LastMessage | None],
        turns_of: dict[str, int] | None = None,
    ) -> Session:
        key, created, activity, count = row[:4]
        assert self._meta is not None  # every caller asked for the metadata reader first
        optional = self._meta.picker(OPTIONAL)(row)
        name, state, turn_id, turn_started, alias, channel, room, sender = optional
        last = last_of.get(key)
        state = shared(state)
        last_activity = parse_timestamp(activity)
        if last is not None and last.at == last_activity:  # the same moment: one object, not two
            last_activity = last.at
        return Session(
            format=self.format,
            store=self.store_name,
            id=key,
            name=one_copy(name) if name else key,
            created_at=parse_timestamp(created),
            last_activity=last_activity,
            channel=shared(channel),
            user=shared(sender),
            agent=shared(alias),
            message_count=count,
            turns=(self._turns if turns_of is None else turns_of).get(key, 0),
            native_state=state,
            state_per_turn=True,
            idle_state_kept=key.startswith("gw_"),  # gateway sessions; channel ones read idle
            turn_started_at=None if turn_started is None else parse_timestamp(turn_started),
            last_message=last,
            version=(activity, count),
            extra=_details(state, turn_id, room),
        )


def _details(state: str | None, turn_id: object, room: object) -> tuple[tuple[str, str], ...]:
    """The detail view's `state`, `turn_id` and `room_id`, those the row has; a row with only a
    state (most of them) shares one tuple with every other row in that state."""
    if turn_id is None and room is None:
        return _state_only(state)
    details = [] if state is None else [shared_pair("state", state)]
    if turn_id is not None:
        details.append(("turn_id", str(turn_id)))
    if room is not None:
        details.append(("room_id", str(room)))
    return tuple(details)


@lru_cache(maxsize=64)
def _state_only(state: str | None) -> tuple[tuple[str, str], ...]:
    return () if state is None else (shared_pair("state", state),)


def _last_messages(rows: list[Any], keys: list[str]) -> dict[str, LastMessage | None]:
    """The last message of each of these sessions (None: it has none), from their rows. Used
    once, to build these sessions: not kept."""
    last: dict[str, LastMessage | None] = dict.fromkeys(keys)  # no rows left: none (cleared)
    for key, role, content, created in rows:
        last[key] = _last_message(role, content, created)
    return last


def _last_message(role: str, content: str, stamp: str | None) -> LastMessage:
    """A session's last message row as what the rules need of it (texts many sessions end
    on kept once)."""
    return to_last_message(to_message(role, one_copy_of_preview(content), parse_timestamp(stamp)))


def _restarted(before: Session, after: tuple[Any, ...]) -> bool:
    """Messages were removed: the count fell, or the session was deleted and made anew."""
    return int(after[3]) < before.message_count or parse_timestamp(after[1]) != before.created_at


def _message(role: str, content: str, stamp: str | None) -> Message:
    return to_message(role, content, parse_timestamp(stamp))
